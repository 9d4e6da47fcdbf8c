// Package entity is stablegraph's entity layer: entity IDs, kinds, the schema a program
// declares, and the DB that opens a store with it. Columns (package column) and verbs
// (package verb) hang their data off the entities defined here.
//
// # Entities and kinds
//
// An entity is a uint64 [ID], unique in its store, that starts at 1 and is never reused:
// a deleted entity's ID stays dead, across restarts. Every entity has exactly one [Kind],
// a name registered in the schema ("player", "guild"). [Tx.Delete] removes an entity from
// its kind, its values from every column and its edges from every verb, in both directions,
// within the one message.
//
// # Schema and lifecycle
//
// A program declares its kinds with [Schema.Kind], and its columns and verbs with
// column.Define and verb.Define, which add themselves to the schema; [Open] applies the
// schema to a store in one message, through the store's catalog (store.Tx.ApplySchema):
// new variables are created, declared lifecycle states (the Deprecated and Retired
// options) are applied, and an incompatible declaration (a changed type, a state two steps
// away) is refused before anything is written, with an error wrapping
// store.ErrIncompatibleSchema. Writes to a deprecated variable fail with
// store.ErrReadOnly, and any use of a retired one with store.ErrRetired. Reads whose result
// has no error (iterators, bitmaps, counts) abort the message with that error instead:
// Update or View returns it, as with an exhausted page budget ([Tx.Abort]).
//
// # Storage
//
// Each kind is a catalog variable of role store.RoleKind that owns one B-tree, the set of
// its live entities:
//
//	kind tree    key: ID (8 bytes, big-endian)      value: none
//
// so a kind's count is the tree's entry count (O(1)) and its members iterate, or load into
// a roaring bitmap, without touching any other kind. The layer's own bookkeeping lives in
// internal variables (role store.RoleInternal) whose names start with '$', which no kind,
// column or verb name may:
//
//	$kind        key: ID (8)                        value: kind's catalog variable ID (uint32, big-endian)
//	$iri tree 0  key: ID (8)                        value: external IRI (up to MaxIRI = 1000 bytes)
//	$iri tree 1  key: IRI (up to 1000 bytes)        value: ID (8)
//	$meta        key: setting name                  value: setting text ("scope": the store's scope,
//	                                                "holds-from": the first ID $holds covers)
//	$kinds       key: ID (8), kind's variable ID (4) value: none (the kinds Kind.Add added)
//	$holds       key: ID (8)                        value: the slots (variable ID × 2 + tree) of
//	                                                the column and verb trees that hold it, as
//	                                                ascending uvarints
//
// The last ID handed out is kept in superblock root slot 1 ([RootNextID]), so allocating an
// ID touches page 0 and nothing else. The store's [uri.Scope], used in entity URIs
// (ic://<scope>/<kind>/<id>), is recorded in $meta by the first Open that gives one; a
// later Open with another scope is refused with [ErrScope].
//
// # External IRIs
//
// Entities imported from elsewhere (RDF) keep their IRI: [Tx.SetIRI], [Tx.IRI],
// [Tx.ByIRI], and [Kind.Intern], which finds or creates the entity that carries an IRI.
// An edge to an external resource goes through a local entity that carries its IRI.
//
// # Deleting from every variable
//
// Delete finds the columns and verbs to clean in the catalog, not in the running
// program's schema, so variables another version of the program declared are cleaned too:
// the column and verb packages register a [DeleteFunc] per role with [RegisterDeleter] in
// their init functions, and Delete calls it for the variables that hold the entity,
// whatever their lifecycle state. Which those are, the holder record $holds says: the
// column and verb write paths keep it ([Tx.SetHolds]) when an entity's first value or edge
// appears in a tree and when its last goes, so Delete reads one entry instead of probing
// every tree of the store. Entities older than the record (a store made before it has it
// from its first writable Open on) are deleted by probing every column and verb. A column
// or verb with no registered deleter fails the delete with [ErrNoDeleter].
package entity
