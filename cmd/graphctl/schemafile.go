package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"

	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/server"
)

// readSchemaFile reads and decodes a schema file, refusing unknown fields so that a typo
// ("indexd") is an error and not a silently missing index.
func readSchemaFile(path string) (*schemaFile, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var sf schemaFile
	if err := dec.Decode(&sf); err != nil {
		return nil, fmt.Errorf("%s: %w: %w", path, errBadInput, jsonErr(b, err))
	}
	return &sf, nil
}

// jsonErr adds the line and column to a JSON syntax or type error.
func jsonErr(b []byte, err error) error {
	var off int64
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
	default:
		return err
	}
	line, col := 1, 1
	for _, c := range b[:min(int(off), len(b))] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Errorf("%d:%d: %w", line, col, err)
}

// The schema file's form is interchange's, which JSON Lines exports share.
type (
	schemaFile = interchange.SchemaDoc
	kindSpec   = interchange.KindSpec
	columnSpec = interchange.ColumnSpec
	verbSpec   = interchange.VerbSpec
)

// schemaFileOf returns the schema file of a store's data model.
func schemaFileOf(sc *server.Schema) *schemaFile {
	sf := &schemaFile{Kinds: []kindSpec{}, Columns: []columnSpec{}, Verbs: []verbSpec{}}
	for _, k := range sc.Kinds {
		sf.Kinds = append(sf.Kinds, kindSpec{Name: k.Name, State: interchange.StateField(k.State), IRI: k.IRI})
	}
	for _, c := range sc.Columns {
		sf.Columns = append(sf.Columns, columnSpec{Name: c.Name, Type: c.Type, Indexed: c.Indexed, Multi: c.Multi, State: interchange.StateField(c.State), IRI: c.IRI})
	}
	for _, v := range sc.Verbs {
		sf.Verbs = append(sf.Verbs, verbSpec{Name: v.Name, Cardinality: v.Cardinality, State: interchange.StateField(v.State), IRI: v.IRI})
	}
	return sf
}
