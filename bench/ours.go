package bench

import (
	"encoding/binary"
	"fmt"
	"iter"
	"math"
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

	// last holds the page counts of the last operation, for pages/op.
	last store.Stats
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

// Stats returns the page counts of the last operation.
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

// load bulk-loads the fixture, one message per tree so that no overlay holds more than one
// tree: every leaf but the last of each tree is full, as the physical minimums assume.
func (o *Ours) load() error {
	f := o.f
	n, g := uint64(f.N), uint64(f.G)
	var kindIDs [2]uint32
	err := o.db.Update(func(tx *entity.Tx) error {
		for i, k := range []string{"player", "guild"} {
			v, ok := tx.Var(k)
			if !ok {
				return fmt.Errorf("kind %s missing", k)
			}
			kindIDs[i] = v.ID
		}
		tx.StoreTx().Raw().SetRoot(entity.RootNextID, f.LastID()) // a bulk load hands out its IDs itself
		return nil
	})
	if err != nil {
		return err
	}
	steps := []struct {
		name string
		tree int
		src  iter.Seq2[[]byte, []byte]
	}{
		{"player", 0, idSeq(1, n, nil)},
		{"guild", 0, idSeq(n+1, n+g, nil)},
		{entity.VarKind, 0, idSeq(1, n+g, func(id uint64, v []byte) []byte {
			k := kindIDs[0]
			if id > n {
				k = kindIDs[1]
			}
			return binary.BigEndian.AppendUint32(v, k)
		})},
		{"position", 0, idSeq(1, n, func(id uint64, v []byte) []byte {
			return appendVec2(v, f.Pos[id-1])
		})},
		{"velocity", 0, func(yield func([]byte, []byte) bool) {
			var k [8]byte
			var v []byte
			for i := range f.N {
				if f.HasVel[i] {
					binary.BigEndian.PutUint64(k[:], uint64(i)+1)
					if !yield(k[:], appendVec2(v[:0], f.Vel[i])) {
						return
					}
				}
			}
		}},
		{"health", 0, idSeq(1, n, func(id uint64, v []byte) []byte {
			return appendInt32(v, f.Health[id-1])
		})},
		{"health", 1, healthIndex(f.Health)},
		{"name", 0, idSeq(1, n+g, func(id uint64, v []byte) []byte {
			if id > n {
				return append(v, GuildName(int(id-n-1))...)
			}
			return append(v, PlayerName(int(id-1))...)
		})},
		{"member_of", 0, func(yield func([]byte, []byte) bool) {
			k := make([]byte, 16)
			for i := range f.N {
				binary.BigEndian.PutUint64(k, f.PlayerID(i))
				binary.BigEndian.PutUint64(k[8:], f.GuildID(int(f.Guild[i])))
				if !yield(k, nil) {
					return
				}
			}
		}},
		{"member_of", 1, pairSeq(f.G, f.MemberOff, f.Members, func(gi int, p uint32) (uint64, uint64) {
			return f.GuildID(gi), uint64(p) + 1
		})},
		{"friend", 0, pairSeq(f.N, f.FriendOff, f.Friends, func(i int, j uint32) (uint64, uint64) {
			return uint64(i) + 1, uint64(j) + 1
		})},
		{"friend", 1, reversePairs(f)},
	}
	for _, s := range steps {
		err := o.db.Update(func(tx *entity.Tx) error {
			t, err := tx.VarTree(s.name, s.tree, true)
			if err != nil {
				return err
			}
			_, err = t.BulkLoad(s.src)
			return err
		})
		if err != nil {
			return fmt.Errorf("bulk load %s tree %d: %w", s.name, s.tree, err)
		}
	}
	return nil
}

// idSeq yields the 8-byte keys lo … hi with the values val makes (nil: empty values).
func idSeq(lo, hi uint64, val func(id uint64, v []byte) []byte) iter.Seq2[[]byte, []byte] {
	return func(yield func([]byte, []byte) bool) {
		var k [8]byte
		var v []byte
		for id := lo; id <= hi; id++ {
			binary.BigEndian.PutUint64(k[:], id)
			var vv []byte
			if val != nil {
				v = val(id, v[:0])
				vv = v
			}
			if !yield(k[:], vv) {
				return
			}
		}
	}
}

// pairSeq yields the 16-byte keys (a, b) of compressed rows: row i holds cols[off[i]:off[i+1]].
func pairSeq(rows int, off, cols []uint32, ids func(int, uint32) (uint64, uint64)) iter.Seq2[[]byte, []byte] {
	return func(yield func([]byte, []byte) bool) {
		k := make([]byte, 16)
		for i := range rows {
			for _, c := range cols[off[i]:off[i+1]] {
				a, b := ids(i, c)
				binary.BigEndian.PutUint64(k, a)
				binary.BigEndian.PutUint64(k[8:], b)
				if !yield(k, nil) {
					return
				}
			}
		}
	}
}

// reversePairs yields the friend relation's reverse keys (object, subject) in order.
func reversePairs(f *Fixture) iter.Seq2[[]byte, []byte] {
	return func(yield func([]byte, []byte) bool) {
		rev := make([]uint64, 0, len(f.Friends))
		for i := range f.N {
			for _, j := range f.FriendsOf(i) {
				rev = append(rev, uint64(j)<<32|uint64(i))
			}
		}
		slices.Sort(rev)
		k := make([]byte, 16)
		for _, e := range rev {
			binary.BigEndian.PutUint64(k, e>>32+1)
			binary.BigEndian.PutUint64(k[8:], e&(1<<32-1)+1)
			if !yield(k, nil) {
				return
			}
		}
	}
}

// healthIndex yields the health index keys (value, ID) in order.
func healthIndex(health []int32) iter.Seq2[[]byte, []byte] {
	return func(yield func([]byte, []byte) bool) {
		var byValue [100][]uint32
		for i, h := range health {
			byValue[h] = append(byValue[h], uint32(i))
		}
		k := make([]byte, 0, 12)
		for h, ids := range byValue {
			for _, i := range ids {
				k = binary.BigEndian.AppendUint64(appendInt32(k[:0], int32(h)), uint64(i)+1)
				if !yield(k, nil) {
					return
				}
			}
		}
	}
}

// appendInt32 appends the column encoding of an int32: big-endian with the sign bit flipped.
func appendInt32(b []byte, v int32) []byte {
	return binary.BigEndian.AppendUint32(b, uint32(v)^1<<31)
}

// appendFloat32 appends the column encoding of a float32: its bits big-endian, the sign bit
// set for a positive number and every bit flipped for a negative one; -0 is stored as +0.
func appendFloat32(b []byte, v float32) []byte {
	if v == 0 {
		v = 0
	}
	u := math.Float32bits(v)
	if u&(1<<31) != 0 {
		u = ^u
	} else {
		u |= 1 << 31
	}
	return binary.BigEndian.AppendUint32(b, u)
}

func appendVec2(b []byte, v Vec2) []byte { return appendFloat32(appendFloat32(b, v.X), v.Y) }

// ReadHealth implements PointReadWriter.
func (o *Ours) ReadHealth(id uint64) (h int32, err error) {
	o.last, err = o.db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
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
	o.last, err = o.db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
		for _, h := range o.w.health.All(tx) {
			sum += int64(h)
		}
		return nil
	})
	return sum, err
}

// Tick implements Ticker with column.Apply2, a merge join that updates positions in place.
func (o *Ours) Tick() (n int, err error) {
	o.shapeCache = nil
	o.last, err = o.db.UpdateWith(store.Budget{}, func(tx *entity.Tx) error {
		return column.Apply2(tx, o.w.pos, o.w.vel, func(_ entity.ID, p *Vec2, v Vec2) bool {
			n++
			p.X += v.X
			p.Y += v.Y
			return true
		})
	})
	return n, err
}

// Members implements Traverser: the subjects of member_of → guild, from the reverse tree.
func (o *Ours) Members(guild uint64) (n int, err error) {
	o.last, err = o.db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
		for range o.w.memberOf.Subjects(tx, entity.ID(guild)) {
			n++
		}
		return nil
	})
	return n, err
}

// FriendsOfFriends implements Traverser: the friend objects of a player as a bitmap, then
// the objects of that bitmap with forward-only probes.
func (o *Ours) FriendsOfFriends(player uint64) (n int, err error) {
	o.last, err = o.db.ViewWith(store.Budget{}, func(tx *entity.Tx) error {
		fr := o.w.friend.ObjectsBitmap(tx, entity.ID(player))
		n = int(o.w.friend.ObjectsOf(tx, fr).GetCardinality())
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
