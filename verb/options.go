package verb

import (
	"fmt"

	"github.com/stablegraph/stablegraph/store"
)

// Cardinality limits the edges of a verb. Link enforces it.
type Cardinality uint8

// The cardinalities of verbs.
const (
	// CardManyToMany allows any edges (the default).
	CardManyToMany Cardinality = iota
	// CardManyToOne allows each subject at most one object (member_of: a player, one guild).
	CardManyToOne
	// CardOneToMany allows each object at most one subject (owns: an item, one owner).
	CardOneToMany
	// CardOneToOne allows each subject one object and each object one subject.
	CardOneToOne
)

// String returns the cardinality's name as the catalog records it: "many-to-many",
// "many-to-one", "one-to-many" or "one-to-one".
func (c Cardinality) String() string {
	switch c {
	case CardManyToMany:
		return "many-to-many"
	case CardManyToOne:
		return "many-to-one"
	case CardOneToMany:
		return "one-to-many"
	case CardOneToOne:
		return "one-to-one"
	}
	return "cardinality(?)"
}

// Option configures a verb at Define.
type Option func(*config)

type config struct {
	card  Cardinality
	state store.State
	iri   string
}

// ManyToMany makes the verb many-to-many: any edges (the default).
func ManyToMany() Option { return func(c *config) { c.card = CardManyToMany } }

// ManyToOne gives each subject at most one object.
func ManyToOne() Option { return func(c *config) { c.card = CardManyToOne } }

// OneToMany gives each object at most one subject.
func OneToMany() Option { return func(c *config) { c.card = CardOneToMany } }

// OneToOne gives each subject at most one object and each object at most one subject.
func OneToOne() Option { return func(c *config) { c.card = CardOneToOne } }

// ParseCardinality returns the Cardinality whose String is s.
func ParseCardinality(s string) (Cardinality, error) {
	for c := CardManyToMany; c <= CardOneToOne; c++ {
		if c.String() == s {
			return c, nil
		}
	}
	return 0, fmt.Errorf("unknown cardinality %q (want many-to-many, many-to-one, one-to-many or one-to-one)", s)
}

// Deprecated declares the verb deprecated: it can be read, and Link and Unlink fail with
// store.ErrReadOnly.
func Deprecated() Option { return func(c *config) { c.state = store.Deprecated } }

// Retired declares the verb retired: every access fails with store.ErrRetired.
func Retired() Option { return func(c *config) { c.state = store.Retired } }

// IRI records the IRI behind an imported verb name, such as an RDF predicate.
func IRI(iri string) Option { return func(c *config) { c.iri = iri } }
