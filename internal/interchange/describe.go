package interchange

import (
	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

// EntityDoc is one entity as 'graphctl get' shows it and as a JSON Lines document holds it: its URI,
// its external IRI, its kind (the one in its URI), the other kinds it is a member of, its column values ("set": a value, or a list for a multi
// column) and its edges ("link": for each verb, the entities it points to, each written
// <iri> if it has an IRI and as its URI otherwise). get adds the edges that point to it.
type EntityDoc struct {
	URI        string              `json:"uri,omitempty"`
	IRI        string              `json:"iri,omitempty"`
	Kind       string              `json:"kind"`
	OtherKinds []string            `json:"other_kinds,omitempty"`
	Set        map[string]any      `json:"set,omitempty"`
	Link       map[string][]string `json:"link,omitempty"`
	LinkedFrom map[string][]string `json:"linked_from,omitempty"`
}

// Describe reads everything about entity id: one lookup per column and two per verb. With
// incoming, it also lists the edges that point to id (LinkedFrom).
func Describe(tx *entity.Tx, id entity.ID, incoming bool) (*EntityDoc, error) {
	k, err := tx.KindOf(id)
	if err != nil {
		return nil, err
	}
	d := &EntityDoc{URI: EntityName(tx, id), Kind: k.Name(), Set: map[string]any{}, Link: map[string][]string{}}
	for _, o := range tx.KindsOf(id) {
		if o.Name() != k.Name() {
			d.OtherKinds = append(d.OtherKinds, o.Name())
		}
	}
	d.IRI, _ = tx.IRI(id)
	for _, c := range column.Columns(tx) {
		if c.State() == store.Retired {
			continue
		}
		vals, err := c.Values(tx, id)
		if err != nil {
			return nil, err
		}
		switch {
		case len(vals) == 0:
		case c.Multi():
			list := make([]any, len(vals))
			for i, v := range vals {
				list[i] = toJSON(v)
			}
			d.Set[c.Name()] = list
		default:
			d.Set[c.Name()] = toJSON(vals[0])
		}
	}
	if incoming {
		d.LinkedFrom = map[string][]string{}
	}
	for _, v := range verb.Verbs(tx) {
		if v.State() == store.Retired {
			continue
		}
		for o := range v.Objects(tx, id) {
			d.Link[v.Name()] = append(d.Link[v.Name()], RefText(tx, o))
		}
		if incoming {
			for s := range v.Subjects(tx, id) {
				d.LinkedFrom[v.Name()] = append(d.LinkedFrom[v.Name()], RefText(tx, s))
			}
		}
	}
	return d, nil
}
