package entity

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/RoaringBitmap/roaring/v2/roaring64"

	"github.com/stablegraph/stablegraph/store"
)

// The store's own check (store.Tx.CheckStore) proves every tree sound on its own; Check
// proves the trees agree with each other, as the data model says they must:
//
//   - $kind and the kinds: every entity in $kind has a nonzero ID no larger than the last
//     one handed out, names a kind the catalog holds, and is a member of that kind; every
//     member of a kind is in $kind with that kind, or live and in $kinds with that kind (a
//     member of several, Kind.Add); every $kinds entry names a live entity and a kind
//     whose member set holds it.
//   - $iri: every entity's IRI is in the index with that entity, every index entry's
//     entity has that IRI, and both belong to live entities.
//   - $holds, the holder record: every key names a live entity and a tree that holds it,
//     and every entity it covers that a column's value tree or a verb's tree holds has its
//     key there.
//   - columns and verbs: the checks that their packages register (RegisterChecker): every
//     value and edge belongs to live entities, values and index entries agree both ways,
//     every edge has its reverse and the other way round, and cardinalities hold.
//
// Check reads every entry of every tree of the data model, in key order, and probes the
// tree on the other side of each relation: the pages it reads are those of the variables,
// each counted once per message as the meter counts, but its work grows with the entries.

// MaxReported is the number of inconsistencies a CheckError lists; it counts the rest.
const MaxReported = 50

// ErrNoChecker reports a column or verb in the catalog that no registered checker handles
// (import the column or verb package).
var ErrNoChecker = errors.New("no checker registered for role")

// Inconsistency is one place where the data model disagrees with itself. It wraps
// store.ErrCorrupt: the stored trees are sound, but not what any sequence of messages of
// the data model could have written.
type Inconsistency struct {
	Role   store.Role // the role of the variable where it was found
	Var    string     // the variable
	Entity ID         // the entity it concerns; 0 when it concerns none
	What   string     // what is wrong
}

// Error says where and what: `column "health": entity #12: value 7 has no index entry`.
func (e *Inconsistency) Error() string {
	if e.Entity == 0 {
		return fmt.Sprintf("%s %q: %s", e.Role, e.Var, e.What)
	}
	return fmt.Sprintf("%s %q: entity #%d: %s", e.Role, e.Var, e.Entity, e.What)
}

// Unwrap makes errors.Is(err, store.ErrCorrupt) hold.
func (e *Inconsistency) Unwrap() error { return store.ErrCorrupt }

// CheckError is the error of a Check that found inconsistencies.
type CheckError struct {
	Found []*Inconsistency // the first MaxReported, in the order found
	Total int              // how many were found
}

// Error lists the inconsistencies, one a line.
func (e *CheckError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the data model is inconsistent: %d %s", e.Total, plural(e.Total, "problem", "problems"))
	for _, f := range e.Found {
		b.WriteString("\n  ")
		b.WriteString(f.Error())
	}
	if n := e.Total - len(e.Found); n > 0 {
		fmt.Fprintf(&b, "\n  … and %d more", n)
	}
	return b.String()
}

// Unwrap returns the inconsistencies listed, for errors.Is and errors.As.
func (e *CheckError) Unwrap() []error {
	out := make([]error, len(e.Found))
	for i, f := range e.Found {
		out[i] = f
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// CheckStats counts what Check looked at.
type CheckStats struct {
	Entities  uint64 // live entities, as $kind lists them
	Variables int    // variables checked: kinds, columns, verbs and $kind, $iri
	Entries   uint64 // entries read, in every tree of those variables
}

// ModelCheck is one run of Check, as the checkers of columns and verbs see it.
type ModelCheck struct {
	live  *roaring64.Bitmap
	stats CheckStats
	err   CheckError
}

// Live reports whether id is a live entity: one that $kind lists.
func (c *ModelCheck) Live(id ID) bool { return c.live.Contains(uint64(id)) }

// Report records an inconsistency found in variable v about entity id (0: none).
func (c *ModelCheck) Report(v store.Var, id ID, format string, args ...any) {
	c.err.Total++
	if len(c.err.Found) < MaxReported {
		c.err.Found = append(c.err.Found, &Inconsistency{Role: v.Role, Var: v.Name, Entity: id, What: fmt.Sprintf(format, args...)})
	}
}

// Entries counts n entries read.
func (c *ModelCheck) Entries(n uint64) { c.stats.Entries += n }

// CheckFunc checks the trees of variable v (opened in VarDef order, whatever v's lifecycle
// state) against the live entities and each other, and reports what disagrees to c. It
// returns an error only when it cannot check at all.
type CheckFunc func(tx *Tx, v store.Var, trees []*store.Tree, c *ModelCheck) error

var (
	checkersMu sync.RWMutex
	checkers   = map[store.Role]CheckFunc{}
)

// RegisterChecker makes Check call fn for every catalog variable of the given role. The
// column and verb packages register themselves in init, as they do their deleters.
func RegisterChecker(role store.Role, fn CheckFunc) {
	checkersMu.Lock()
	defer checkersMu.Unlock()
	checkers[role] = fn
}

// Check verifies that the variables of the data model agree with each other (see the list
// above), in every lifecycle state: a retired column must not hold values of dead entities
// either. It returns what it looked at and, if anything disagrees, a *CheckError listing
// the first MaxReported inconsistencies, each naming the variable, the entity and what is
// wrong; errors.Is(err, store.ErrCorrupt) holds for it. Other errors (a variable whose
// trees cannot be opened, a role without a checker) stop the check.
func Check(tx *Tx) (CheckStats, error) {
	c := &ModelCheck{live: roaring64.New()}
	vars := tx.Vars()
	open := func(v store.Var) ([]*store.Tree, error) {
		trees, err := tx.allTrees(v)
		if err != nil {
			return nil, fmt.Errorf("check %w", err)
		}
		return trees, nil
	}
	byName := map[string]store.Var{}
	for _, v := range vars {
		byName[v.Name] = v
	}
	for _, name := range []string{VarKind, VarIRI} {
		if v, ok := byName[name]; !ok || v.Role != store.RoleInternal {
			return c.stats, fmt.Errorf("check: %w: the catalog has no internal variable %s", store.ErrCorrupt, name)
		}
	}
	if err := checkKinds(tx, vars, byName[VarKind], open, c); err != nil {
		return c.stats, err
	}
	trees, err := open(byName[VarIRI])
	if err != nil {
		return c.stats, err
	}
	checkIRIs(byName[VarIRI], trees, c)
	c.stats.Variables++
	checkersMu.RLock()
	defer checkersMu.RUnlock()
	for _, v := range vars {
		if v.Role != store.RoleColumn && v.Role != store.RoleVerb {
			continue
		}
		fn, ok := checkers[v.Role]
		if !ok {
			return c.stats, fmt.Errorf("check %s %q: %w %s", v.Role, v.Name, ErrNoChecker, v.Role)
		}
		trees, err := open(v)
		if err != nil {
			return c.stats, err
		}
		if err := fn(tx, v, trees, c); err != nil {
			return c.stats, fmt.Errorf("check %s %q: %w", v.Role, v.Name, err)
		}
		c.stats.Variables++
	}
	if err := checkHolds(tx, vars, open, c); err != nil {
		return c.stats, err
	}
	if c.err.Total > 0 {
		return c.stats, &c.err
	}
	return c.stats, nil
}

// checkKinds checks $kind against the member set of every kind, both ways, and fills in
// the live entities.
func checkKinds(tx *Tx, vars []store.Var, kindVar store.Var, open func(store.Var) ([]*store.Tree, error), c *ModelCheck) error {
	kinds := map[uint32]store.Var{}
	for _, v := range vars {
		if v.Role == store.RoleKind {
			kinds[v.ID] = v
		}
	}
	kt, err := open(kindVar)
	if err != nil {
		return err
	}
	last := tx.LastID()
	says := map[uint32]*roaring64.Bitmap{} // kind variable ID → the entities $kind gives it
	for k, v := range kt[0].All() {
		c.stats.Entries++
		id := FromKey(k)
		switch {
		case len(v) != 4:
			c.Report(kindVar, id, "kind value of %d bytes, not 4", len(v))
			continue
		case id == 0:
			c.Report(kindVar, id, "entity ID 0, which is never handed out")
		case id > last:
			c.Report(kindVar, id, "ID above the last one handed out (#%d)", last)
		}
		vid := binary.BigEndian.Uint32(v)
		kv, ok := kinds[vid]
		if !ok {
			c.Report(kindVar, id, "its kind is catalog variable %d, which is not a kind", vid)
			continue
		}
		c.live.Add(uint64(id))
		if says[kv.ID] == nil {
			says[kv.ID] = roaring64.New()
		}
		says[kv.ID].Add(uint64(id))
	}
	c.stats.Entities = c.live.GetCardinality()
	c.stats.Variables++
	// $kinds, if the store has it: the other kinds of each entity.
	others := map[uint32]*roaring64.Bitmap{}
	var kindsVar store.Var
	hasOthers := false
	for _, v := range vars {
		if v.Name == VarKinds && v.Role == store.RoleInternal {
			kindsVar, hasOthers = v, true
		}
	}
	if hasOthers {
		trees, err := open(kindsVar)
		if err != nil {
			return err
		}
		for k := range trees[0].All() {
			c.stats.Entries++
			if len(k) != KeySize+4 {
				c.Report(kindsVar, 0, "key of %d bytes, not %d", len(k), KeySize+4)
				continue
			}
			id, vid := FromKey(k), binary.BigEndian.Uint32(k[KeySize:])
			switch kv, ok := kinds[vid]; {
			case !ok:
				c.Report(kindsVar, id, "lists catalog variable %d, which is not a kind", vid)
			case !c.live.Contains(uint64(id)):
				c.Report(kindsVar, id, "lists kind %q for an entity that is not live", kv.Name)
			default:
				if others[vid] == nil {
					others[vid] = roaring64.New()
				}
				others[vid].Add(uint64(id))
			}
		}
		c.stats.Variables++
	}
	for _, kv := range vars {
		if kv.Role != store.RoleKind {
			continue
		}
		trees, err := open(kv)
		if err != nil {
			return err
		}
		members := roaring64.New()
		for k := range trees[0].All() {
			c.stats.Entries++
			id := FromKey(k)
			members.Add(uint64(id))
			if s := says[kv.ID]; s != nil && s.Contains(uint64(id)) {
				continue
			}
			// A member of a kind besides its own (Kind.Add) is live, and $kinds says so.
			switch _, ok := kindOf(kt[0], kinds, id); {
			case !ok:
				c.Report(kv, id, "a member of this kind, but $kind does not list it")
			case others[kv.ID] == nil || !others[kv.ID].Contains(uint64(id)):
				c.Report(kv, id, "a member of this kind besides its own, but $kinds does not list it")
			}
		}
		if s := says[kv.ID]; s != nil {
			missing := roaring64.AndNot(s, members)
			for it := missing.Iterator(); it.HasNext(); {
				c.Report(kindVar, ID(it.Next()), "its kind is %q, whose member set lacks it", kv.Name)
			}
		}
		if o := others[kv.ID]; o != nil {
			missing := roaring64.AndNot(o, members)
			for it := missing.Iterator(); it.HasNext(); {
				c.Report(kindsVar, ID(it.Next()), "lists kind %q, whose member set lacks it", kv.Name)
			}
		}
		c.stats.Variables++
	}
	return nil
}

// kindOf returns the name of the kind that $kind (tree kt) gives id, if the catalog holds it.
func kindOf(kt *store.Tree, kinds map[uint32]store.Var, id ID) (string, bool) {
	k := Key(id)
	v, ok := kt.Get(k[:])
	if !ok || len(v) != 4 {
		return "", false
	}
	kv, ok := kinds[binary.BigEndian.Uint32(v)]
	return kv.Name, ok
}

// checkIRIs checks $iri's two trees against each other and the live entities.
func checkIRIs(v store.Var, trees []*store.Tree, c *ModelCheck) {
	fwd, idx := trees[0], trees[1]
	for k, iri := range fwd.All() {
		c.stats.Entries++
		id := FromKey(k)
		if !c.Live(id) {
			c.Report(v, id, "has the IRI <%s> but is not a live entity", iri)
		}
		got, ok := idx.Get(iri)
		switch {
		case !ok:
			c.Report(v, id, "its IRI <%s> is not in the IRI index", iri)
		case len(got) != KeySize:
			c.Report(v, id, "the IRI index holds a %d-byte ID for <%s>", len(got), iri)
		case FromKey(got) != id:
			c.Report(v, id, "its IRI <%s> belongs to #%d in the IRI index", iri, FromKey(got))
		}
	}
	for iri, val := range idx.All() {
		c.stats.Entries++
		if len(val) != KeySize {
			c.Report(v, 0, "the IRI index holds a %d-byte ID for <%s>", len(val), iri)
			continue
		}
		id := FromKey(val)
		k := Key(id)
		have, ok := fwd.Get(k[:])
		switch {
		case !ok:
			c.Report(v, id, "the IRI index gives it <%s>, but it has no IRI", iri)
		case !bytes.Equal(have, iri):
			c.Report(v, id, "the IRI index gives it <%s>, but its IRI is <%s>", iri, have)
		}
	}
}
