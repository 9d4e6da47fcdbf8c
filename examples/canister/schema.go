package main

import (
	"fmt"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/verb"
)

// The canister's program versions. An upgrade installs the next one over the same stable
// memory; the store's schema check decides whether it may run there.
//
//	version  what it declares
//	      1  person, city; name, age, pos, vel; knows, lives_in
//	      2  adds email; deprecates age (readable, no longer writable)
//	      3  changes age from int32 to int64: incompatible, refused
const latestVersion = 3

// Vec2 is a position or a velocity: struct{X float32; Y float32}, 8 bytes.
type Vec2 struct {
	X float32 `json:"x"`
	Y float32 `json:"y"`
}

// schema is one version's declaration with typed handles on what the tick uses.
type schema struct {
	version  int
	s        *entity.Schema
	pos, vel *column.Column[Vec2]
}

// schemaFor returns the declaration of program version v.
func schemaFor(v int) (*schema, error) {
	if v < 1 || v > latestVersion {
		return nil, fmt.Errorf("canister: no program version %d (have 1 to %d)", v, latestVersion)
	}
	s := entity.NewSchema()
	s.Kind("person")
	s.Kind("city")
	column.Define[string](s, "name", column.MaxLen(32), column.Indexed())
	switch v {
	case 1:
		column.Define[int32](s, "age", column.Indexed())
	case 2:
		column.Define[int32](s, "age", column.Indexed(), column.Deprecated())
		column.Define[string](s, "email", column.MaxLen(64))
	case 3:
		column.Define[int64](s, "age", column.Indexed(), column.Deprecated())
		column.Define[string](s, "email", column.MaxLen(64))
	}
	sc := &schema{
		version: v,
		s:       s,
		pos:     column.Define[Vec2](s, "pos"),
		vel:     column.Define[Vec2](s, "vel"),
	}
	verb.Define(s, "knows")
	verb.Define(s, "lives_in", verb.ManyToOne())
	return sc, nil
}
