package bench

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/query"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

// Ours is the world in a stablegraph store: a file-backed store.Open with NoSync (a commit
// is written to the redo log without fsync; its pages are applied once 4 MiB of them have
// gathered, after one), the data model on top, each
// operation one message (View or Update). It implements every workload.
//
// The world's variables:
//
//	player, guild   kinds
//	position        column Vec2 (struct{X float32; Y float32})
//	velocity        column Vec2
//	health          column int32, indexed
//	name            column string(32), players and guilds
//	member_of       verb, many-to-one, player → guild
//	friend          verb, many-to-many, player → player
type Ours struct {
	f    *Fixture
	path string
	st   *store.Store
	db   *entity.DB
	w    *ourSchema

	plans map[[3]int64]*query.Plan
	// shapeCache holds the shapes of the trees for the physical minimums until a write;
	// nameLeafCap and bounds, measured, hold for good.
	shapeCache  *shapes
	nameLeafCap uint64
	bounds      map[string][][]uint64

	// last holds the page counts of the last operation, for pages/op. A read reuses its
	// ByOwner map.
	last store.Stats
	// friends and fof hold the two hops of the last FriendsOfFriends, reused by the next.
	friends, fof []entity.ID
}

// ourSchema is what the program declares; each open (an upgrade's new code too) declares it
// anew.
type ourSchema struct {
	s                *entity.Schema
	player, guild    *entity.Kind
	pos, vel         *column.Column[Vec2]
	health           *column.Column[int32]
	name             *column.Column[string]
	memberOf, friend *verb.Verb
}

func declare() *ourSchema {
	s := entity.NewSchema()
	return &ourSchema{
		s:        s,
		player:   s.Kind("player"),
		guild:    s.Kind("guild"),
		pos:      column.Define[Vec2](s, "position"),
		vel:      column.Define[Vec2](s, "velocity"),
		health:   column.Define[int32](s, "health", column.Indexed()),
		name:     column.Define[string](s, "name", column.MaxLen(MaxName)),
		memberOf: verb.Define(s, "member_of", verb.ManyToOne()),
		friend:   verb.Define(s, "friend"),
	}
}

// OursOptions are the store options of every Ours: NoSync, as bbolt runs with NoSync and
// SQLite with synchronous=OFF.
var OursOptions = store.Options{NoSync: true}

// OpenOurs creates a store in dir and bulk-loads f into it.
func OpenOurs(f *Fixture, dir string) (*Ours, error) {
	o := &Ours{f: f, path: filePath(dir, "world.sg")}
	if err := o.Restart(); err != nil {
		return nil, err
	}
	if err := o.load(); err != nil {
		o.Close()
		return nil, err
	}
	return o, nil
}

// Name implements System.
func (o *Ours) Name() string { return "ours" }

// DB returns the data-model handle.
func (o *Ours) DB() *entity.DB { return o.db }

// Stats returns the page counts of the last operation. Its ByOwner map is valid until the
// next operation.
func (o *Ours) Stats() store.Stats { return o.last }

// Close implements System.
func (o *Ours) Close() error {
	if o.st == nil {
		return nil
	}
	err := o.st.Close()
	o.st, o.db = nil, nil
	return err
}

// Shutdown implements Upgrader: the old code closes the store, which checkpoints its log
// (and so syncs the data file, NoSync or not).
func (o *Ours) Shutdown() error { return o.Close() }

// Restart implements Upgrader: the new code opens the store and declares its schema.
func (o *Ours) Restart() error {
	st, err := store.Open(o.path, &OursOptions)
	if err != nil {
		return err
	}
	w := declare()
	db, err := entity.Open(st, w.s, nil)
	if err != nil {
		st.Close()
		return err
	}
	o.st, o.db, o.w, o.plans, o.shapeCache = st, db, w, nil, nil
	return nil
}

// load bulk-loads the fixture through the data model's bulk writes (Kind.NewN,
// Column.WriteSorted, Verb.LinkSorted), one message per step so that no overlay holds
// more than a tree or two: every leaf but the last of each tree is full, as the physical
// minimums assume.
func (o *Ours) load() error {
	f, w := o.f, o.w
	players := make([]entity.ID, f.N)
	for i := range players {
		players[i] = entity.ID(f.PlayerID(i))
	}
	all := make([]entity.ID, f.N+f.G)
	names := make([]string, f.N+f.G)
	for i := range all {
		all[i] = entity.ID(i + 1)
		if i < f.N {
			names[i] = PlayerName(i)
		} else {
			names[i] = GuildName(i - f.N)
		}
	}
	var velIDs []entity.ID
	var vels []Vec2
	for i := range f.N {
		if f.HasVel[i] {
			velIDs, vels = append(velIDs, players[i]), append(vels, f.Vel[i])
		}
	}
	memberOf := make([]verb.Edge, f.N)
	for i := range f.N {
		memberOf[i] = verb.Edge{S: players[i], O: entity.ID(f.GuildID(int(f.Guild[i])))}
	}
	friends := make([]verb.Edge, 0, len(f.Friends))
	for i := range f.N {
		for _, j := range f.FriendsOf(i) {
			friends = append(friends, verb.Edge{S: players[i], O: entity.ID(f.PlayerID(int(j)))})
		}
	}
	wrote := func(_ int, err error) error { return err }
	steps := []struct {
		name string
		fn   func(tx *entity.Tx) error
	}{
		{"entities", func(tx *entity.Tx) error {
			first, err := w.player.NewN(tx, f.N)
			if err != nil {
				return err
			}
			if first != 1 {
				return fmt.Errorf("the world must be loaded into an empty store: first ID %d", first)
			}
			_, err = w.guild.NewN(tx, f.G)
			return err
		}},
		{"position", func(tx *entity.Tx) error { return wrote(w.pos.WriteSorted(tx, players, f.Pos)) }},
		{"velocity", func(tx *entity.Tx) error { return wrote(w.vel.WriteSorted(tx, velIDs, vels)) }},
		{"health", func(tx *entity.Tx) error { return wrote(w.health.WriteSorted(tx, players, f.Health)) }},
		{"name", func(tx *entity.Tx) error { return wrote(w.name.WriteSorted(tx, all, names)) }},
		{"member_of", func(tx *entity.Tx) error { return wrote(w.memberOf.LinkSorted(tx, memberOf)) }},
		{"friend", func(tx *entity.Tx) error { return wrote(w.friend.LinkSorted(tx, friends)) }},
	}
	for _, s := range steps {
		if err := o.db.Update(s.fn); err != nil {
			return fmt.Errorf("bulk load %s: %w", s.name, err)
		}
	}
	return nil
}

// appendInt32 appends the column encoding of an int32: big-endian with the sign bit flipped.
func appendInt32(b []byte, v int32) []byte {
	return binary.BigEndian.AppendUint32(b, uint32(v)^1<<31)
}

// ReadHealth implements PointReadWriter.
func (o *Ours) ReadHealth(id uint64) (h int32, err error) {
	err = o.db.ViewStats(store.Budget{}, &o.last, func(tx *entity.Tx) error {
		var ok bool
		var err error
		h, ok, err = o.w.health.Get(tx, entity.ID(id))
		if err == nil && !ok {
			err = fmt.Errorf("player %d has no health", id)
		}
		return err
	})
	return h, err
}

// WriteHealth implements PointReadWriter.
func (o *Ours) WriteHealth(id uint64, h int32) (err error) {
	o.shapeCache = nil
	o.last, err = o.db.UpdateWith(store.Budget{}, func(tx *entity.Tx) error {
		return o.w.health.Set(tx, entity.ID(id), h)
	})
	return err
}

// SumHealth implements Scanner.
func (o *Ours) SumHealth() (sum int64, err error) {
	err = o.db.ViewStats(store.Budget{}, &o.last, func(tx *entity.Tx) error {
		for _, h := range o.w.health.All(tx) {
			sum += int64(h)
		}
		return nil
	})
	return sum, err
}

// Tick implements Ticker with column.ApplyRuns2, a merge join that updates positions in
// place, a run of entities (what a leaf of each column holds in common) per call.
func (o *Ours) Tick() (n int, err error) {
	o.shapeCache = nil
	o.last, err = o.db.UpdateWith(store.Budget{}, func(tx *entity.Tx) error {
		return column.ApplyRuns2(tx, o.w.pos, o.w.vel, func(_ []entity.ID, ps []Vec2, vs []Vec2) {
			n += len(ps)
			for i := range ps {
				ps[i].X += vs[i].X
				ps[i].Y += vs[i].Y
			}
		})
	})
	return n, err
}

// Members implements Traverser: the subjects of member_of → guild, from the reverse tree.
func (o *Ours) Members(guild uint64) (n int, err error) {
	err = o.db.ViewStats(store.Budget{}, &o.last, func(tx *entity.Tx) error {
		for range o.w.memberOf.Subjects(tx, entity.ID(guild)) {
			n++
		}
		return nil
	})
	return n, err
}

// FriendsOfFriends implements Traverser: the friend objects of a player, then the distinct
// objects of those with forward-only probes, each set a slice reused from call to call (a
// few dozen IDs; a bitmap would cost a container per 2^16 IDs they span).
func (o *Ours) FriendsOfFriends(player uint64) (n int, err error) {
	err = o.db.ViewStats(store.Budget{}, &o.last, func(tx *entity.Tx) error {
		o.friends = slices.AppendSeq(o.friends[:0], o.w.friend.Objects(tx, entity.ID(player)))
		o.fof = o.w.friend.AppendObjectsOf(tx, o.fof[:0], o.friends)
		n = len(o.fof)
		return nil
	})
	return n, err
}

// QueryText returns workload 5 in the query language.
func QueryText(guild uint64, lo, hi int32) string {
	return fmt.Sprintf("FIND player WHERE health BETWEEN %d AND %d AND member_of -> guild/%d SELECT name, health", lo, hi, guild)
}

// Prepare plans the query for one guild ahead of time, as SQLite prepares a statement.
func (o *Ours) Prepare(guild uint64, lo, hi int32) (*query.Plan, error) {
	key := [3]int64{int64(guild), int64(lo), int64(hi)}
	if p, ok := o.plans[key]; ok {
		return p, nil
	}
	q, err := query.Parse(QueryText(guild, lo, hi))
	if err != nil {
		return nil, err
	}
	p, err := query.Prepare(o.db, q)
	if err != nil {
		return nil, err
	}
	if o.plans == nil {
		o.plans = map[[3]int64]*query.Plan{}
	}
	o.plans[key] = p
	return p, nil
}

// Query implements Querier with the query executor, from a plan Prepare made (or makes now).
func (o *Ours) Query(guild uint64, lo, hi int32) ([]Row, error) {
	p, err := o.Prepare(guild, lo, hi)
	if err != nil {
		return nil, err
	}
	res, err := p.Run(query.RunOptions{})
	if err != nil {
		return nil, err
	}
	o.last = store.Stats{PagesRead: res.Stats.PagesRead, PagesAccessed: res.Stats.PagesRead, ByOwner: map[string]store.OwnerStats{}}
	for v, n := range res.Stats.ByVariable {
		o.last.ByOwner[v] = store.OwnerStats{PagesRead: n}
	}
	rows := make([]Row, len(res.Rows))
	for i, r := range res.Rows {
		name, _ := r[1].(string)
		h, _ := r[2].(int64)
		rows[i] = Row{ID: uint64(res.IDs[i]), Name: name, Health: int32(h)}
	}
	return rows, nil
}

// Position returns a player's position, for the tests that compare systems.
func (o *Ours) Position(id uint64) (p Vec2, err error) {
	err = o.db.View(func(tx *entity.Tx) error {
		p, _, err = o.w.pos.Get(tx, entity.ID(id))
		return err
	})
	return p, err
}
