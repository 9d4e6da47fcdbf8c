package entity

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"time"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/stablegraph/stablegraph/store"
)

// VarStats holds the statistics that an explicit analysis made of other variables (a
// column's histogram, say): key the variable's name, value the bytes its package encodes.
// It is created by the first PutVarStats, so a store never analyzed has none. Reading it
// is metered like any variable, under its own name.
const VarStats = "$stats"

var statsDef = store.VarDef{Name: VarStats, Role: store.RoleInternal, Type: "bytes", Trees: []store.Layout{
	{KeySize: store.Variable, MaxKey: store.MaxVarName, ValueSize: store.Variable},
}}

// PutVarStats keeps b as the statistics of the variable called name, in place of any it
// had, creating VarStats if the store has none.
func (tx *Tx) PutVarStats(name string, b []byte) error {
	if _, ok := tx.Var(name); !ok {
		return fmt.Errorf("statistics of %q: %w", name, store.ErrNoVar)
	}
	if _, ok := tx.Var(VarStats); !ok {
		if _, err := tx.CreateVar(statsDef); err != nil {
			return err
		}
	}
	t, err := tx.VarTree(VarStats, 0, true)
	if err != nil {
		return err
	}
	_, err = t.Put([]byte(name), b)
	return err
}

// VarStatsOf returns the statistics kept for the variable called name, if any. The bytes
// are a copy.
func (tx *Tx) VarStatsOf(name string) ([]byte, bool) {
	if _, ok := tx.Var(VarStats); !ok {
		return nil, false
	}
	t, err := tx.VarTree(VarStats, 0, false)
	if err != nil {
		return nil, false
	}
	v, ok := t.Get([]byte(name))
	if !ok {
		return nil, false
	}
	return append([]byte(nil), v...), true
}

// KindStats is what an analysis keeps of a kind: the lowest and highest ID of its
// members, which tell how much of the ID space (and so of a column's tree) its members
// spread over, and how its members key each tree analysed with it (AnalyzeKinds): how
// many have a value in a column, an edge in a verb, and how many entries each has.
//
// Encoded (KindStats.Encode): a version byte (2; version 1 had no covers), when it was
// made (Unix nanoseconds, 8 bytes little-endian), then as uvarints the first ID, the last
// ID, the members and the number of covers, and for each cover the length of its
// variable's name, the name, the tree, keys, entries, the number of degree buckets and
// each bucket.
type KindStats struct {
	Made        time.Time
	First, Last ID
	Members     uint64
	Covers      []TreeCover
}

// TreeCover is what an analysis saw of a tree keyed by entity ID (a column's values, one
// direction of a verb's edges) among the members of one kind.
type TreeCover struct {
	Var     string // the variable the tree belongs to
	Tree    int    // which of its trees
	Keys    uint64 // members that key the tree: with a value, with an edge
	Entries uint64 // the entries those members key
	// Degrees[i] counts the members that key between 2^i and 2^(i+1)-1 entries; those
	// that key none are Members - Keys.
	Degrees []uint64
}

// Cover returns what the statistics say of tree i of the variable called name.
func (s *KindStats) Cover(name string, i int) (TreeCover, bool) {
	for _, c := range s.Covers {
		if c.Var == name && c.Tree == i {
			return c, true
		}
	}
	return TreeCover{}, false
}

// ZeroShare returns the share of the kind's members that key none of the tree's entries.
func (s *KindStats) ZeroShare(c TreeCover) float64 {
	if s.Members == 0 {
		return 1
	}
	return float64(s.Members-min(s.Members, c.Keys)) / float64(s.Members)
}

const (
	kindStatsV1 = 1
	kindStatsV2 = 2
)

// ErrStatsVersion reports statistics of a version this code does not read.
var ErrStatsVersion = errors.New("unknown statistics version")

// Span reads the first and last member of kind k (a path down each end of its tree).
func (k *Kind) Span(tx *Tx) KindStats {
	t := k.Tree(tx)
	s := KindStats{Made: time.Now(), Members: t.Len()}
	if first, _, ok := t.First(); ok {
		s.First = FromKey(first)
	}
	if last, _, ok := t.Last(); ok {
		s.Last = FromKey(last)
	}
	return s
}

// TreeOf names tree Tree of the variable Var, a tree keyed by entity ID.
type TreeOf struct {
	Var  string
	Tree int
}

// AnalyzeKinds returns the statistics of every kind (Tx.Kinds): its span, and for each of
// trees how its members key it. It reads every kind's members and each tree whole.
func AnalyzeKinds(tx *Tx, trees []TreeOf) ([]KindStats, error) {
	kinds := tx.Kinds()
	out := make([]KindStats, len(kinds))
	members := make([]*roaring64.Bitmap, len(kinds))
	for i, k := range kinds {
		out[i] = k.Span(tx)
		members[i] = k.Bitmap(tx)
	}
	for _, to := range trees {
		t, err := tx.VarTree(to.Var, to.Tree, false)
		if err != nil {
			return nil, err
		}
		covers := make([]TreeCover, len(kinds))
		for i := range covers {
			covers[i] = TreeCover{Var: to.Var, Tree: to.Tree}
		}
		var cur ID
		var n uint64
		flush := func() {
			if n == 0 {
				return
			}
			for i, m := range members {
				if m.Contains(uint64(cur)) {
					covers[i].add(n)
				}
			}
		}
		for key := range t.All() {
			if len(key) < KeySize {
				return nil, fmt.Errorf("statistics of %q: %w: key of %d bytes", to.Var, store.ErrCorrupt, len(key))
			}
			if id := FromKey(key); id != cur || n == 0 {
				flush()
				cur, n = id, 0
			}
			n++
		}
		flush()
		for i := range out {
			out[i].Covers = append(out[i].Covers, covers[i])
		}
	}
	return out, nil
}

// add counts a member that keys n entries.
func (c *TreeCover) add(n uint64) {
	c.Keys++
	c.Entries += n
	b := bits.Len64(n) - 1
	for len(c.Degrees) <= b {
		c.Degrees = append(c.Degrees, 0)
	}
	c.Degrees[b]++
}

// Encode returns the statistics' bytes.
func (s KindStats) Encode() []byte {
	b := []byte{kindStatsV2}
	b = binary.LittleEndian.AppendUint64(b, uint64(s.Made.UnixNano()))
	for _, n := range []uint64{uint64(s.First), uint64(s.Last), s.Members, uint64(len(s.Covers))} {
		b = binary.AppendUvarint(b, n)
	}
	for _, c := range s.Covers {
		b = binary.AppendUvarint(b, uint64(len(c.Var)))
		b = append(b, c.Var...)
		for _, n := range []uint64{uint64(c.Tree), c.Keys, c.Entries, uint64(len(c.Degrees))} {
			b = binary.AppendUvarint(b, n)
		}
		for _, n := range c.Degrees {
			b = binary.AppendUvarint(b, n)
		}
	}
	return b
}

// DecodeKindStats decodes KindStats of version 1 or 2.
func DecodeKindStats(b []byte) (KindStats, error) {
	var s KindStats
	bad := func(what string) error {
		return fmt.Errorf("kind statistics: %w: %s", store.ErrCorrupt, what)
	}
	if len(b) < 9 {
		return s, bad(fmt.Sprintf("%d bytes", len(b)))
	}
	if v := b[0]; v != kindStatsV1 && v != kindStatsV2 {
		return s, fmt.Errorf("kind statistics: %w %d (this code reads versions %d and %d)", ErrStatsVersion, v, kindStatsV1, kindStatsV2)
	}
	v2 := b[0] == kindStatsV2
	s.Made = time.Unix(0, int64(binary.LittleEndian.Uint64(b[1:9])))
	b = b[9:]
	ok := true
	uv := func() uint64 {
		n, k := binary.Uvarint(b)
		if k <= 0 {
			ok = false
			return 0
		}
		b = b[k:]
		return n
	}
	s.First, s.Last, s.Members = ID(uv()), ID(uv()), uv()
	if v2 {
		nc := uv()
		if nc > uint64(len(b)) {
			return s, bad("more covers than bytes")
		}
		for range nc {
			nl := uv()
			if !ok || nl > uint64(len(b)) {
				return s, bad("truncated name")
			}
			c := TreeCover{Var: string(b[:nl])}
			b = b[nl:]
			c.Tree, c.Keys, c.Entries = int(uv()), uv(), uv()
			nd := uv()
			if nd > 64 {
				return s, bad("too many degree buckets")
			}
			for range nd {
				c.Degrees = append(c.Degrees, uv())
			}
			s.Covers = append(s.Covers, c)
		}
	}
	if !ok {
		return s, bad("truncated")
	}
	if len(b) != 0 {
		return s, bad("trailing bytes")
	}
	return s, nil
}
