package column

import "github.com/stablegraph/stablegraph/store"

// Option configures a column at Define.
type Option func(*config)

type config struct {
	indexed bool
	multi   bool
	maxLen  int
	state   store.State
	iri     string
}

// Indexed keeps a value index beside the column: a second tree keyed by (value, entity ID),
// updated on every write, serving Equal, Between/Range and ByValue.
func Indexed() Option { return func(c *config) { c.indexed = true } }

// Multi makes the column hold a set of values per entity, in one tree keyed by
// (entity ID, value): Add, Remove, Values and HasValue replace Set and Get.
func Multi() Option { return func(c *config) { c.multi = true } }

// MaxLen bounds the length in bytes of a string or []byte column's values; such columns
// require it. See MaxIndexedLen for indexed and multi-valued ones.
func MaxLen(n int) Option { return func(c *config) { c.maxLen = n } }

// Deprecated declares the column deprecated: it can be read, and every write fails with
// store.ErrReadOnly.
func Deprecated() Option { return func(c *config) { c.state = store.Deprecated } }

// Retired declares the column retired: every access fails with store.ErrRetired.
func Retired() Option { return func(c *config) { c.state = store.Retired } }

// IRI records the IRI behind an imported column name, such as an RDF predicate.
func IRI(iri string) Option { return func(c *config) { c.iri = iri } }
