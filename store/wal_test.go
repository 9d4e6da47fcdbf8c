package store

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// crashedFiles runs msgs messages of the crash workload on a file store and returns its
// files as a crash would leave them (before Close checkpoints): the log holds every message.
func crashedFiles(t *testing.T, opts *Options, msgs int) (main, log []byte) {
	path := filepath.Join(t.TempDir(), "s.sgdb")
	o := *opts
	o.CheckpointBytes = 1 << 30
	s, err := Open(path, &o)
	require.NoError(t, err)
	for i := 1; i <= msgs; i++ {
		require.NoError(t, s.Update(crashMessage(21, i)))
	}
	main, err = os.ReadFile(path)
	require.NoError(t, err)
	log, err = os.ReadFile(path + "-wal")
	require.NoError(t, err)
	require.NoError(t, s.Close())
	return main, log
}

// openFiles writes main and log as a store's files and opens it.
func openFiles(t *testing.T, main, log []byte, opts *Options) (*Store, error) {
	dir := t.TempDir()
	p := filepath.Join(dir, "s.sgdb")
	require.NoError(t, os.WriteFile(p, main, 0o644))
	require.NoError(t, os.WriteFile(p+"-wal", log, 0o644))
	s, err := Open(p, opts)
	if err == nil {
		t.Cleanup(func() { s.Close() })
	}
	return s, err
}

// recordEnds returns the offsets where each message's record ends in log.
func recordEnds(t *testing.T, log []byte) []int64 {
	w := &wal{f: &memFile{fs: newFaultFS(-1, -1), data: log}, size: int64(len(log)), salt: le.Uint64(log[16:])}
	var ends []int64
	_, _, err := w.scan(func(walRecord) error { ends = append(ends, w.size); return nil })
	require.NoError(t, err)
	return ends
}

// TestDamagedLogIsRefused: a flipped bit in the middle of a log whose messages were all
// applied in place (a process crash) used to make replay stop there and write older page
// images over newer ones, silently. Now Open refuses with ErrCorrupt naming the offset,
// for a flip anywhere in any record but the last, whether in a frame's header or in a page
// image (whose checksum replay must check). Damage in the last record is a torn tail.
func TestDamagedLogIsRefused(t *testing.T) {
	const msgs = 20
	imgs := crashImages21(t, msgs)
	main, log := crashedFiles(t, &Options{}, msgs)
	ends := recordEnds(t, log)
	require.Len(t, ends, msgs+1, "the store's creation and the messages")

	s, err := openFiles(t, main, log, nil)
	require.NoError(t, err)
	assert.Equal(t, imgs[msgs], image(t, s), "the undamaged log")

	r := rand.New(rand.NewPCG(50, 50))
	for trial := range 50 {
		off := walHeaderSize + r.Int64N(ends[msgs-1]-walHeaderSize) // before the last record
		bad := slices.Clone(log)
		bad[off] ^= 1 << r.IntN(8)
		_, err := openFiles(t, main, bad, nil)
		require.ErrorIs(t, err, ErrCorrupt, "trial %d: flip at %d", trial, off)
		assert.ErrorContains(t, err, "is damaged at offset")
		assert.ErrorContains(t, err, "move ")
	}
	// Damage in the last record cannot be told from a write a crash tore (after a power cut,
	// any part of a write may be missing): it is a tail, and the message is dropped. (Its
	// pages may be in place already if only the process crashed: the limit of a redo log
	// without page LSNs, as the package documents.)
	for _, within := range []int64{frameHeader + 100, 3} { // a page image, a frame header
		bad := slices.Clone(log)
		bad[ends[msgs-1]+within] ^= 0x10
		_, err := openFiles(t, main, bad, nil)
		require.NoError(t, err, "damage in the last record is a torn tail")
	}
}

// crashImages21 is crashImages for the seed crashedFiles uses.
func crashImages21(t *testing.T, n int) [][32]byte { return crashImages(t, 21, n) }

// TestDamagedLogUnderNoSync: a NoSync writer keeps its pages out of the main file until a
// checkpoint, so a log it left behind replays to a state some commit left, whatever part of
// it is missing or damaged: lost writes after a power cut look just like damage. Once a
// checkpoint has synced the log and marked it, though, damage before the mark is refused.
func TestDamagedLogUnderNoSync(t *testing.T) {
	const msgs = 20
	imgs := crashImages21(t, msgs)
	main, log := crashedFiles(t, &Options{NoSync: true}, msgs)
	ends := recordEnds(t, log)
	require.Len(t, ends, msgs, "NoSync checkpoints the store's creation")
	bad := slices.Clone(log)
	bad[ends[9]+frameHeader+7] ^= 1 // in message 11
	s, err := openFiles(t, main, bad, nil)
	require.NoError(t, err)
	assert.Equal(t, imgs[10], image(t, s), "the messages before the damage, whole")

	// A checkpoint that crashed after marking the log: the mark says all before it is durable.
	w := &wal{f: &memFile{fs: newFaultFS(-1, -1), data: slices.Clone(log)}, size: int64(len(log)), salt: le.Uint64(log[16:]), last: msgs}
	require.NoError(t, w.sync())
	marked := w.f.(*memFile).data
	bad = slices.Clone(marked)
	bad[ends[9]+frameHeader+7] ^= 1
	_, err = openFiles(t, main, bad, nil)
	require.ErrorIs(t, err, ErrCorrupt)
	assert.ErrorContains(t, err, fmt.Sprintf("is damaged at offset %d", ends[9]))
	s, err = openFiles(t, main, marked, nil)
	require.NoError(t, err)
	assert.Equal(t, imgs[msgs], image(t, s))
}

// TestLogRefusesUnknownVersion: a log of another format version is refused, not replayed
// and not reset.
func TestLogRefusesUnknownVersion(t *testing.T) {
	main, log := crashedFiles(t, &Options{}, 3)
	bad := slices.Clone(log)
	le.PutUint32(bad[8:], 9)
	le.PutUint32(bad[28:], crc32c(bad[:28]))
	_, err := openFiles(t, main, bad, nil)
	require.ErrorIs(t, err, ErrVersion)
	assert.ErrorContains(t, err, "log version 9")
}

// TestLogFramesCarrySealedPages checks that a page the store sealed goes into the log
// checksummed once, its frame covering the page's own checksum, and that a log of version
// 2, whose frames checksum every image whole, is still replayed: the same log with its
// frames rewritten in the old form gives the same store.
func TestLogFramesCarrySealedPages(t *testing.T) {
	const msgs = 12
	imgs := crashImages21(t, msgs)
	main, log := crashedFiles(t, &Options{}, msgs)
	require.Equal(t, uint32(walVersion), le.Uint32(log[8:]))
	old := slices.Clone(log)
	le.PutUint32(old[8:], walVersionRaw)
	le.PutUint32(old[28:], crc32c(old[:28]))
	kinds := map[pageKind]int{}
	for off := walHeaderSize; off < len(old); {
		h := old[off : off+frameHeader]
		if h[0] != framePage {
			off += frameHeader
			continue
		}
		page := old[off+frameHeader : off+frameHeader+PageSize]
		pk := pageKind(h[2])
		kinds[pk]++
		if pk != pageRaw {
			require.NoError(t, verifyPage(PageID(le.Uint64(h[24:])), page, pk), "a sealed page's image matches its checksum")
		}
		h[2] = 0
		le.PutUint32(h[32:], crc32Update(crc32c(h[:32]), page))
		off += frameHeader + PageSize
	}
	assert.Positive(t, kinds[pageRaw], "raw pages: checksummed whole")
	assert.Positive(t, kinds[pageNode], "B-tree nodes: their own checksum")
	assert.Positive(t, kinds[pageSuperblock])
	for name, l := range map[string][]byte{"version 3": log, "version 2": old} {
		s, err := openFiles(t, main, l, nil)
		require.NoError(t, err, name)
		assert.Equal(t, imgs[msgs], image(t, s), name)
	}
	// A sealed page whose image no longer matches its checksum is a bad frame, though the
	// frame's own checksum (over its header and the page's checksum) holds.
	bad := slices.Clone(log)
	for off := walHeaderSize; ; {
		if bad[off] != framePage {
			off += frameHeader
			continue
		}
		if pageKind(bad[off+2]) == pageNode { // the first: not in the last record
			bad[off+frameHeader+PageSize/2] ^= 1
			break
		}
		off += frameHeader + PageSize
	}
	_, err := openFiles(t, main, bad, nil)
	require.ErrorIs(t, err, ErrCorrupt)
	assert.ErrorContains(t, err, "is damaged at offset")
}

// TestEmptyLogOfVersion2IsRewritten: a writer that opens a store whose empty log says
// version 2 (closed by older code) writes a version-3 header before its first frame, so
// that older code never reads frames of sealed pages as version 2.
func TestEmptyLogOfVersion2IsRewritten(t *testing.T) {
	p := filepath.Join(t.TempDir(), "s.sgdb")
	s, err := Open(p, nil)
	require.NoError(t, err)
	require.NoError(t, s.Update(crashMessage(21, 1)))
	require.NoError(t, s.Close())
	b, err := os.ReadFile(p + "-wal")
	require.NoError(t, err)
	require.Len(t, b, walHeaderSize)
	le.PutUint32(b[8:], walVersionRaw)
	le.PutUint32(b[28:], crc32c(b[:28]))
	require.NoError(t, os.WriteFile(p+"-wal", b, 0o644))
	s, err = Open(p, nil)
	require.NoError(t, err)
	b, err = os.ReadFile(p + "-wal")
	require.NoError(t, err)
	assert.Equal(t, uint32(walVersion), le.Uint32(b[8:]), "the header says version 3 before any frame")
	require.NoError(t, s.Update(crashMessage(21, 2)))
	require.NoError(t, s.Close())
}
