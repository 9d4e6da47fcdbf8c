package store

// file is the durable medium under a file-backed store. *os.File satisfies it; the crash
// tests substitute one that cuts writes short.
type file interface {
	ReadAt(p []byte, off int64) (int, error)
	WriteAt(p []byte, off int64) (int, error)
	Truncate(size int64) error
	Sync() error
	Close() error
}

// fileSystem opens the files of a store: the operating system's, or a test's.
type fileSystem interface {
	// open opens or creates name for reading and writing and returns its size. With lock
	// set it takes the file's exclusive lock, waiting as lock says.
	open(name string, lock *Options) (file, int64, error)
	// exists reports whether name exists.
	exists(name string) bool
	// syncDir makes the directory entries of the directory holding name durable.
	syncDir(name string) error
}

// writeJoined writes bufs end to end at off in f with one WriteAt, joining them in
// *scratch: writeVec for a file that cannot write a vector.
func writeJoined(f file, bufs [][]byte, off int64, scratch *[]byte) error {
	b := (*scratch)[:0]
	for _, p := range bufs {
		b = append(b, p...)
	}
	*scratch = b
	_, err := f.WriteAt(b, off)
	return err
}
