package verb

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/stablegraph/stablegraph/entity"
)

// Edge is one edge s → o, for LinkSorted.
type Edge struct{ S, O entity.ID }

// LinkSorted adds the edges, which must be in ascending (S, O) order without repeats, as Link
// would one at a time, cardinality checks included. With an error, it returns the index of
// the edge the error is about, and the message should fail: the edges before it may be
// linked or not. Into a verb that has no edge yet, it builds both trees bottom up
// (store.Tree.BulkLoad): every page is written once and full. Edges from subjects past the
// verb's last one (new entities) are appended to the forward tree (full leaves) and put
// into the reverse tree in order. Otherwise it links them one at a time.
func (v *Verb) LinkSorted(tx *entity.Tx, edges []Edge) (int, error) {
	fwd, rev, err := v.trees(tx, true)
	if err != nil {
		return 0, err
	}
	appending := false
	if fwd.Len() > 0 || rev.Len() > 0 {
		// Edges from subjects past the verb's last one are new: they are appended to the
		// forward tree (full leaves) and put into the reverse one in order. Others are
		// linked one at a time.
		last, _, _ := fwd.Last()
		if len(edges) == 0 || len(last) < 8 || edges[0].S <= entity.FromKey(last[:8]) {
			for i, e := range edges {
				if err := v.Link(tx, e.S, e.O); err != nil {
					return i, err
				}
			}
			return len(edges), nil
		}
		appending = true
	}
	// Check as Link one at a time would, and report the first edge it would refuse: one to
	// an entity that does not exist, or one the cardinality forbids (two edges from a
	// subject, or to an object, where only one may be).
	oneS := v.cfg.card == CardManyToOne || v.cfg.card == CardOneToOne
	oneO := v.cfg.card == CardOneToMany || v.cfg.card == CardOneToOne
	var fault error
	at := len(edges)
	exists := tx.Exister()
	refuse := func(i int, err error) {
		if i < at || i == at && errors.Is(err, entity.ErrNoEntity) { // Link checks entities first
			at, fault = i, err
		}
	}
	missing := func(e Edge, id entity.ID) error {
		return fmt.Errorf("verb %q: link #%d → #%d: #%d: %w", v.name, e.S, e.O, id, entity.ErrNoEntity)
	}
	violated := func(e Edge, end, a, b entity.ID) error {
		return fmt.Errorf("verb %q is %s: link #%d → #%d: %w: #%d already has the edge #%d → #%d",
			v.name, v.cfg.card, e.S, e.O, ErrCardinality, end, a, b)
	}
	for i, e := range edges {
		if i > 0 && compareEdges(edges[i-1], e) >= 0 {
			return i, fmt.Errorf("verb %q: link sorted: edge %d, #%d → #%d, is not after #%d → #%d", v.name, i, e.S, e.O, edges[i-1].S, edges[i-1].O)
		}
		if i > 0 && e.S == edges[i-1].S {
			if oneS {
				refuse(i, violated(e, e.S, e.S, edges[i-1].O))
			}
		} else if !exists(e.S) { // each subject once
			refuse(i, missing(e, e.S))
		}
	}
	back := slices.Clone(edges)
	slices.SortFunc(back, func(a, b Edge) int { return cmp.Or(cmp.Compare(a.O, b.O), cmp.Compare(a.S, b.S)) })
	firstOf := back[0]
	for i, e := range back {
		if i > 0 && e.O == back[i-1].O {
			if oneO {
				j, _ := slices.BinarySearchFunc(edges, e, compareEdges)
				refuse(j, violated(e, e.O, firstOf.S, e.O))
			}
			continue
		}
		firstOf = e
		if !exists(e.O) { // each object once
			j, _ := slices.BinarySearchFunc(edges, e, compareEdges)
			refuse(j, missing(e, e.O))
		} else if oneO && appending {
			// The object may have its one edge already.
			from := entity.Key(e.O)
			if k, _, ok := rev.Cursor().Seek(from[:]); ok && entity.FromKey(k[:8]) == e.O {
				j, _ := slices.BinarySearchFunc(edges, e, compareEdges)
				refuse(j, violated(e, e.O, entity.FromKey(k[8:]), e.O))
			}
		}
	}
	if fault != nil {
		return at, fault
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
	if appending {
		for _, e := range back {
			k := edge(e.O, e.S)
			if _, err := rev.Put(k[:], nil); err != nil {
				return 0, err
			}
		}
	} else if err := load(back, true); err != nil {
		return 0, err
	}
	vr, ok := tx.Var(v.name)
	if !ok {
		return 0, fmt.Errorf("verb %q: %w", v.name, ErrNoVerb)
	}
	for dir, es := range [][]Edge{forward: edges, reverse: back} {
		var ids []entity.ID
		for i, e := range es {
			id := e.S
			if dir == reverse {
				id = e.O
			}
			if i == 0 || id != ids[len(ids)-1] {
				ids = append(ids, id)
			}
		}
		if err := tx.SetHoldsSorted(vr, dir, ids); err != nil {
			return 0, err
		}
	}
	return len(edges), nil
}

func compareEdges(a, b Edge) int { return cmp.Or(cmp.Compare(a.S, b.S), cmp.Compare(a.O, b.O)) }
