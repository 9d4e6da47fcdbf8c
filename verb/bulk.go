package verb

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/stablegraph/stablegraph/entity"
)

// Edge is one edge s → o, for LinkSorted.
type Edge struct{ S, O entity.ID }

// LinkSorted adds the edges, which must be in ascending (S, O) order without repeats, as Link
// would one at a time, and returns how many it added before an error. Into a many-to-many
// verb that has no edge yet, it builds both trees bottom up (store.Tree.BulkLoad): every
// page is written once and full. Otherwise it links them one at a time.
func (v *Verb) LinkSorted(tx *entity.Tx, edges []Edge) (int, error) {
	fwd, rev, err := v.trees(tx, true)
	if err != nil {
		return 0, err
	}
	if v.cfg.card != CardManyToMany || fwd.Len() > 0 || rev.Len() > 0 {
		for i, e := range edges {
			if err := v.Link(tx, e.S, e.O); err != nil {
				return i, err
			}
		}
		return len(edges), nil
	}
	missing := func(e Edge, id entity.ID) error {
		return fmt.Errorf("verb %q: link #%d → #%d: #%d: %w", v.name, e.S, e.O, id, entity.ErrNoEntity)
	}
	for i, e := range edges {
		if i > 0 && cmp.Or(cmp.Compare(edges[i-1].S, e.S), cmp.Compare(edges[i-1].O, e.O)) >= 0 {
			return 0, fmt.Errorf("verb %q: link sorted: edge %d, #%d → #%d, is not after #%d → #%d", v.name, i, e.S, e.O, edges[i-1].S, edges[i-1].O)
		}
		if (i == 0 || e.S != edges[i-1].S) && !tx.Exists(e.S) { // each subject once
			return 0, missing(e, e.S)
		}
	}
	back := slices.Clone(edges)
	slices.SortFunc(back, func(a, b Edge) int { return cmp.Or(cmp.Compare(a.O, b.O), cmp.Compare(a.S, b.S)) })
	for i, e := range back {
		if (i == 0 || e.O != back[i-1].O) && !tx.Exists(e.O) { // each object once
			return 0, missing(e, e.O)
		}
	}
	load := func(es []Edge, swap bool) error {
		t := fwd
		if swap {
			t = rev
		}
		_, err := t.BulkLoad(func(yield func([]byte, []byte) bool) {
			for _, e := range es {
				k := edge(e.S, e.O)
				if swap {
					k = edge(e.O, e.S)
				}
				if !yield(k[:], nil) {
					return
				}
			}
		})
		return err
	}
	if err := load(edges, false); err != nil {
		return 0, err
	}
	if err := load(back, true); err != nil {
		return 0, err
	}
	return len(edges), nil
}
