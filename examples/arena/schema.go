package main

import (
	"fmt"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/verb"
)

// The three versions of the arena program. Each declares its schema in its own function,
// as three releases of a canister would; the store file outlives all of them.
//
//	version  address (string)   street, number, postal_code   what the version does
//	      1  active             -                              writes address at spawn
//	      2  deprecated         active                         migrates address, a batch per tick
//	      3  retired            active                         never touches address
//
// A version may open data written by its neighbours (CheckCompatible says so in both
// directions); version 1 and version 3 are two lifecycle steps apart and refuse each other's
// data. Once version 3 runs, `graphctl schema drop address --yes` frees the old column.
const (
	minVersion    = 1
	latestVersion = 3
)

// Vec2 is a point or a velocity on the arena's plane, in world units (per tick, for a
// velocity). As a column type it is struct{X float32; Y float32}: 8 bytes, fixed size.
type Vec2 struct {
	X float32 `json:"x"`
	Y float32 `json:"y"`
}

// Lengths of the string columns, in bytes.
const (
	maxName    = 32
	maxAddress = 80 // address and street: a street must hold any address that does not parse
	maxNumber  = 16
	maxPostal  = 16
)

// schema is one program version's declaration, with typed handles on its columns and
// verbs. Handles that a version does not declare are nil.
type schema struct {
	version int
	s       *entity.Schema

	player, guild, item, world *entity.Kind

	name      *column.Column[string] // players, guilds and items
	pos       *column.Column[Vec2]   // players
	vel       *column.Column[Vec2]   // players, units per tick
	health    *column.Column[int32]  // players, indexed: regeneration finds the wounded in it
	droppedAt *column.Column[Vec2]   // items lying on the ground; removed at pickup
	tick      *column.Column[uint64] // the world entity: ticks run so far

	memberOf *verb.Verb // player → guild, at most one guild per player
	owns     *verb.Verb // player → item, at most one owner per item

	// The address lifecycle.
	address    *column.Column[string] // v1 active, v2 deprecated, v3 retired
	street     *column.Column[string] // v2, v3
	number     *column.Column[string] // v2, v3
	postalCode *column.Column[string] // v2, v3; indexed
	migrated   *column.Column[uint64] // v2: the world entity's migration cursor (last player ID done)
}

// schemaFor returns the schema of program version v.
func schemaFor(v int) (*schema, error) {
	switch v {
	case 1:
		return schemaV1(), nil
	case 2:
		return schemaV2(), nil
	case 3:
		return schemaV3(), nil
	}
	return nil, fmt.Errorf("arena: no program version %d (have %d to %d)", v, minVersion, latestVersion)
}

// baseSchema declares what every version has: the game itself.
func baseSchema(version int) *schema {
	s := entity.NewSchema()
	return &schema{
		version:   version,
		s:         s,
		player:    s.Kind("player"),
		guild:     s.Kind("guild"),
		item:      s.Kind("item"),
		world:     s.Kind("world"),
		name:      column.Define[string](s, "name", column.MaxLen(maxName), column.Indexed()),
		pos:       column.Define[Vec2](s, "pos"),
		vel:       column.Define[Vec2](s, "vel"),
		health:    column.Define[int32](s, "health", column.Indexed()),
		droppedAt: column.Define[Vec2](s, "dropped_at"),
		tick:      column.Define[uint64](s, "tick"),
		memberOf:  verb.Define(s, "member_of", verb.ManyToOne()),
		owns:      verb.Define(s, "owns", verb.OneToMany()),
	}
}

// schemaV1 is the first release: a player's address is one free-form string.
func schemaV1() *schema {
	sc := baseSchema(1)
	sc.address = column.Define[string](sc.s, "address", column.MaxLen(maxAddress))
	return sc
}

// schemaV2 splits the address into street, number and postal code. The address column
// becomes deprecated, so this version can read it but not write it, and version 1 can
// still open the store (and write addresses again) if this release has to be rolled back.
// The world entity keeps the migration's cursor, so a restart resumes where it stopped.
func schemaV2() *schema {
	sc := baseSchema(2)
	sc.address = column.Define[string](sc.s, "address", column.MaxLen(maxAddress), column.Deprecated())
	sc.defineAddressParts()
	sc.migrated = column.Define[uint64](sc.s, "address_migrated")
	return sc
}

// schemaV3 retires the address column: nothing reads or writes it, but its pages are kept
// until an operator drops it. Declaring it (rather than forgetting it) is what makes
// version 1 refuse this store: version 1 would find no address for any player spawned since.
// The migration cursor is no longer declared; a variable the code does not mention is left
// as it is.
func schemaV3() *schema {
	sc := baseSchema(3)
	sc.address = column.Define[string](sc.s, "address", column.MaxLen(maxAddress), column.Retired())
	sc.defineAddressParts()
	return sc
}

func (sc *schema) defineAddressParts() {
	sc.street = column.Define[string](sc.s, "street", column.MaxLen(maxAddress))
	sc.number = column.Define[string](sc.s, "number", column.MaxLen(maxNumber))
	sc.postalCode = column.Define[string](sc.s, "postal_code", column.MaxLen(maxPostal), column.Indexed())
}

// writesAddress reports whether the version stores addresses as one string.
func (sc *schema) writesAddress() bool { return sc.version == 1 }

// migrates reports whether the version moves addresses into their parts as it ticks.
func (sc *schema) migrates() bool { return sc.version == 2 }
