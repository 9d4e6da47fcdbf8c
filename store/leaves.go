package store

import "bytes"

// LeavesBetween returns how many leaves hold the keys from lo to hi: those from the leaf
// whose range holds lo to the one whose range holds hi, both included (nil: the first or
// the last leaf), 0 for an empty tree or hi below lo. A scan of [lo, hi] reads those
// leaves (now and then one more past them, to see that the range ended), so a planner can
// count a large range without reading it: it reads only
// the branch pages above those leaves (about one in BranchCapacity of them, plus a path
// down), metered as any read, and no leaf.
func (t *Tree) LeavesBetween(lo, hi []byte) uint64 {
	t.live()
	if lo != nil && hi != nil && bytes.Compare(hi, lo) < 0 {
		return 0
	}
	switch t.d.height {
	case 0:
		return 0
	case 1:
		return 1
	}
	return t.leavesUnder(t.d.root, t.d.height-1, lo, hi)
}

// leavesUnder counts the leaves of the subtree of branch id, at level, from the one whose
// range holds lo to the one whose range holds hi (nil: its first or last).
func (t *Tree) leavesUnder(id PageID, level int, lo, hi []byte) uint64 {
	p := t.node(id, level)
	i, j := 0, nodeCount(p)
	if lo != nil {
		i = t.childIndex(id, p, lo)
	}
	if hi != nil {
		j = t.childIndex(id, p, hi)
	}
	if level == 1 {
		return uint64(j - i + 1)
	}
	var n uint64
	for c := i; c <= j; c++ {
		var l, h []byte
		if c == i {
			l = lo
		}
		if c == j {
			h = hi
		}
		n += t.leavesUnder(t.kid(id, p, c), level-1, l, h)
	}
	return n
}

// EntriesBetween returns the leaves from the one whose range holds lo to the one whose
// range holds hi (LeavesBetween), and how many keys ≥ lo and < hi the first and the last
// of them hold (nil: no bound): a planner takes the leaves between those two to hold the
// tree's average. It reads the branch pages LeavesBetween reads and those two leaves.
func (t *Tree) EntriesBetween(lo, hi []byte) (leaves uint64, first, last int) {
	leaves = t.LeavesBetween(lo, hi)
	if leaves == 0 {
		return 0, 0, 0
	}
	inLeaf := func(key []byte, end bool) (int, int) { // index of the first key ≥ key, count
		var id PageID
		var p []byte
		var wb wordBounds
		switch {
		case key != nil:
			id, p, wb = t.leafFor(key, nil)
		case end:
			id, p = t.edgeLeaf(true)
		default:
			id, p = t.edgeLeaf(false)
		}
		n := nodeCount(p)
		if key == nil {
			if end {
				return n, n
			}
			return 0, n
		}
		i, _ := t.lowerBound(id, p, key, wb)
		return i, n
	}
	i, n := inLeaf(lo, false)
	j, _ := inLeaf(hi, true)
	if leaves == 1 {
		return 1, max(0, j-i), max(0, j-i)
	}
	return leaves, n - i, j
}
