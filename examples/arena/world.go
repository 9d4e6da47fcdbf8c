package main

import (
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/uri"
)

// The arena's geometry and rules.
const (
	worldSize    = 1000 // the plane is worldSize × worldSize units and wraps around
	maxSpeed     = 2    // the largest velocity component, in units per tick
	maxHealth    = 100
	regenPerTick = 1  // health a wounded player regains each tick
	stormDamage  = 10 // health a player loses when it crosses the edge of the plane
	pickupRadius = 5  // how close a player must come to an item to pick it up
	groundItems  = 32 // the items the world keeps lying on the ground
	itemEvery    = 10 // a new item drops every itemEvery ticks while fewer lie on the ground
	maxSpawns    = 64 // spawns one tick takes from the queue, so that its pages stay bounded
)

// guildNames are the guilds a new world starts with; players join one at spawn.
var guildNames = []string{"red", "blue", "green", "gold"}

// itemNames name the items that drop, in turn.
var itemNames = []string{"sword", "shield", "potion", "map", "lantern", "rope"}

// Errors of the arena.
var (
	// ErrInvalidPlayer reports a spawn request that the world cannot accept.
	ErrInvalidPlayer = errors.New("invalid player")
	// ErrNoGuild reports a spawn request that names a guild the world does not have.
	ErrNoGuild = errors.New("no such guild")
	// ErrMigrationPending reports version 3 started over a store that version 2 has not
	// finished migrating: retiring the address column then would hide addresses that exist
	// nowhere else.
	ErrMigrationPending = errors.New("address migration not finished")
)

// World is the arena as one program version sees it: a store opened with that version's
// schema, and the handles its tick uses. Reads may run concurrently; ticks and spawns
// are Update messages, which the store runs one at a time.
type World struct {
	db *entity.DB
	sc *schema
	id entity.ID // the world entity: the tick counter and, in version 2, the migration cursor

	guilds      []entity.ID // in ID order, as guildNames
	guildByName map[string]entity.ID

	// MigratePages bounds the pages (accessed) one tick spends migrating addresses in
	// version 2: the migration stops its batch once it has touched this many.
	MigratePages uint64

	// Scratch space of the tick's steps, reused across ticks. Only the message that holds the
	// store's single writer slot touches it.
	players []located
	stormed []entity.ID
	ground  []located
}

// located is an entity and where it is.
type located struct {
	id entity.ID
	at Vec2
}

// DefaultMigratePages is the page allowance of one tick's migration batch.
const DefaultMigratePages = 256

// OpenWorld opens the arena kept in st as program version v would: it applies v's schema
// (refused, with nothing written, if the store holds data v cannot read) and, in a store
// with no arena yet, creates the world entity, the guilds and the first items.
func OpenWorld(st *store.Store, v int) (*World, error) {
	sc, err := schemaFor(v)
	if err != nil {
		return nil, err
	}
	var fresh bool
	if err := st.View(func(tx *store.Tx) error {
		_, ok := tx.Var(entity.VarMeta)
		fresh = !ok
		return nil
	}); err != nil {
		return nil, err
	}
	if v == 3 && !fresh {
		if err := checkMigrated(st); err != nil {
			return nil, err
		}
	}
	var opts entity.Options
	if fresh {
		// A store that is not a canister's is named by a UUID, so its entity URIs are
		// unique across stores.
		opts.Scope = uri.UUIDScope(uuid.New())
	}
	db, err := entity.Open(st, sc.s, &opts)
	if err != nil {
		return nil, fmt.Errorf("version %d: %w", v, err)
	}
	w := &World{db: db, sc: sc, guildByName: map[string]entity.ID{}, MigratePages: DefaultMigratePages}
	err = db.Update(func(tx *entity.Tx) error {
		for id := range sc.world.All(tx) {
			w.id = id
			break
		}
		if w.id == 0 {
			return w.create(tx)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("version %d: %w", v, err)
	}
	err = db.View(func(tx *entity.Tx) error {
		for id := range sc.guild.All(tx) {
			name, _, err := sc.name.Get(tx, id)
			if err != nil {
				return err
			}
			w.guilds = append(w.guilds, id)
			w.guildByName[name] = id
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// create makes the world entity, the guilds and the items of a new arena.
func (w *World) create(tx *entity.Tx) error {
	id, err := w.sc.world.New(tx)
	if err != nil {
		return err
	}
	w.id = id
	if err := w.sc.tick.Set(tx, id, 0); err != nil {
		return err
	}
	for _, name := range guildNames {
		g, err := w.sc.guild.New(tx)
		if err != nil {
			return err
		}
		if err := w.sc.name.Set(tx, g, name); err != nil {
			return err
		}
	}
	for i := range groundItems {
		if _, err := w.dropItem(tx, uint64(i)); err != nil {
			return err
		}
	}
	return nil
}

// checkMigrated refuses to let version 3 retire the address column of a store whose
// migration version 2 has not finished. A store whose address column is still active is
// left to entity.Open, which refuses it for skipping a lifecycle step.
func checkMigrated(st *store.Store) error {
	db, err := entity.Open(st, nil, nil)
	if err != nil {
		return err
	}
	return db.View(func(tx *entity.Tx) error {
		addr, err := column.Lookup(tx, "address")
		if errors.Is(err, column.ErrNoColumn) {
			return nil
		}
		if err != nil || addr.State() != store.Deprecated {
			return err
		}
		m := migrationOf(tx, db, addr)
		if !m.Done {
			return fmt.Errorf("%w: players up to #%d of #%d have moved to street, number and postal_code; "+
				"run version 2 until GET /status reports the migration done: %w",
				ErrMigrationPending, m.Cursor, m.Last, store.ErrIncompatibleSchema)
		}
		return nil
	})
}

// DB returns the entity layer the world runs on.
func (w *World) DB() *entity.DB { return w.db }

// Version returns the program version the world was opened as.
func (w *World) Version() int { return w.sc.version }

// PlayerSpec is a request to spawn a player. Zero fields take values derived from the new
// player's ID, so that a world grows the same way from the same requests.
type PlayerSpec struct {
	Name   string `json:"name"`
	Guild  string `json:"guild,omitempty"`  // a guild's name
	Pos    *Vec2  `json:"pos,omitempty"`    // where the player appears
	Vel    *Vec2  `json:"vel,omitempty"`    // units per tick
	Health int32  `json:"health,omitempty"` // 1 to maxHealth

	// The address, in either form; each version stores it its own way.
	Address string `json:"address,omitempty"`
	AddressParts
}

// validate checks what Spawn cannot fix up.
func (p *PlayerSpec) validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidPlayer}, args...)...)
	}
	switch {
	case p.Name == "" || len(p.Name) > maxName || !utf8.ValidString(p.Name):
		return bad("name must be 1 to %d bytes of UTF-8", maxName)
	case p.Health < 0 || p.Health > maxHealth:
		return bad("health %d is not between 1 and %d", p.Health, maxHealth)
	case len(p.Address) > maxAddress || len(p.Street) > maxAddress:
		return bad("an address or street is at most %d bytes", maxAddress)
	case len(p.Number) > maxNumber || len(p.PostalCode) > maxPostal:
		return bad("a number or postal code is at most %d bytes", maxNumber)
	case !utf8.ValidString(p.Address + p.Street + p.Number + p.PostalCode):
		return bad("the address is not UTF-8")
	}
	for _, v := range []*Vec2{p.Pos, p.Vel} {
		if v != nil && (v.X != v.X || v.Y != v.Y) {
			return bad("NaN in a position or velocity")
		}
	}
	if p.Pos != nil {
		x, y := p.Pos.X, p.Pos.Y
		if wrap(&x) || wrap(&y) {
			return bad("position (%g, %g) is off the %d×%d plane", p.Pos.X, p.Pos.Y, worldSize, worldSize)
		}
	}
	return nil
}

// Spawn creates a player in the message tx and returns its ID. A request that fails
// leaves nothing behind.
func (w *World) Spawn(tx *entity.Tx, p PlayerSpec) (entity.ID, error) {
	if err := p.validate(); err != nil {
		return 0, err
	}
	sc := w.sc
	var guild entity.ID
	if p.Guild != "" {
		g, ok := w.guildByName[p.Guild]
		if !ok {
			return 0, fmt.Errorf("guild %q: %w", p.Guild, ErrNoGuild)
		}
		guild = g
	}
	id, err := sc.player.New(tx)
	if err != nil {
		return 0, err
	}
	if err := w.fillPlayer(tx, id, p, guild); err != nil {
		// Deleting removes whatever was set: the spawn is all or nothing inside the tick.
		if derr := tx.Delete(id); derr != nil {
			tx.Abort(derr)
		}
		return 0, err
	}
	return id, nil
}

func (w *World) fillPlayer(tx *entity.Tx, id entity.ID, p PlayerSpec, guild entity.ID) error {
	sc := w.sc
	r := splitmix(uint64(id))
	pos := Vec2{X: unit(r) * worldSize, Y: unit(splitmix(r)) * worldSize}
	if p.Pos != nil {
		pos = *p.Pos
	}
	r = splitmix(splitmix(r))
	vel := Vec2{X: (unit(r)*2 - 1) * maxSpeed, Y: (unit(splitmix(r))*2 - 1) * maxSpeed}
	if p.Vel != nil {
		vel = *p.Vel
	}
	health := p.Health
	if health == 0 {
		health = maxHealth/2 + int32(r%(maxHealth/2+1))
	}
	if guild == 0 && len(w.guilds) > 0 {
		guild = w.guilds[uint64(id)%uint64(len(w.guilds))]
	}
	err := errors.Join(
		sc.name.Set(tx, id, p.Name),
		sc.pos.Set(tx, id, pos),
		sc.vel.Set(tx, id, vel),
		sc.health.Set(tx, id, health),
	)
	if err != nil {
		return err
	}
	if guild != 0 {
		if err := sc.memberOf.Link(tx, id, guild); err != nil {
			return err
		}
	}
	return w.setAddress(tx, id, p)
}

// setAddress stores a new player's address the way this version keeps addresses.
func (w *World) setAddress(tx *entity.Tx, id entity.ID, p PlayerSpec) error {
	sc := w.sc
	if sc.writesAddress() {
		a := p.Address
		if a == "" {
			a = p.AddressParts.String()
		}
		if a == "" {
			return nil
		}
		return sc.address.Set(tx, id, a)
	}
	parts := p.AddressParts
	if parts.IsZero() {
		parts = parseAddress(p.Address)
	}
	return w.setParts(tx, id, parts)
}

// setParts stores the non-empty parts of an address.
func (w *World) setParts(tx *entity.Tx, id entity.ID, a AddressParts) error {
	var errs []error
	for _, f := range []struct {
		c *column.Column[string]
		v string
	}{{w.sc.street, a.Street}, {w.sc.number, a.Number}, {w.sc.postalCode, a.PostalCode}} {
		if f.v != "" {
			errs = append(errs, f.c.Set(tx, id, f.v))
		}
	}
	return errors.Join(errs...)
}

// AddressOf returns the address of player id as this version sees it: the string in version
// 1, the parts once migrated (the string until then) in version 2, the parts in version 3.
func (w *World) AddressOf(tx *entity.Tx, id entity.ID) (string, bool, error) {
	sc := w.sc
	if sc.street != nil {
		var a AddressParts
		var found bool
		for _, f := range []struct {
			c *column.Column[string]
			v *string
		}{{sc.street, &a.Street}, {sc.number, &a.Number}, {sc.postalCode, &a.PostalCode}} {
			v, ok, err := f.c.Get(tx, id)
			if err != nil {
				return "", false, err
			}
			*f.v, found = v, found || ok
		}
		if found || !sc.migrates() {
			return a.String(), found, nil
		}
	}
	return sc.address.Get(tx, id)
}

// dropItem creates an item lying on the ground, at a place derived from seed.
func (w *World) dropItem(tx *entity.Tx, seed uint64) (entity.ID, error) {
	id, err := w.sc.item.New(tx)
	if err != nil {
		return 0, err
	}
	r := splitmix(seed ^ uint64(id)<<32)
	at := Vec2{X: unit(r) * worldSize, Y: unit(splitmix(r)) * worldSize}
	err = errors.Join(
		w.sc.name.Set(tx, id, itemNames[uint64(id)%uint64(len(itemNames))]),
		w.sc.droppedAt.Set(tx, id, at),
	)
	return id, err
}

// splitmix is the SplitMix64 step: the arena's randomness is a function of IDs and tick
// numbers, so a world replays the same from the same requests, page counts included.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// unit maps r to [0, 1).
func unit(r uint64) float32 { return float32(r>>40) / (1 << 24) }

// wrap brings a coordinate back onto the plane and reports whether it had left it.
func wrap(c *float32) bool {
	switch {
	case *c < 0:
		*c += worldSize
		if *c >= worldSize { // -0.00001 + 1000 rounds to 1000
			*c = 0
		}
		return true
	case *c >= worldSize:
		*c -= worldSize
		return true
	}
	return false
}
