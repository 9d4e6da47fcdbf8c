// Package store lays structured data out in stable memory: one linear, growable byte array
// addressed with 64-bit offsets, grown in 64 KiB Wasm pages and charged in 4 KiB pages, as
// on the Internet Computer.
//
// The layers, bottom up:
//
//   - Memory: the byte array (ic0.stable64_size, _grow, _read, _write). HeapMemory keeps it
//     in the Go heap; Open keeps it in a file, byte for byte.
//   - Messages: every access happens inside Update or View. An Update's writes land in an
//     overlay of dirty pages and commit all at once or not at all; a file-backed store makes
//     a commit durable in a checksummed redo log before applying it in place, and replays
//     the log when it opens (into memory only, for a store opened ReadOnly).
//   - The page meter: each message counts the distinct pages it read and dirtied, per owner
//     tag, and can run under a Budget with the Internet Computer's two limits; with
//     Options.RecordPages its Stats also hold the pages themselves.
//   - The allocator: 4 KiB pages handed out from a free list, the memory growing by one Wasm
//     page only when the list is empty. Page 0, the superblock, holds its state and the root
//     slots of the structures above.
//   - The B+tree (Tree): one page per node, fixed-size keys and values packed as the fast
//     path, slotted nodes with overflow pages for variable sizes, leaves linked both ways.
//     A point lookup touches exactly Height pages; Check verifies a tree and that every page
//     of the store is owned exactly once, and Map, from the same walk, tells the owner, kind
//     and fill of every page. Keys order bytewise; EncodeUint64, EncodeInt64 and
//     EncodeFloat64 make order-preserving keys of numbers.
package store
