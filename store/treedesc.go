package store

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// A tree's descriptor is a 64-byte record kept at a place its owner chooses (a TreeRef): one
// of the superblock's NumTreeSlots slots, or a slot in the catalog's own pages. Every
// multi-byte field is little-endian.
//
//	offset size field
//	     0    4 magic "SGBT"
//	     4    1 format version (1)
//	     5    1 flags: bit 0 variable-size keys, bit 1 variable-size values
//	     6    2 key size; for variable-size keys, the longest key allowed
//	     8    2 value size; 0 for variable-size values
//	    10    1 height: levels of nodes, 0 for an empty tree
//	    11    5 key groups + 1, 40 bits: the owner's count of groups of keys (see
//	              Tree.Groups); 0 when the owner does not keep it. Code that predates the
//	              field writes 0 there, so an old writer leaves the count unknown, never stale.
//	    16    8 root page, 0 for an empty tree
//	    24    8 entries
//	    32    8 leaf pages
//	    40    8 branch pages
//	    48    8 overflow pages
//	    56    4 zero
//	    60    4 CRC-32C of bytes [0, 60)
//
// Reading the descriptor from its slot page in every message would add a page to every
// point lookup, which must touch exactly `height` pages. So descriptors are cached at three
// levels:
//
//   - the Store keeps the committed descriptor of every tree it has seen, filled on first use
//     by reading the slot (that one read is metered, under OwnerStore);
//   - a message keeps the trees it opened, so that all opens of one tree share its state,
//     and updates the descriptor only in the heap as it changes the tree;
//   - at commit, each changed descriptor is written into its slot page (dirtying it under
//     OwnerStore) before the redo-log append, and installed into the Store's cache only once
//     the commit is applied, inside the exclusive section that Views wait on. A rollback
//     just forgets the message's trees.
//
// So a put that does not split dirties one page of the tree's owner, plus the descriptor's
// slot page under OwnerStore. A slot must change only through CreateTree, Drop and commits:
// the cache does not notice raw writes to it.
const (
	descMagic   = "SGBT"
	descVersion = 1
	descSize    = 64

	descOffVersion  = 4
	descOffFlags    = 5
	descOffKeySize  = 6
	descOffValSize  = 8
	descOffHeight   = 10
	descOffGroups   = 11
	descOffRoot     = 16
	descOffCount    = 24
	descOffLeaves   = 32
	descOffBranches = 40
	descOffOverflow = 48
	descOffChecksum = 60

	descFlagVarKey = 1
	descFlagVarVal = 2
)

// Errors about trees and their layouts.
var (
	// ErrNoTree reports a descriptor slot that holds no tree, or a tree dropped in this message.
	ErrNoTree = errors.New("no tree at this descriptor slot")
	// ErrTreeExists reports CreateTree on a slot that already holds a tree.
	ErrTreeExists = errors.New("descriptor slot already holds a tree")
	// ErrTreeOwner reports a tree opened twice in one message with different owner tags.
	ErrTreeOwner = errors.New("tree is already open with another owner")
	// ErrLayout reports a Layout that no tree can have.
	ErrLayout = errors.New("invalid tree layout")
)

// TreeRef is where a tree's 64-byte descriptor lives: a page and a byte offset in it.
type TreeRef struct {
	Page PageID // the page holding the descriptor
	Off  uint16 // its byte offset in the page; the 64 bytes must fit the page
}

// SuperblockTreeRef returns descriptor slot i (0 ≤ i < NumTreeSlots) of the superblock.
// Slot 0 is reserved for the catalog's tree.
func SuperblockTreeRef(i int) TreeRef {
	if i < 0 || i >= NumTreeSlots {
		panic(fmt.Sprintf("store: superblock tree slot %d out of range [0, %d)", i, NumTreeSlots))
	}
	return TreeRef{Page: 0, Off: uint16(sbOffTreeSlots + descSize*i)}
}

// String names the slot as tree@PAGE+OFFSET, the form errors use.
func (r TreeRef) String() string { return fmt.Sprintf("tree@%d+%d", r.Page, r.Off) }

// Variable marks Layout.KeySize or Layout.ValueSize as variable.
const Variable = -1

// Size limits of keys and values.
const (
	// MaxKeySize is the longest key a tree can hold, fixed or variable.
	MaxKeySize = 1024
	// MaxFixedValueSize is the largest fixed value size. A fixed layout must also fit three
	// entries in a leaf: KeySize + ValueSize ≤ 1354.
	MaxFixedValueSize = 1024
	// MaxValueSize is the largest variable-size value; values too large to share a leaf
	// spill into overflow pages.
	MaxValueSize = 1 << 30
)

// Layout fixes the shape of a tree's keys and values for its whole life. Fixed sizes are the
// fast path: packed nodes, no per-entry offsets. A tree with a Variable key or value size uses
// slotted nodes.
type Layout struct {
	// KeySize is the size of every key, 1 to MaxKeySize bytes, or Variable.
	KeySize int
	// MaxKey bounds variable-size keys, 1 to MaxKeySize bytes; 0 means MaxKeySize. It is
	// ignored for fixed-size keys.
	MaxKey int
	// ValueSize is the size of every value, 0 to MaxFixedValueSize bytes, or Variable.
	ValueSize int
}

// Fixed reports whether keys and values both have a fixed size.
func (l Layout) Fixed() bool { return l.KeySize != Variable && l.ValueSize != Variable }

// normalize checks l and fills in MaxKey.
func (l Layout) normalize() (Layout, error) {
	switch {
	case l.KeySize == Variable:
		if l.MaxKey == 0 {
			l.MaxKey = MaxKeySize
		}
		if l.MaxKey < 1 || l.MaxKey > MaxKeySize {
			return l, fmt.Errorf("%w: longest key %d outside [1, %d]", ErrLayout, l.MaxKey, MaxKeySize)
		}
	case l.KeySize >= 1 && l.KeySize <= MaxKeySize:
		l.MaxKey = l.KeySize
	default:
		return l, fmt.Errorf("%w: key size %d outside [1, %d]", ErrLayout, l.KeySize, MaxKeySize)
	}
	if l.ValueSize != Variable && (l.ValueSize < 0 || l.ValueSize > MaxFixedValueSize) {
		return l, fmt.Errorf("%w: value size %d outside [0, %d]", ErrLayout, l.ValueSize, MaxFixedValueSize)
	}
	if l.Fixed() && l.KeySize+l.ValueSize > maxLeafCell {
		return l, fmt.Errorf("%w: %d-byte keys with %d-byte values fit fewer than 3 to a leaf", ErrLayout, l.KeySize, l.ValueSize)
	}
	if !l.Fixed() && l.ValueSize != Variable && varLeafCell(l.MaxKey, l.ValueSize) > maxLeafCell {
		return l, fmt.Errorf("%w: keys up to %d bytes with %d-byte values fit fewer than 3 to a leaf", ErrLayout, l.MaxKey, l.ValueSize)
	}
	return l, nil
}

// treeDesc is a descriptor decoded.
type treeDesc struct {
	layout   Layout
	height   int
	root     PageID
	count    uint64
	leaves   uint64
	branches uint64
	overflow uint64
	groups   uint64 // the owner's count of key groups plus one; 0: not kept
}

// maxGroups is the largest groups field the descriptor holds (40 bits).
const maxGroups = 1<<40 - 1

func (d *treeDesc) encode(b []byte) {
	clear(b[:descSize])
	copy(b, descMagic)
	b[descOffVersion] = descVersion
	var flags byte
	if d.layout.KeySize == Variable {
		flags |= descFlagVarKey
	}
	vs := d.layout.ValueSize
	if vs == Variable {
		flags |= descFlagVarVal
		vs = 0
	}
	b[descOffFlags] = flags
	le.PutUint16(b[descOffKeySize:], uint16(d.layout.MaxKey))
	le.PutUint16(b[descOffValSize:], uint16(vs))
	b[descOffHeight] = byte(d.height)
	if d.groups <= maxGroups {
		for i := range 5 {
			b[descOffGroups+i] = byte(d.groups >> (8 * i))
		}
	}
	le.PutUint64(b[descOffRoot:], uint64(d.root))
	le.PutUint64(b[descOffCount:], d.count)
	le.PutUint64(b[descOffLeaves:], d.leaves)
	le.PutUint64(b[descOffBranches:], d.branches)
	le.PutUint64(b[descOffOverflow:], d.overflow)
	le.PutUint32(b[descOffChecksum:], crc32c(b[:descOffChecksum]))
}

func decodeDesc(b []byte) (treeDesc, error) {
	var d treeDesc
	if string(b[:4]) != descMagic {
		return d, fmt.Errorf("%w: bad descriptor magic %q", ErrCorrupt, b[:4])
	}
	if v := b[descOffVersion]; v != descVersion {
		return d, fmt.Errorf("%w: tree descriptor version %d (this code reads version %d)", ErrVersion, v, descVersion)
	}
	if got, want := crc32c(b[:descOffChecksum]), le.Uint32(b[descOffChecksum:]); got != want {
		return d, fmt.Errorf("%w: descriptor checksum %08x, stored %08x", ErrCorrupt, got, want)
	}
	flags := b[descOffFlags]
	l := Layout{KeySize: int(le.Uint16(b[descOffKeySize:])), ValueSize: int(le.Uint16(b[descOffValSize:]))}
	if flags&descFlagVarKey != 0 {
		l.KeySize, l.MaxKey = Variable, l.KeySize
	}
	if flags&descFlagVarVal != 0 {
		l.ValueSize = Variable
	}
	var err error
	if d.layout, err = l.normalize(); err != nil || flags&^(descFlagVarKey|descFlagVarVal) != 0 {
		return d, fmt.Errorf("%w: descriptor has an invalid layout (flags %#x): %v", ErrCorrupt, flags, err)
	}
	d.height = int(b[descOffHeight])
	for i := range 5 {
		d.groups |= uint64(b[descOffGroups+i]) << (8 * i)
	}
	d.root = PageID(le.Uint64(b[descOffRoot:]))
	d.count = le.Uint64(b[descOffCount:])
	d.leaves = le.Uint64(b[descOffLeaves:])
	d.branches = le.Uint64(b[descOffBranches:])
	d.overflow = le.Uint64(b[descOffOverflow:])
	if (d.height == 0) != (d.root == 0) || d.height > maxHeight {
		return d, fmt.Errorf("%w: descriptor has root page %d with height %d", ErrCorrupt, d.root, d.height)
	}
	return d, nil
}

// slot returns the bytes of ref's slot in page p.
func (r TreeRef) slot(p []byte) []byte { return p[r.Off : int(r.Off)+descSize] }

func (r TreeRef) check() error {
	if int(r.Off)+descSize > PageSize || (r.Page == 0 && int(r.Off)+descSize > sbOffChecksum) {
		return fmt.Errorf("%w: descriptor slot %v does not fit its page", ErrLayout, r)
	}
	return nil
}

// loadDesc returns the descriptor at ref as this message sees it, and whether there is one.
func (tx *Tx) loadDesc(ref TreeRef) (treeDesc, bool, error) {
	if err := ref.check(); err != nil {
		return treeDesc{}, false, err
	}
	s := tx.s
	s.treeMu.Lock()
	d, ok := s.trees[ref]
	s.treeMu.Unlock()
	if ok {
		return d, true, nil
	}
	prev := tx.meter.setOwner(OwnerStore)
	slot := ref.slot(tx.page(ref.Page)) // the descriptor has a checksum of its own
	tx.meter.setOwner(prev)
	if string(slot) == string(zeroPage[:descSize]) {
		return treeDesc{}, false, nil
	}
	d, err := decodeDesc(slot)
	if err != nil {
		return d, false, fmt.Errorf("%v: %w", ref, err)
	}
	if !tx.isDirty(ref.Page) {
		// The slot is as the last commit left it: safe to share with other messages.
		s.treeMu.Lock()
		if s.trees == nil {
			s.trees = make(map[TreeRef]treeDesc)
		}
		s.trees[ref] = d
		s.treeMu.Unlock()
	}
	return d, true, nil
}

// CreateTree makes an empty tree with the given layout, its descriptor at ref, and returns
// it. Every access the tree makes is tagged with owner. It fails with ErrTreeExists if ref
// holds a tree. Creating a tree allocates no page; the descriptor is written at commit.
func (tx *Tx) CreateTree(ref TreeRef, layout Layout, owner string) (*Tree, error) {
	tx.checkOpen()
	if !tx.writable {
		return nil, ErrTxReadOnly
	}
	l, err := layout.normalize()
	if err != nil {
		return nil, err
	}
	old, ok := tx.trees.get(ref)
	if ok && !old.dropped {
		return nil, fmt.Errorf("create %v: %w", ref, ErrTreeExists)
	}
	wasPresent := false
	var base treeDesc
	if ok {
		wasPresent, base = old.wasPresent, old.base
	} else {
		d, present, err := tx.loadDesc(ref)
		if err != nil {
			return nil, fmt.Errorf("create: %w", err)
		}
		if present {
			return nil, fmt.Errorf("create %v: %w", ref, ErrTreeExists)
		}
		wasPresent, base = false, d
	}
	t := tx.newTree(ref, owner, treeDesc{layout: l})
	t.wasPresent, t.base = wasPresent, base
	return t, nil
}

// OpenTree returns the tree whose descriptor is at ref, its accesses tagged with owner. It
// fails with ErrNoTree if ref holds none, and with an error wrapping ErrVersion or
// ErrCorrupt if the descriptor is of an unknown version or damaged. Opening a tree again in
// the same message returns the same *Tree.
func (tx *Tx) OpenTree(ref TreeRef, owner string) (*Tree, error) {
	tx.checkOpen()
	if t, ok := tx.trees.get(ref); ok {
		if t.dropped {
			return nil, fmt.Errorf("open %v: %w", ref, ErrNoTree)
		}
		if t.owner != owner {
			return nil, fmt.Errorf("open %v as %q: %w (%q)", ref, owner, ErrTreeOwner, t.owner)
		}
		return t, nil
	}
	d, present, err := tx.loadDesc(ref)
	if err != nil {
		return nil, fmt.Errorf("open: %w", err)
	}
	if !present {
		return nil, fmt.Errorf("open %v: %w", ref, ErrNoTree)
	}
	t := tx.newTree(ref, owner, d)
	t.wasPresent, t.base = true, d
	return t, nil
}

func (tx *Tx) newTree(ref TreeRef, owner string, d treeDesc) *Tree {
	var ts *treeState
	if n := len(tx.spareTrees); n > 0 {
		ts, tx.spareTrees = tx.spareTrees[n-1], tx.spareTrees[:n-1]
	} else {
		ts = new(treeState)
	}
	// The epoch and the count of changes carry on, so that no handle or cursor of the
	// state's earlier messages matches.
	*ts = treeState{epoch: ts.epoch, gen: ts.gen + 1, tx: tx, ref: ref, owner: owner, d: d, om: tx.meter.ownerMeter(owner)}
	if len(tx.treeHandles) == 0 {
		tx.treeHandles = make([]Tree, treeHandleSlab)
	}
	t := &tx.treeHandles[0]
	tx.treeHandles = tx.treeHandles[1:]
	t.treeState, t.epoch = ts, ts.epoch
	t.shape()
	tx.trees.put(t)
	return t
}

// treeHandleSlab is how many tree handles newTree allocates at once, from an array its
// message's state keeps: a handle is never reused, so one kept past its message can only
// ever fail its epoch check.
const treeHandleSlab = 256

// maxSpareTrees bounds the tree states a message's state keeps for the next message.
const maxSpareTrees = 64

// spareTreeStates hands the states of the trees the message opened to the next message
// over its txState, moving their epochs on: every handle of them fails from now on.
func (ts *txTrees) spare(spare []*treeState) []*treeState {
	keep := func(t *Tree) {
		t.treeState.epoch++
		if len(spare) < maxSpareTrees {
			spare = append(spare, t.treeState)
		}
	}
	if ts.byRef != nil {
		for _, t := range ts.byRef {
			keep(t)
		}
	} else {
		for _, t := range ts.list {
			keep(t)
		}
	}
	return spare
}

// txTrees holds the trees a message opened, by descriptor slot: most messages open a few,
// which a scan of a short slice finds sooner than a map would.
type txTrees struct {
	list  []*Tree
	buf   [8]*Tree
	byRef map[TreeRef]*Tree // past len(buf) trees; nil until then
}

func (ts *txTrees) get(ref TreeRef) (*Tree, bool) {
	if ts.byRef != nil {
		t, ok := ts.byRef[ref]
		return t, ok
	}
	for _, t := range ts.list {
		if t.ref == ref {
			return t, true
		}
	}
	return nil, false
}

// put adds t, replacing the tree of the same slot (one dropped in this message).
func (ts *txTrees) put(t *Tree) {
	if ts.byRef != nil {
		ts.byRef[t.ref] = t
		return
	}
	for i, o := range ts.list {
		if o.ref == t.ref {
			ts.list[i] = t
			return
		}
	}
	if ts.list == nil {
		ts.list = ts.buf[:0]
	}
	ts.list = append(ts.list, t)
	if len(ts.list) > len(ts.buf) {
		ts.byRef = make(map[TreeRef]*Tree, 2*len(ts.list))
		for _, o := range ts.list {
			ts.byRef[o.ref] = o
		}
	}
}

// all returns the trees, in no particular order.
func (ts *txTrees) all() []*Tree {
	if ts.byRef != nil {
		return slices.Collect(maps.Values(ts.byRef))
	}
	return ts.list
}

// changed reports whether t's descriptor must be written back at commit.
func (t *Tree) changed() bool {
	return t.dropped == t.wasPresent || (!t.dropped && t.d != t.base)
}

// flushTrees writes the descriptors this message changed into their slot pages. Commit
// calls it before logging the message; a trap (the budget, say) fails the commit.
func (tx *Tx) flushTrees() {
	trees := tx.trees.all()
	if len(trees) == 0 {
		return
	}
	prev := tx.meter.setOwner(OwnerStore)
	defer tx.meter.setOwner(prev)
	trees = slices.Clone(trees)
	slices.SortFunc(trees, func(a, b *Tree) int { return compareRefs(a.ref, b.ref) })
	for _, t := range trees {
		if !t.changed() {
			continue
		}
		slot := t.ref.slot(tx.rewritePage(t.ref.Page))
		if t.dropped {
			clear(slot)
		} else {
			t.d.encode(slot)
		}
	}
}

func compareRefs(a, b TreeRef) int {
	if a.Page != b.Page {
		if a.Page < b.Page {
			return -1
		}
		return 1
	}
	return int(a.Off) - int(b.Off)
}

// installTrees puts the descriptors of a message that has just been applied into the
// Store's cache. Commit calls it while no View runs.
func (s *Store) installTrees(tx *Tx) {
	trees := tx.trees.all()
	if len(trees) == 0 {
		return
	}
	s.treeMu.Lock()
	defer s.treeMu.Unlock()
	if s.trees == nil {
		s.trees = make(map[TreeRef]treeDesc)
	}
	for _, t := range trees {
		ref := t.ref
		switch {
		case !t.changed():
		case t.dropped:
			delete(s.trees, ref)
		default:
			s.trees[ref] = t.d
		}
	}
}
