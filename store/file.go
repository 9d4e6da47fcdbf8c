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
