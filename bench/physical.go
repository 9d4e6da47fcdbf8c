package bench

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// The physical minimum of an operation is the fewest 4 KiB pages an executor could touch to
// do it over our store's trees as they are laid out. It leaves out the catalog, the
// superblock and every check our layers add (such as Set's lookup in $kind): the ratio of
// pages/op to it is the price of those layers and of the executor's choices.
//
// Pages are reached as in any B+tree: from the root down, or from a leaf to the next along
// the leaf links. For the entries it must read or change, in key order, an operation touches
// every leaf that holds one, and reaches each run of adjacent such leaves either by walking
// from the run before (every leaf in the gap) or by descending from the root (the branch
// pages of the path not already on the path of the last descent). The minimum picks the
// cheaper way for each run, by dynamic programming over the runs (runCost); so a point
// read's minimum is the tree's height, a scan's its leaves plus height - 1, and a set of
// scattered probes pays for the branch pages above the leaves it needs.
//
// The trees are bulk-loaded: every leaf but the last is full, so the entry of rank r lives in
// leaf r / LeafCapacity. The name column's leaves are slotted (its values vary in size), but
// every player's name has the same length, so they hold the same number of players each,
// which the minimums measure with the page meter. Branches hold shortened separators and so
// vary in fan-out: the minimums find where each branch's leaves begin with the page meter
// too (bounds), for the trees that an operation probes at scattered places. The health index
// is the one tree the benchmarks split (point writes move entries in it), so it only enters
// through its height and entries / LeafCapacity, except for a point write, whose minimum is
// measured on the index as it stands before the write (MinPointWrite).

// Minimum is the physical minimum of one operation.
type Minimum struct {
	Accessed uint64 // pages read or dirtied
	Dirtied  uint64 // pages dirtied
}

// shape is what the minimums need of a tree.
type shape struct {
	height  int
	entries uint64
	leaves  uint64
	leafCap uint64 // entries per full leaf
	// bounds[l-1] holds the first leaf of each branch of level l, for 1 ≤ l ≤ height-2 (the
	// root, of level height-1, is above every leaf); nil where no operation needs it.
	bounds [][]uint64
}

func shapeOf(t *store.Tree) shape {
	st := t.Stats()
	s := shape{height: st.Height, entries: st.Entries, leafCap: uint64(t.LeafCapacity())}
	if len(st.PagesByLevel) > 0 {
		s.leaves = st.PagesByLevel[0]
	}
	return s
}

// leafOf returns the leaf that holds the entry of rank r.
func (s shape) leafOf(r uint64) uint64 { return r / s.leafCap }

// node returns the index of the branch of level l above leaf x.
func (s shape) node(l int, x uint64) int {
	b := s.bounds[l-1]
	i, found := slices.BinarySearch(b, x)
	if !found {
		i--
	}
	return i
}

// newBranches returns the branch pages on the path to leaf x that are not on the path to
// leaf e (all of them if e < 0, when nothing was descended yet).
func (s shape) newBranches(x uint64, e int64) uint64 {
	if e < 0 {
		return uint64(s.height - 1)
	}
	var n uint64
	for l := 1; l <= s.height-2; l++ {
		if s.node(l, x) != s.node(l, uint64(e)) {
			n++
		}
	}
	return n
}

// leafSet gathers the leaves of one tree that an operation must touch.
type leafSet struct {
	s      shape
	leaves map[uint64]struct{}
}

func newLeafSet(s shape) *leafSet { return &leafSet{s: s, leaves: map[uint64]struct{}{}} }

// add adds the leaves holding the entries of ranks [lo, hi); an empty range still needs the
// leaf where its entries would be.
func (l *leafSet) add(lo, hi uint64) {
	if hi <= lo {
		hi = lo + 1
	}
	for x := l.s.leafOf(lo); x <= l.s.leafOf(hi-1); x++ {
		l.leaves[x] = struct{}{}
	}
}

// pages returns the fewest pages that reach every leaf of the set, or 0 for an empty set.
func (l *leafSet) pages() uint64 {
	xs := make([]uint64, 0, len(l.leaves))
	for x := range l.leaves {
		xs = append(xs, x)
	}
	slices.Sort(xs)
	return runCost(l.s, xs)
}

// runCost returns the fewest pages that reach the leaves xs (ascending) of a tree of shape s,
// moving forward: the leaves themselves, plus for each run of adjacent leaves either the
// gap walked from the previous run or the new branch pages of a descent.
func runCost(s shape, xs []uint64) uint64 {
	if len(xs) == 0 {
		return 0
	}
	type run struct{ a, b uint64 }
	var runs []run
	for _, x := range xs {
		if n := len(runs); n > 0 && runs[n-1].b+1 == x {
			runs[n-1].b = x
		} else {
			runs = append(runs, run{x, x})
		}
	}
	const inf = ^uint64(0)
	// cost[j]: the fewest pages so far with run j's first leaf the last one descended to.
	cost := make([]uint64, len(runs))
	for i := range cost {
		cost[i] = inf
	}
	cost[0] = s.newBranches(runs[0].a, -1)
	for i := 1; i < len(runs); i++ {
		best := inf
		for j := 0; j < i; j++ {
			if cost[j] != inf {
				best = min(best, cost[j]+s.newBranches(runs[i].a, int64(runs[j].a)))
			}
		}
		gap := runs[i].a - runs[i-1].b - 1
		for j := 0; j < i; j++ {
			if cost[j] != inf {
				cost[j] += gap
			}
		}
		cost[i] = best
	}
	total := slices.Min(cost)
	for _, r := range runs {
		total += r.b - r.a + 1
	}
	return total
}

// shapes holds the shapes of our trees.
type shapes struct {
	player, guild, health, healthIdx, pos, vel, name, memberFwd, memberRev, friendFwd shape
}

// idKey returns the key of rank r in a tree that holds IDs 1, 2, 3, …
func idKey(r uint64) []byte {
	k := entity.Key(entity.ID(r + 1))
	return k[:]
}

// shapes returns the shapes of the trees, read in a View of their own the first time after
// a change, with the bounds of the trees that operations probe at scattered places
// (measured once: writes change values in place and leave those trees' nodes where they are).
func (o *Ours) shapes() (shapes, error) {
	if o.shapeCache != nil {
		return *o.shapeCache, nil
	}
	var sh shapes
	err := o.db.View(func(tx *entity.Tx) error {
		for _, t := range []struct {
			dst  *shape
			name string
			tree int
		}{
			{&sh.player, "player", 0}, {&sh.guild, "guild", 0}, {&sh.health, "health", 0}, {&sh.healthIdx, "health", 1},
			{&sh.pos, "position", 0}, {&sh.vel, "velocity", 0}, {&sh.name, "name", 0},
			{&sh.memberFwd, "member_of", 0}, {&sh.memberRev, "member_of", 1}, {&sh.friendFwd, "friend", 0},
		} {
			tr, err := tx.VarTree(t.name, t.tree, false)
			if err != nil {
				return err
			}
			*t.dst = shapeOf(tr)
		}
		return nil
	})
	if err != nil {
		return sh, err
	}
	if o.nameLeafCap == 0 {
		if o.nameLeafCap, err = o.leafEntries("name", idKey); err != nil {
			return sh, err
		}
	}
	sh.name.leafCap = o.nameLeafCap
	if o.bounds == nil {
		o.bounds = map[string][][]uint64{}
		for _, t := range []struct {
			s     shape
			name  string
			keyOf func(uint64) []byte
			n     uint64 // the leaves to cover
		}{
			{sh.player, "player", idKey, sh.player.leaves},
			{sh.health, "health", idKey, sh.health.leaves},
			{sh.name, "name", idKey, (uint64(o.f.N) + sh.name.leafCap - 1) / sh.name.leafCap},
			{sh.friendFwd, "friend", o.friendKey, sh.friendFwd.leaves},
		} {
			b, err := o.measureBounds(t.name, t.s, t.keyOf, t.n)
			if err != nil {
				return sh, err
			}
			o.bounds[t.name] = b
		}
	}
	sh.player.bounds, sh.health.bounds = o.bounds["player"], o.bounds["health"]
	sh.name.bounds, sh.friendFwd.bounds = o.bounds["name"], o.bounds["friend"]
	o.shapeCache = &sh
	return sh, nil
}

// pagesOf returns the pages read by looking up the entries of the given ranks of tree 0 of
// variable name, in one View.
func (o *Ours) pagesOf(name string, keyOf func(uint64) []byte, ranks ...uint64) (uint64, error) {
	st, err := o.db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
		t, err := tx.VarTree(name, 0, false)
		if err != nil {
			return err
		}
		for _, r := range ranks {
			t.Get(keyOf(r))
		}
		return nil
	})
	return st.PagesRead, err
}

// leafEntries returns how many entries the first leaf of tree 0 of variable name holds: the
// smallest rank r such that looking up the first entry and the entry of rank r reads one
// page more than looking up the first alone.
func (o *Ours) leafEntries(name string, keyOf func(uint64) []byte) (uint64, error) {
	one, err := o.pagesOf(name, keyOf, 0)
	if err != nil {
		return 0, err
	}
	lo, hi := uint64(0), uint64(o.f.N) // rank lo is in the first leaf; rank hi is not
	for hi-lo > 1 {
		m := (lo + hi) / 2
		two, err := o.pagesOf(name, keyOf, 0, m)
		if err != nil {
			return 0, err
		}
		if two == one {
			lo = m
		} else {
			hi = m
		}
	}
	return hi, nil
}

// measureBounds finds, with the page meter, the first leaf of each branch below the root of
// tree 0 of variable name, over its first n leaves: a lookup in leaf b and one in leaf x
// read l+1 pages more than the one in b alone exactly when x is under another branch of
// level l than b.
func (o *Ours) measureBounds(name string, s shape, keyOf func(uint64) []byte, n uint64) ([][]uint64, error) {
	first := func(x uint64) uint64 { return x * s.leafCap }
	var out [][]uint64
	for l := 1; l <= s.height-2; l++ {
		bounds := []uint64{0}
		for b := uint64(0); ; {
			one, err := o.pagesOf(name, keyOf, first(b))
			if err != nil {
				return nil, err
			}
			apart := func(x uint64) (bool, error) {
				two, err := o.pagesOf(name, keyOf, first(b), first(x))
				return two-one >= uint64(l+1), err
			}
			// Gallop to a leaf under another branch, then bisect.
			lo, hi := b, b+1
			for {
				if hi >= n {
					hi = n
					break
				}
				ap, err := apart(hi)
				if err != nil {
					return nil, err
				}
				if ap {
					break
				}
				lo, hi = hi, b+2*(hi-b)
			}
			if hi == n {
				if ap, err := apart(n - 1); err != nil || !ap {
					if err != nil {
						return nil, err
					}
					break // the last branch
				}
			}
			for hi-lo > 1 { // lo is under b's branch, hi is not
				m := (lo + hi) / 2
				ap, err := apart(m)
				if err != nil {
					return nil, err
				}
				if ap {
					hi = m
				} else {
					lo = m
				}
			}
			bounds = append(bounds, hi)
			b = hi
		}
		out = append(out, bounds)
	}
	return out, nil
}

// friendKey returns the key of the friend edge of rank r in the forward tree.
func (o *Ours) friendKey(r uint64) []byte {
	i := friendSubject(o.f, int(r))
	k := binary.BigEndian.AppendUint64(nil, o.f.PlayerID(i))
	return binary.BigEndian.AppendUint64(k, o.f.PlayerID(int(o.f.Friends[r])))
}

// MinPointRead is the minimum of reading one value: a lookup in the health tree.
func (o *Ours) MinPointRead() (Minimum, error) {
	sh, err := o.shapes()
	return Minimum{Accessed: uint64(sh.health.height)}, err
}

// MinPointWrite is the minimum of giving player id the health h, measured on the trees as
// they stand before the write (call it first). Writing the value already there needs only
// the lookup in the value tree, and dirties nothing. Changing it must:
//
//   - find and rewrite the value: the value tree's height, its leaf dirtied;
//   - delete the old index entry (old, id) and insert the new one (h, id): these are two
//     keys, which lie in two different leaves unless the values are close (health takes
//     100 values, each held by N/100 players, so the two are nearly always many leaves
//     apart). Both leaves are touched and dirtied, with the branch pages above the second
//     that are not above the first (or, if cheaper, the leaves walked between them): at
//     least the index's height plus one page, plus the branches where the two paths part;
//   - split the leaf that takes (h, id) if it is full: a new page, and its parent dirtied.
//
// It leaves out what our tree adds to a split (the next leaf's back link, the tree's
// descriptor, the allocator) and the borrowing or merging of a leaf the delete leaves
// underfull, which a B+tree may defer.
func (o *Ours) MinPointWrite(id uint64, h int32) (Minimum, error) {
	var m Minimum
	var old []byte
	var valueHeight, idxHeight int
	err := o.db.View(func(tx *entity.Tx) error {
		t0, err := tx.VarTree("health", 0, false)
		if err != nil {
			return err
		}
		t1, err := tx.VarTree("health", 1, false)
		if err != nil {
			return err
		}
		key := entity.Key(entity.ID(id))
		v, ok := t0.Get(key[:])
		if !ok {
			return fmt.Errorf("player #%d has no health", id)
		}
		old = slices.Clone(v)
		valueHeight, idxHeight = t0.Height(), t1.Height()
		return nil
	})
	if err != nil {
		return m, err
	}
	m.Accessed = uint64(valueHeight)
	enc := appendInt32(nil, h)
	if bytes.Equal(old, enc) {
		return m, nil
	}
	oldKey := entity.AppendKey(old, entity.ID(id))
	newKey := entity.AppendKey(enc, entity.ID(id))
	lo, hi := oldKey, newKey
	if bytes.Compare(lo, hi) > 0 {
		lo, hi = hi, lo
	}
	// Descending to both: the union of the two paths.
	descend, err := o.indexPages(func(t *store.Tree) bool { t.Get(lo); t.Get(hi); return true })
	if err != nil {
		return m, err
	}
	one, err := o.indexPages(func(t *store.Tree) bool { t.Get(lo); return true })
	if err != nil {
		return m, err
	}
	// Walking from the first to the second, when they are at most a few leaves apart.
	walk, err := o.indexPages(func(t *store.Tree) bool {
		c := t.Cursor()
		k, _, ok := c.Seek(lo)
		for steps := 0; ok && bytes.Compare(k, hi) < 0; steps++ {
			if steps > idxHeight*t.LeafCapacity() {
				return false
			}
			k, _, ok = c.Next()
		}
		return true
	})
	if err != nil {
		return m, err
	}
	index := descend
	if walk > 0 {
		index = min(index, walk)
	}
	m.Accessed += index
	m.Dirtied = 2 // the value's leaf and the old entry's
	if descend > one {
		m.Dirtied++ // the new entry's, another leaf
	}
	full, err := o.healthLeafFull(newKey)
	if err != nil {
		return m, err
	}
	if full {
		m.Accessed++   // the new leaf
		m.Dirtied += 2 // it, and the parent that takes its separator
	}
	return m, nil
}

// indexPages returns the pages of the health index that fn reads, in a View of its own, or
// 0 if fn reports that it gave up.
func (o *Ours) indexPages(fn func(t *store.Tree) bool) (uint64, error) {
	done := true
	st, err := o.db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
		t, err := tx.VarTree("health", 1, false)
		if err != nil {
			return err
		}
		done = fn(t)
		return nil
	})
	if !done {
		return 0, err
	}
	return st.ByOwner["health"].PagesRead, err
}

// healthLeafFull reports whether inserting key into the health index must split a full
// leaf: the leaf that holds the first key after it is full and, when key would go at that
// leaf's start, so is the leaf before (a key between two leaves may go into either).
func (o *Ours) healthLeafFull(key []byte) (bool, error) {
	var full bool
	err := o.db.View(func(tx *entity.Tx) error {
		t, err := tx.VarTree("health", 1, false)
		if err != nil {
			return err
		}
		c := t.Cursor()
		if _, _, ok := c.Seek(key); !ok {
			_, _, ok = c.Last() // past the end: the last leaf takes it
			if !ok {
				return nil
			}
		}
		n, first := leafEntries(c)
		full = n == t.LeafCapacity()
		if full && first {
			if _, _, ok := c.Prev(); ok {
				n, _ = leafEntries(c)
				full = n == t.LeafCapacity()
			}
		}
		return nil
	})
	return full, err
}

// leafEntries returns the entries of the leaf a cursor stands on, and whether the cursor
// stood on its first entry; the cursor ends on that first entry. The leaves hold
// fixed-size entries, so Run tells how many follow the cursor in its leaf.
func leafEntries(c *store.Cursor) (n int, first bool) {
	_, _, after := c.Run()
	before := 0
	for {
		if _, _, ok := c.Prev(); !ok {
			break
		}
		if _, _, m := c.Run(); m != after+before+1 {
			c.Next() // back into the leaf
			break
		}
		before++
	}
	return after + before, before == 0
}

// MinScan is the minimum of reading every health value: the tree's leaves and the path to
// the first.
func (o *Ours) MinScan() (Minimum, error) {
	sh, err := o.shapes()
	return Minimum{Accessed: sh.health.leaves + uint64(sh.health.height) - 1}, err
}

// MinTick is the minimum of the movement system: every leaf of position and of velocity,
// with the path to the first of each, dirtying the position leaves that hold an entity
// whose velocity is not zero.
func (o *Ours) MinTick() (Minimum, error) {
	sh, err := o.shapes()
	if err != nil {
		return Minimum{}, err
	}
	dirty := newLeafSet(sh.pos)
	for i := range o.f.N {
		if o.f.HasVel[i] && o.f.Vel[i] != (Vec2{}) {
			dirty.add(uint64(i), uint64(i)+1)
		}
	}
	return Minimum{
		Accessed: sh.pos.leaves + uint64(sh.pos.height) - 1 + sh.vel.leaves + uint64(sh.vel.height) - 1,
		Dirtied:  uint64(len(dirty.leaves)),
	}, nil
}

// MinMembers is the minimum of listing a guild's members: their range of member_of's
// reverse tree.
func (o *Ours) MinMembers(g int) (Minimum, error) {
	sh, err := o.shapes()
	if err != nil {
		return Minimum{}, err
	}
	l := newLeafSet(sh.memberRev)
	l.add(uint64(o.f.MemberOff[g]), uint64(o.f.MemberOff[g+1]))
	return Minimum{Accessed: l.pages()}, nil
}

// MinFriendsOfFriends is the minimum of the two-hop traversal from player index i: the
// ranges of friend's forward tree that hold the edges of i and of each of its friends.
func (o *Ours) MinFriendsOfFriends(i int) (Minimum, error) {
	sh, err := o.shapes()
	if err != nil {
		return Minimum{}, err
	}
	f, l := o.f, newLeafSet(sh.friendFwd)
	l.add(uint64(f.FriendOff[i]), uint64(f.FriendOff[i+1]))
	for _, j := range f.FriendsOf(i) {
		l.add(uint64(f.FriendOff[j]), uint64(f.FriendOff[j+1]))
	}
	return Minimum{Accessed: l.pages()}, nil
}

// MinQuery is the minimum of the filtered query for guild index g, whose answer is rows,
// over the better of two plans:
//
//   - members first: the guild's range of member_of's reverse tree, then the health of each
//     member;
//   - both ranges: the guild's range of member_of's reverse tree and the range [lo, hi] of
//     the health index (at least entries / LeafCapacity leaves, since the index is no longer
//     bulk-loaded), intersected in memory; the index entries carry the health values.
//
// Either also confirms that guild/G names a guild, with a lookup in the guild kind's tree,
// and then reads the name of each answer and confirms that it is a player with a probe of
// the player kind's tree or, the players being every ID from the first to the last, by
// reading that tree's two ends.
func (o *Ours) MinQuery(g int, lo, hi int32, rows []Row) (Minimum, error) {
	sh, err := o.shapes()
	if err != nil {
		return Minimum{}, err
	}
	f := o.f
	probe := func(s shape, ids []uint64) uint64 {
		l := newLeafSet(s)
		for _, id := range ids {
			l.add(id-1, id)
		}
		return l.pages()
	}
	answers := make([]uint64, len(rows))
	for i, r := range rows {
		answers[i] = r.ID
	}
	members := make([]uint64, 0, len(f.MembersOf(g)))
	for _, p := range f.MembersOf(g) {
		members = append(members, f.PlayerID(int(p)))
	}
	rev := newLeafSet(sh.memberRev)
	rev.add(uint64(f.MemberOff[g]), uint64(f.MemberOff[g+1]))
	players := probe(sh.player, answers)
	if n := uint64(f.N); f.PlayerID(f.N-1)-f.PlayerID(0) == n-1 {
		ends := newLeafSet(sh.player)
		ends.add(0, 1)
		ends.add(n-1, n)
		players = min(players, ends.pages())
	}
	common := uint64(sh.guild.height) + rev.pages() + probe(sh.name, answers) + players

	planA := probe(sh.health, members)

	var inRange uint64
	err = o.db.View(func(tx *entity.Tx) error {
		bm, err := o.w.health.Between(tx, lo, hi)
		if err != nil {
			return err
		}
		inRange = bm.GetCardinality()
		return nil
	})
	if err != nil {
		return Minimum{}, err
	}
	if sh.healthIdx.leafCap == 0 {
		return Minimum{}, fmt.Errorf("health index has no fixed leaf capacity")
	}
	c := sh.healthIdx.leafCap
	planB := max(1, (inRange+c-1)/c) + uint64(sh.healthIdx.height) - 1
	return Minimum{Accessed: common + min(planA, planB)}, nil
}

// MinUpgrade is the minimum of an upgrade and its first query: nothing to move, then one
// point read.
func (o *Ours) MinUpgrade() (Minimum, error) { return o.MinPointRead() }
