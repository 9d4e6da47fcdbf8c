package verb

import (
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

func init() {
	entity.RegisterChecker(store.RoleVerb, checkModel)
}

// checkModel is the verb's part of entity.Check: every edge joins two live entities, has its
// reverse (and every reverse entry its edge), and the cardinality holds: a many-to-one or
// one-to-one verb gives a subject one object, a one-to-many or one-to-one one gives an
// object one subject. It reads both trees in key order and probes the other for each entry.
func checkModel(_ *entity.Tx, v store.Var, trees []*store.Tree, c *entity.ModelCheck) error {
	vb, err := fromVar(v)
	if err != nil {
		return err
	}
	card := vb.cfg.card
	for dir, t := range trees {
		other := trees[1-dir]
		// Subjects of the forward tree, objects of the reverse one, must be unique when the
		// cardinality says so; the keys come in order, so a repeat follows its first.
		unique := dir == forward && (card == CardManyToOne || card == CardOneToOne) ||
			dir == reverse && (card == CardOneToMany || card == CardOneToOne)
		var prevA, prevB entity.ID
		for k := range t.All() {
			c.Entries(1)
			a, b := entity.FromKey(k), entity.FromKey(k[entity.KeySize:])
			s, o := a, b
			if dir == reverse {
				s, o = b, a
			}
			for _, id := range []entity.ID{s, o} {
				if dir == forward && !c.Live(id) { // a reverse entry without its edge is reported below
					c.Report(v, id, "in the edge #%d → #%d, but not a live entity", s, o)
				}
			}
			r := edge(b, a)
			if !other.Has(r[:]) {
				if dir == forward {
					c.Report(v, s, "the edge #%d → #%d has no reverse entry", s, o)
				} else {
					c.Report(v, o, "the reverse entry of #%d → #%d has no edge", s, o)
				}
			}
			if unique && a == prevA && prevA != 0 {
				if dir == forward {
					c.Report(v, a, "has the objects #%d and #%d, but the verb is %s", prevB, b, card)
				} else {
					c.Report(v, a, "has the subjects #%d and #%d, but the verb is %s", prevB, b, card)
				}
			}
			prevA, prevB = a, b
		}
	}
	return nil
}
