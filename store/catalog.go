package store

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/RoaringBitmap/roaring/v2"
)

// The catalog is the list of the store's global variables: every column, verb and kind
// registry the upper layers define, with its definition, lifecycle state and trees.
//
// It is a B-tree whose descriptor is in superblock tree slot 0, keyed by variable name
// (at most MaxVarName bytes), each value an encoded entry:
//
//	size  field
//	   1  entry version (1)
//	   4  variable id: small, never reused while the variable exists
//	   1  role
//	   1  state
//	   …  role text, type text, attrs text, IRI text: each a uvarint length and the bytes
//	   1  number of trees n
//	 n×16 per tree: key size (int16), longest key (uint16), value size (int16), page (uint64),
//	      slot offset (uint16)
//
// The descriptors of the variables' trees live in slot pages, chained from root slot 0 of
// the superblock:
//
//	offset size field
//	     0    4 magic "SGSL"
//	     4    1 format version (1)
//	     5    3 zero
//	     8    8 next slot page, 0 at the end
//	    16    8 bitmap of the slots in use (bit i: slot i)
//	    24    4 CRC-32C of the page without these 4 bytes (page.go)
//	    28   36 zero
//	    64 63×64 descriptor slots
//
// The committed catalog is cached in the heap, so that finding a variable touches no page;
// a message keeps its own changes and they are installed when it commits, as tree
// descriptors are.
const (
	catalogOwner   = "catalog"
	catalogVersion = 1
	slotMagic      = "SGSL"
	slotVersion    = 1
	slotsPerPage   = (PageSize - descSize) / descSize
	slotOffVersion = 4
	slotOffNext    = 8
	slotOffUsed    = 16
	slotOffCRC     = 24

	// MaxVarName is the longest variable name, in bytes.
	MaxVarName = 255
	// rootSlotPages is the root slot that heads the chain of slot pages.
	rootSlotPages = 0
)

// Errors of the catalog.
var (
	// ErrIncompatibleSchema reports a declared variable that the stored one cannot become.
	ErrIncompatibleSchema = errors.New("incompatible schema")
	// ErrReadOnly reports a write to a deprecated or retired variable.
	ErrReadOnly = errors.New("variable is read-only")
	// ErrRetired reports any use of a retired variable.
	ErrRetired = errors.New("variable is retired")
	// ErrNoVar reports a variable the catalog does not hold.
	ErrNoVar = errors.New("no such variable")
	// ErrVarExists reports the creation of a variable whose name is taken.
	ErrVarExists = errors.New("variable already exists")
	// ErrTransition reports a lifecycle change that is not one step along
	// active ↔ deprecated ↔ retired, or a drop of a variable that is not retired.
	ErrTransition = errors.New("lifecycle transition not allowed")
)

// Role says what a global variable is.
type Role uint8

// The roles of global variables.
const (
	RoleKind     Role = 1 // a registered kind of entity
	RoleColumn   Role = 2 // an attribute: entity → value, maybe with a value index
	RoleVerb     Role = 3 // a relation: (subject, object) and (object, subject)
	RoleInternal Role = 4 // an upper layer's own bookkeeping (entity's $kind, $iri, $meta)
)

// String returns the role's name.
func (r Role) String() string {
	switch r {
	case RoleKind:
		return "kind"
	case RoleColumn:
		return "column"
	case RoleVerb:
		return "verb"
	case RoleInternal:
		return "internal"
	}
	return fmt.Sprintf("role(%d)", uint8(r))
}

// State is where a variable is in its lifecycle.
type State uint8

// The lifecycle states. A variable moves one step at a time; dropping it (DropVar) is an
// explicit step beyond Retired that frees its pages and its name.
const (
	Active     State = 1 // read and written
	Deprecated State = 2 // read, never written
	Retired    State = 3 // neither read nor written, but kept
)

// String returns the lifecycle state's name.
func (s State) String() string {
	switch s {
	case Active:
		return "active"
	case Deprecated:
		return "deprecated"
	case Retired:
		return "retired"
	}
	return fmt.Sprintf("state(%d)", uint8(s))
}

// ParseState returns the State named s ("active", "deprecated" or "retired").
func ParseState(s string) (State, error) {
	for _, st := range []State{Active, Deprecated, Retired} {
		if st.String() == s {
			return st, nil
		}
	}
	return 0, fmt.Errorf("unknown lifecycle state %q (want active, deprecated or retired)", s)
}

// VarDef is a variable as code declares it. Two definitions of one name are compatible when
// Role, Type, Attrs and Trees are equal; State may differ by one step.
type VarDef struct {
	Name  string
	Role  Role
	Type  string   // the value type, in the upper layer's canonical text
	Attrs string   // other properties that data depends on (cardinality, indexed, …)
	IRI   string   // the IRI behind an imported name, if any
	Trees []Layout // the layouts of the trees the variable is made of
	State State    // the state the code expects; 0 means Active
}

func (d VarDef) state() State { return cmp.Or(d.State, Active) }

// shape is the part of a definition that must not change.
func (d VarDef) shape() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s", d.Role, d.Type)
	if d.Attrs != "" {
		fmt.Fprintf(&b, " [%s]", d.Attrs)
	}
	for _, l := range d.Trees {
		if n, err := l.normalize(); err == nil {
			l = n
		}
		fmt.Fprintf(&b, " tree(%d/%d/%d)", l.KeySize, l.MaxKey, l.ValueSize)
	}
	return b.String()
}

// Var is a variable as the catalog holds it.
type Var struct {
	VarDef
	ID   uint32
	Refs []TreeRef // where the descriptors of its trees live, one per VarDef.Trees
}

func (v *Var) clone() *Var {
	c := *v
	c.Trees = slices.Clone(v.Trees)
	c.Refs = slices.Clone(v.Refs)
	return &c
}

// catalog is the committed catalog, cached in the heap.
type catalog struct {
	vars   map[string]*Var
	nextID uint32
	gen    uint64 // committed messages that changed the catalog (catalog_gen.go)
}

// loadCatalog reads the catalog into the heap; it creates the catalog tree in a new store.
func (s *Store) loadCatalog() error {
	s.cat = catalog{vars: map[string]*Var{}, nextID: 1}
	return s.View(func(tx *Tx) error {
		t, err := tx.OpenTree(SuperblockTreeRef(0), catalogOwner)
		if errors.Is(err, ErrNoTree) {
			return nil
		}
		if err != nil {
			return err
		}
		for k, v := range t.All() {
			vr, err := decodeVar(string(k), v)
			if err != nil {
				return err
			}
			s.cat.vars[vr.Name] = vr
			s.cat.nextID = max(s.cat.nextID, vr.ID+1)
		}
		return nil
	})
}

func encodeVar(v *Var) []byte {
	b := []byte{catalogVersion}
	b = le.AppendUint32(b, v.ID)
	b = append(b, byte(v.Role), byte(v.State))
	for _, s := range []string{v.Role.String(), v.Type, v.Attrs, v.IRI} {
		b = appendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	b = append(b, byte(len(v.Trees)))
	for i, l := range v.Trees {
		b = le.AppendUint16(b, uint16(int16(l.KeySize)))
		b = le.AppendUint16(b, uint16(l.MaxKey))
		b = le.AppendUint16(b, uint16(int16(l.ValueSize)))
		b = le.AppendUint64(b, uint64(v.Refs[i].Page))
		b = le.AppendUint16(b, v.Refs[i].Off)
	}
	return b
}

func appendUvarint(b []byte, x uint64) []byte {
	for x >= 0x80 {
		b = append(b, byte(x)|0x80)
		x >>= 7
	}
	return append(b, byte(x))
}

func decodeVar(name string, b []byte) (*Var, error) {
	bad := func(what string) (*Var, error) {
		return nil, fmt.Errorf("%w: catalog entry %q: %s", ErrCorrupt, name, what)
	}
	if len(b) < 7 {
		return bad("too short")
	}
	if b[0] != catalogVersion {
		return nil, fmt.Errorf("%w: catalog entry %q has version %d", ErrVersion, name, b[0])
	}
	v := &Var{ID: le.Uint32(b[1:])}
	v.Name, v.Role, v.State = name, Role(b[5]), State(b[6])
	b = b[7:]
	var texts [4]string
	for i := range texts {
		n, k := uvarint(b)
		if k <= 0 || uint64(len(b)-k) < n {
			return bad("truncated text")
		}
		texts[i], b = string(b[k:k+int(n)]), b[k+int(n):]
	}
	v.Type, v.Attrs, v.IRI = texts[1], texts[2], texts[3]
	if len(b) < 1 || len(b) != 1+16*int(b[0]) {
		return bad("truncated tree list")
	}
	for b = b[1:]; len(b) > 0; b = b[16:] {
		v.Trees = append(v.Trees, Layout{
			KeySize: int(int16(le.Uint16(b))), MaxKey: int(le.Uint16(b[2:])), ValueSize: int(int16(le.Uint16(b[4:]))),
		})
		v.Refs = append(v.Refs, TreeRef{Page: PageID(le.Uint64(b[6:])), Off: le.Uint16(b[14:])})
	}
	if v.State < Active || v.State > Retired || v.Role < RoleKind || v.Role > RoleInternal {
		return bad("unknown role or state")
	}
	return v, nil
}

func uvarint(b []byte) (uint64, int) {
	var x uint64
	for i, c := range b {
		if i == 10 {
			return 0, -1
		}
		x |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return x, i + 1
		}
	}
	return 0, 0
}

// txCatalog is a message's view of the catalog: the committed one plus its own changes.
type txCatalog struct {
	changed map[string]*Var // nil value: dropped in this message
	nextID  uint32
}

// Var returns the variable called name as this message sees it.
func (tx *Tx) Var(name string) (Var, bool) {
	tx.checkOpen()
	v := tx.lookupVar(name)
	if v == nil {
		return Var{}, false
	}
	return *v.clone(), true
}

func (tx *Tx) lookupVar(name string) *Var {
	if v, ok := tx.cat.changed[name]; ok {
		return v
	}
	tx.s.catMu.RLock()
	defer tx.s.catMu.RUnlock()
	return tx.s.cat.vars[name]
}

// Vars returns every variable, sorted by name.
func (tx *Tx) Vars() []Var {
	tx.checkOpen()
	tx.s.catMu.RLock()
	names := slices.Collect(maps.Keys(tx.s.cat.vars))
	tx.s.catMu.RUnlock()
	for name := range tx.cat.changed {
		names = append(names, name)
	}
	slices.Sort(names)
	names = slices.Compact(names)
	var out []Var
	for _, n := range names {
		if v, ok := tx.Var(n); ok {
			out = append(out, v)
		}
	}
	return out
}

// catalogTree opens the catalog's tree, creating it in a new store.
func (tx *Tx) catalogTree() *Tree {
	t, err := tx.OpenTree(SuperblockTreeRef(0), catalogOwner)
	if errors.Is(err, ErrNoTree) {
		t, err = tx.CreateTree(SuperblockTreeRef(0), Layout{KeySize: Variable, MaxKey: MaxVarName, ValueSize: Variable}, catalogOwner)
	}
	if err != nil {
		tx.abort(err)
	}
	return t
}

// putVar records v in the catalog tree and in the message's view.
func (tx *Tx) putVar(v *Var) error {
	if _, err := tx.catalogTree().Put([]byte(v.Name), encodeVar(v)); err != nil {
		return err
	}
	if tx.cat.changed == nil {
		tx.cat.changed = map[string]*Var{}
	}
	tx.cat.changed[v.Name] = v
	return nil
}

// CreateVar adds a variable with empty trees of the given layouts.
func (tx *Tx) CreateVar(def VarDef) (Var, error) {
	tx.checkOpen()
	if !tx.writable {
		return Var{}, ErrTxReadOnly
	}
	if def.Name == "" || len(def.Name) > MaxVarName {
		return Var{}, fmt.Errorf("variable name %q: must be 1 to %d bytes", def.Name, MaxVarName)
	}
	if tx.lookupVar(def.Name) != nil {
		return Var{}, fmt.Errorf("%q: %w", def.Name, ErrVarExists)
	}
	if len(def.Trees) > 255 {
		return Var{}, fmt.Errorf("variable %q: too many trees", def.Name)
	}
	for _, l := range def.Trees {
		if _, err := l.normalize(); err != nil {
			return Var{}, fmt.Errorf("variable %q: %w", def.Name, err)
		}
	}
	if tx.cat.nextID == 0 {
		tx.s.catMu.RLock()
		tx.cat.nextID = tx.s.cat.nextID
		tx.s.catMu.RUnlock()
	}
	v := &Var{VarDef: def, ID: tx.cat.nextID}
	v.State = def.state()
	v.Trees = slices.Clone(def.Trees)
	tx.cat.nextID++
	for _, l := range def.Trees {
		ref := tx.allocSlot()
		if _, err := tx.CreateTree(ref, l, def.Name); err != nil {
			tx.abort(err) // a fresh slot cannot hold a tree: the slot pages are damaged
		}
		v.Refs = append(v.Refs, ref)
	}
	if err := tx.putVar(v); err != nil {
		return Var{}, err
	}
	return *v.clone(), nil
}

// allocSlot takes a free descriptor slot, adding a slot page when all are taken.
func (tx *Tx) allocSlot() TreeRef {
	prev := tx.meter.setOwner(catalogOwner)
	defer tx.meter.setOwner(prev)
	for id := PageID(tx.root(rootSlotPages)); id != 0; {
		p := tx.slotPage(id)
		used := le.Uint64(p[slotOffUsed:])
		if used != 1<<slotsPerPage-1 {
			i := 0
			for used&(1<<i) != 0 {
				i++
			}
			le.PutUint64(tx.writePage(id, pageSlots)[slotOffUsed:], used|1<<i)
			return TreeRef{Page: id, Off: uint16(descSize * (i + 1))}
		}
		id = PageID(le.Uint64(p[slotOffNext:]))
	}
	id, p := tx.alloc(pageSlots)
	copy(p, slotMagic)
	p[slotOffVersion] = slotVersion
	le.PutUint64(p[slotOffNext:], tx.root(rootSlotPages))
	le.PutUint64(p[slotOffUsed:], 1)
	tx.setRoot(rootSlotPages, uint64(id))
	return TreeRef{Page: id, Off: descSize}
}

// freeSlot gives back the slot at ref; the page stays in the chain.
func (tx *Tx) freeSlot(ref TreeRef) {
	prev := tx.meter.setOwner(catalogOwner)
	defer tx.meter.setOwner(prev)
	p := tx.slotPage(ref.Page)
	i := int(ref.Off)/descSize - 1
	le.PutUint64(tx.writePage(ref.Page, pageSlots)[slotOffUsed:], le.Uint64(p[slotOffUsed:])&^(1<<i))
}

func (tx *Tx) slotPage(id PageID) []byte {
	p := tx.readPage(id, pageSlots)
	if err := checkSlotPage(id, p); err != nil {
		tx.abort(err)
	}
	return p
}

// checkSlotPage checks the header of catalog slot page id.
func checkSlotPage(id PageID, p []byte) error {
	return checkFormat(id, p, pageSlots, slotMagic, slotOffVersion, slotVersion)
}

// slotPages returns the pages of the slot chain, or an error wrapping ErrCorrupt (or
// ErrVersion) naming the first bad one. It checks the checksum of every slot page, as Check
// does of every page.
func (tx *Tx) slotPages() ([]PageID, error) {
	var out []PageID
	seen := roaring.New()
	count := tx.AllocStats().Pages
	for id := PageID(tx.root(rootSlotPages)); id != 0; {
		if uint64(id) >= count || !seen.CheckedAdd(uint32(id)) {
			return nil, fmt.Errorf("%w: the catalog's slot pages reach page %d twice or past the page count %d", ErrCorrupt, id, count)
		}
		p, err := tx.checkedPage(id, pageSlots, checkSlotPage)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
		id = PageID(le.Uint64(p[slotOffNext:]))
	}
	return out, nil
}

// VarTree opens tree i of the variable called name for reading or, with write, for writing:
// it fails with ErrRetired for a retired variable and with ErrReadOnly for a write to a
// deprecated one. The tree's accesses are tagged with the variable's name.
func (tx *Tx) VarTree(name string, i int, write bool) (*Tree, error) {
	v := tx.lookupVar(name)
	if v == nil {
		return nil, fmt.Errorf("%q: %w", name, ErrNoVar)
	}
	switch {
	case v.State == Retired:
		return nil, fmt.Errorf("%s %q: %w", v.Role, name, ErrRetired)
	case write && v.State != Active:
		return nil, fmt.Errorf("%s %q is %s: %w", v.Role, name, v.State, ErrReadOnly)
	}
	if i < 0 || i >= len(v.Refs) {
		return nil, fmt.Errorf("%s %q has no tree %d", v.Role, name, i)
	}
	return tx.OpenTree(v.Refs[i], name)
}

// SetVarState moves the variable called name one step along active ↔ deprecated ↔ retired.
func (tx *Tx) SetVarState(name string, st State) error {
	tx.checkOpen()
	if !tx.writable {
		return ErrTxReadOnly
	}
	v := tx.lookupVar(name)
	if v == nil {
		return fmt.Errorf("%q: %w", name, ErrNoVar)
	}
	if v.State == st {
		return nil
	}
	if st < Active || st > Retired || !oneStep(v.State, st) {
		return fmt.Errorf("%s %q: %s → %s: %w", v.Role, name, v.State, st, ErrTransition)
	}
	c := v.clone()
	c.State = st
	return tx.putVar(c)
}

func oneStep(a, b State) bool { return a == b || a+1 == b || b+1 == a }

// DropVar removes a retired variable: it frees every page of its trees and its name may be
// defined anew.
func (tx *Tx) DropVar(name string) error {
	tx.checkOpen()
	if !tx.writable {
		return ErrTxReadOnly
	}
	v := tx.lookupVar(name)
	if v == nil {
		return fmt.Errorf("%q: %w", name, ErrNoVar)
	}
	if v.State != Retired {
		return fmt.Errorf("drop %s %q, which is %s (retire it first): %w", v.Role, name, v.State, ErrTransition)
	}
	for _, ref := range v.Refs {
		t, err := tx.OpenTree(ref, name)
		if err != nil {
			tx.abort(err)
		}
		if err := t.Drop(); err != nil {
			tx.abort(err)
		}
		tx.freeSlot(ref)
	}
	if _, err := tx.catalogTree().Delete([]byte(name)); err != nil {
		tx.abort(err)
	}
	if tx.cat.changed == nil {
		tx.cat.changed = map[string]*Var{}
	}
	tx.cat.changed[name] = nil
	return nil
}

// ApplySchema brings the catalog to the declared variables: it creates those that are new
// and moves the state of those that exist to the declared one. It checks every declared
// variable first and changes nothing if any is incompatible with what is stored (a changed
// definition, or a state more than one step away). Stored variables that defs does not
// mention are left as they are. It returns the names it created.
func (tx *Tx) ApplySchema(defs []VarDef) (created []string, err error) {
	var stored []VarDef
	for _, d := range defs {
		if v := tx.lookupVar(d.Name); v != nil {
			stored = append(stored, v.VarDef)
		}
	}
	if err := compatible(stored, defs, "stored", "declared"); err != nil {
		return nil, err
	}
	for _, d := range defs {
		if tx.lookupVar(d.Name) == nil {
			if _, err := tx.CreateVar(d); err != nil {
				return nil, err
			}
			created = append(created, d.Name)
		} else if err := tx.SetVarState(d.Name, d.state()); err != nil {
			return nil, err
		}
	}
	return created, nil
}

// Compatibility is the answer of CheckCompatible, one direction each.
type Compatibility struct {
	// Upgrade is nil if code declaring the new schema can open data written under the old.
	Upgrade error
	// Rollback is nil if code declaring the old schema can open data written under the new.
	Rollback error
}

// CheckCompatible reports, in both directions, whether code declaring schema b can open data
// written under schema a, and the reverse. Errors wrap ErrIncompatibleSchema and give every
// reason.
func CheckCompatible(a, b []VarDef) Compatibility {
	return Compatibility{Upgrade: compatible(a, b, "old", "new"), Rollback: compatible(b, a, "new", "old")}
}

// compatible checks that code declaring to can open data stored under from.
func compatible(from, to []VarDef, fromName, toName string) error {
	byName := make(map[string]VarDef, len(from))
	for _, d := range from {
		byName[d.Name] = d
	}
	var errs []error
	for _, d := range to {
		old, ok := byName[d.Name]
		if !ok {
			continue
		}
		if old.shape() != d.shape() {
			errs = append(errs, fmt.Errorf("%w: %q is %s in the %s schema but %s in the %s schema",
				ErrIncompatibleSchema, d.Name, old.shape(), fromName, d.shape(), toName))
			continue
		}
		if !oneStep(old.state(), d.state()) {
			errs = append(errs, fmt.Errorf("%w: %q is %s in the %s schema and cannot become %s in one step "+
				"(code that skips a step would write data that has moved elsewhere)",
				ErrIncompatibleSchema, d.Name, old.state(), fromName, d.state()))
		}
	}
	slices.SortFunc(errs, func(x, y error) int { return strings.Compare(x.Error(), y.Error()) })
	return errors.Join(errs...)
}

// installCatalog puts a committed message's catalog changes into the heap cache.
func (s *Store) installCatalog(tx *Tx) {
	if len(tx.cat.changed) == 0 {
		return
	}
	s.catMu.Lock()
	defer s.catMu.Unlock()
	s.cat.gen++
	for name, v := range tx.cat.changed {
		if v == nil {
			delete(s.cat.vars, name)
		} else {
			s.cat.vars[name] = v
		}
	}
	s.cat.nextID = max(s.cat.nextID, tx.cat.nextID)
}

// CheckStore verifies the whole store: the catalog's tree, the tree of every variable, the
// trees given (those kept outside the catalog), and that these, the catalog's slot pages, the
// free list and the superblock own every page exactly once. It returns an error wrapping
// ErrCorrupt that names the page and the problem.
func (tx *Tx) CheckStore(extra ...*Tree) error { return tx.checkStore(nil, extra...) }

// checkStore is CheckStore, telling visit (if not nil) of every tree page it checks.
func (tx *Tx) checkStore(visit pageVisitor, extra ...*Tree) error {
	tx.checkOpen()
	owned := map[string]*roaring.Bitmap{}
	check := func(name string, t *Tree) error {
		bm, err := t.check(visit)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		owned[name] = bm
		return nil
	}
	if t, err := tx.OpenTree(SuperblockTreeRef(0), catalogOwner); err == nil {
		if err := check("the catalog", t); err != nil {
			return err
		}
	} else if !errors.Is(err, ErrNoTree) {
		return err
	}
	slots := roaring.New()
	list, err := tx.slotPages()
	if err != nil {
		return fmt.Errorf("the catalog's slot pages: %w", err)
	}
	for _, id := range list {
		slots.Add(uint32(id))
	}
	owned["the catalog's slot pages"] = slots
	for _, v := range tx.Vars() {
		for i, ref := range v.Refs {
			t, err := tx.OpenTree(ref, v.Name)
			if err != nil {
				return fmt.Errorf("%s %q tree %d: %w", v.Role, v.Name, i, err)
			}
			if err := check(fmt.Sprintf("%s %q tree %d", v.Role, v.Name, i), t); err != nil {
				return err
			}
		}
	}
	for _, t := range extra {
		if err := check(fmt.Sprintf("%v (owner %q)", t.ref, t.owner), t); err != nil {
			return err
		}
	}
	return tx.checkPages(owned)
}
