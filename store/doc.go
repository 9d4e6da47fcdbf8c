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
//     the log when it opens (into memory only, for a store opened ReadOnly). A message
//     larger than Options.SpillPages spills its dirty pages to the log ahead of its commit,
//     so that it may be larger than memory (spill.go).
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
//   - The catalog: the store's global variables, each a name, a role, a lifecycle state and
//     its trees (Tx.Var, Tx.VarTree, Tx.ApplySchema, Tx.CheckStore).
//
// A Tx is about trees and variables; raw memory (bytes, pages, the allocator, the root
// slots) is behind one escape hatch, Tx.Raw. Whatever a message returns (keys, values,
// pages) lives only as long as the message.
//
// Every format has a magic number and a version, drawn where it is defined (superblock.go,
// page.go, nodepage.go, overflow.go, alloc.go, catalog.go, treedesc.go, wal.go); a store of
// another version is refused with ErrVersion. Every page the store formats carries a
// CRC-32C: a read checks it the first time it meets the page, CheckStore always.
//
// Faults: Update returns nil if and only if its message committed, an error wrapping
// ErrInDoubt where an I/O error made that unknowable, any other error if it did not. A
// full disk fails the message that needs the space and nothing else; an I/O error after a
// message is durable fails the store (ErrFailed) for Views and Updates alike, and reopening
// recovers every committed message. A damaged page, log or file is ErrCorrupt naming where.
// Known limit: damage in the last record of the log looks like a write a crash tore, and
// that message is dropped.
package store
