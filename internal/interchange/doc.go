// Package interchange maps documents onto the entity model and back: N-Triples, N-Quads
// and Turtle (RDF), and JSON Lines and CSV records, for import, and N-Triples, JSON Lines
// and CSV for export. Any input may be gzip-compressed (Decompress). The mapping between
// RDF and kinds, columns and verbs (rdfmap.go) serves both directions, so that an import of
// an export gives the same store.
//
// An import runs in two steps. First the whole input is read and checked, before the store
// is touched (ParseNTriples, on every core in chunks, also for N-Quads; ParseTurtle, as it
// streams in; ParseJSONL; ParseCSV), into an Import; Import.Apply then writes it in one
// message, which commits whole or not at all: an error while writing (a cardinality the
// data breaks, a full disk) leaves the store as it was. An export (WriteNTriples,
// WriteJSONL, WriteCSV) reads the store in one View and streams it in entity-ID order,
// every column and verb read with one forward scan.
//
// The package also holds the text forms that commands share with the documents: entity
// references (Resolve, ParseRef, EntityName, RefText), column values written as text or
// JSON (ParseText, FormatText), an entity as a record (Describe), and lookups of columns,
// verbs and kinds that suggest a close name (LookupColumn, LookupVerb, SuggestKind).
package interchange
