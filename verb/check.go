package verb

import (
	"slices"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

func init() {
	entity.RegisterChecker(store.RoleVerb, checkModel)
}

// checkModel is the verb's part of entity.Check: every edge joins two live entities, has
// its reverse (and every reverse entry its edge), and the cardinality holds: a many-to-one
// or one-to-one verb gives a subject one object, a one-to-many or one-to-one one gives an
// object one subject.
//
// It reads each tree once in key order. To match the directions without a probe per edge,
// it keeps each reverse entry (o, s) whose IDs fit 32 bits, as they do in any store of
// fewer than four billion entities, as the number s<<32 | o, 8 bytes an edge, sorts them,
// and merges them with the forward tree, which comes in that order; an entry with a larger
// ID is probed for in the other tree instead.
func checkModel(_ *entity.Tx, v store.Var, trees []*store.Tree, c *entity.ModelCheck) error {
	vb, err := fromVar(v)
	if err != nil {
		return err
	}
	card := vb.cfg.card
	fwd, rev := trees[forward], trees[reverse]
	var revEdges []uint64 // the reverse tree's edges s<<32 | o, sorted below
	var prevO, prevS entity.ID
	for k := range rev.All() {
		c.Entries(1)
		o, s := entity.FromKey(k), entity.FromKey(k[entity.KeySize:])
		if (card == CardOneToMany || card == CardOneToOne) && o == prevO && prevO != 0 {
			c.Report(v, o, "has the subjects #%d and #%d, but the verb is %s", prevS, s, card)
		}
		prevO, prevS = o, s
		if small(s, o) {
			revEdges = append(revEdges, uint64(s)<<32|uint64(o))
		} else if e := edge(s, o); !fwd.Has(e[:]) {
			c.Report(v, o, "the reverse entry of #%d → #%d has no edge", s, o)
		}
	}
	slices.Sort(revEdges)

	i := 0 // the next reverse edge to match
	noEdge := func() {
		s, o := entity.ID(revEdges[i]>>32), entity.ID(revEdges[i]&(1<<32-1))
		c.Report(v, o, "the reverse entry of #%d → #%d has no edge", s, o)
	}
	var lastS, lastO entity.ID
	for k := range fwd.All() {
		c.Entries(1)
		s, o := entity.FromKey(k), entity.FromKey(k[entity.KeySize:])
		for _, id := range []entity.ID{s, o} {
			if !c.Live(id) {
				c.Report(v, id, "in the edge #%d → #%d, but not a live entity", s, o)
			}
		}
		if (card == CardManyToOne || card == CardOneToOne) && s == lastS && lastS != 0 {
			c.Report(v, s, "has the objects #%d and #%d, but the verb is %s", lastO, o, card)
		}
		lastS, lastO = s, o
		if !small(s, o) {
			if r := edge(o, s); !rev.Has(r[:]) {
				c.Report(v, s, "the edge #%d → #%d has no reverse entry", s, o)
			}
			continue
		}
		e := uint64(s)<<32 | uint64(o)
		for ; i < len(revEdges) && revEdges[i] < e; i++ {
			noEdge()
		}
		if i < len(revEdges) && revEdges[i] == e {
			i++
		} else {
			c.Report(v, s, "the edge #%d → #%d has no reverse entry", s, o)
		}
	}
	for ; i < len(revEdges); i++ {
		noEdge()
	}
	return nil
}

// small reports whether both IDs fit 32 bits.
func small(a, b entity.ID) bool { return a>>32 == 0 && b>>32 == 0 }
