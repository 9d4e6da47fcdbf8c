package store

import "bytes"

// LeavesBetween returns how many leaves hold the keys from lo to hi: those from the leaf
// whose range holds lo to the one whose range holds hi, both included (nil: the first or
// the last leaf), 0 for an empty tree or hi below lo. It is exactly the leaves a scan of
// [lo, hi] reads, so a planner can count a large range without reading it: it reads only
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
