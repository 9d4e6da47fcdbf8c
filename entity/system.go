package entity

import "github.com/stablegraph/stablegraph/store"

// Internal variables (role store.RoleInternal): the entity layer's own bookkeeping. Their
// names start with '$', which no kind, column or verb name may, so they never clash with
// what a schema or a query names.
const (
	// VarKind maps each live entity to its kind: key the entity's 8-byte ID, value the
	// kind variable's catalog ID as a 4-byte big-endian uint32.
	VarKind = "$kind"
	// VarIRI holds the external IRIs of imported entities: tree 0 maps an entity's ID to its
	// IRI, tree 1 (the index) maps an IRI to the 8-byte ID.
	VarIRI = "$iri"
	// VarMeta holds the store's settings as text under text keys: "scope" is the store's
	// scope in uri.Scope text.
	VarMeta = "$meta"
	// VarKinds lists the kinds each entity is a member of besides its own (Kind.Add): key
	// the entity's 8-byte ID then the kind variable's 4-byte catalog ID, empty values. It
	// is made by the first Kind.Add, so a store whose entities have one kind each has none.
	VarKinds = "$kinds"

	// RootNextID is the superblock root slot that holds the last ID handed out (0 in a new
	// store); the next entity gets one more.
	RootNextID = 1

	// MaxIRI is the longest IRI an entity can carry, in bytes.
	MaxIRI = 1000

	metaScope = "scope"
)

// kindsDef is VarKinds's definition.
var kindsDef = store.VarDef{Name: VarKinds, Role: store.RoleInternal, Trees: []store.Layout{{KeySize: KeySize + 4, ValueSize: 0}}}

func systemDefs() []store.VarDef {
	return []store.VarDef{
		{Name: VarIRI, Role: store.RoleInternal, Type: "string(1000)", Attrs: "indexed", Trees: []store.Layout{
			{KeySize: KeySize, ValueSize: store.Variable},
			{KeySize: store.Variable, MaxKey: MaxIRI, ValueSize: KeySize},
		}},
		{Name: VarKind, Role: store.RoleInternal, Type: "uint32", Trees: []store.Layout{{KeySize: KeySize, ValueSize: 4}}},
		{Name: VarMeta, Role: store.RoleInternal, Type: "string", Trees: []store.Layout{
			{KeySize: store.Variable, MaxKey: 255, ValueSize: store.Variable},
		}},
	}
}
