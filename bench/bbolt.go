package bench

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"

	bolt "go.etcd.io/bbolt"
)

// BoltLayout says how a Bolt system keeps the attributes of an entity.
type BoltLayout int

const (
	// BoltRow keeps a row per entity: one bucket, ID → every attribute encoded together,
	// so reading one attribute decodes the row and writing it rewrites the row.
	BoltRow BoltLayout = iota
	// BoltCol keeps a bucket per attribute, ID → value: the same shape as our columns.
	BoltCol
)

// The buckets of a Bolt system. Keys are 8-byte big-endian IDs, or pairs of them.
//
//	row layout   player     ID → row (see rowOff*)
//	             guild      ID → name
//	col layout   position   ID → X, Y float32 little-endian
//	             velocity   ID → DX, DY (players that have one)
//	             health     ID → int32 little-endian
//	             name       ID → name (players and guilds)
//	             member_of  player → guild
//	both         health_idx health (sign-flipped big-endian int32) ++ ID → ∅
//	             members    guild ++ player → ∅
//	             friend     player ++ friend → ∅
var (
	bPlayer    = []byte("player")
	bGuild     = []byte("guild")
	bPosition  = []byte("position")
	bVelocity  = []byte("velocity")
	bHealth    = []byte("health")
	bName      = []byte("name")
	bMemberOf  = []byte("member_of")
	bHealthIdx = []byte("health_idx")
	bMembers   = []byte("members")
	bFriend    = []byte("friend")
)

// The row of a player in the row layout.
const (
	rowOffPos    = 0  // X, Y float32
	rowOffVel    = 8  // DX, DY float32
	rowOffHasVel = 16 // 1 if the player has a velocity
	rowOffHealth = 17 // int32
	rowOffGuild  = 21 // uint64
	rowOffName   = 29 // name length (1 byte), then the name
)

// BoltOptions are the options of every Bolt system: NoSync, as our store runs with NoSync
// and SQLite with synchronous=OFF, and the hashmap freelist that bbolt recommends for
// large files.
var BoltOptions = bolt.Options{NoSync: true, NoGrowSync: true, FreelistType: bolt.FreelistMapType}

// Bolt is the world in go.etcd.io/bbolt, in one of two layouts. Each operation is one
// bbolt transaction.
type Bolt struct {
	f      *Fixture
	layout BoltLayout
	path   string
	db     *bolt.DB
}

// OpenBolt creates a bbolt file in dir and loads f into it in the given layout.
func OpenBolt(f *Fixture, dir string, layout BoltLayout) (*Bolt, error) {
	b := &Bolt{f: f, layout: layout, path: filePath(dir, "world.bolt")}
	if err := b.Restart(); err != nil {
		return nil, err
	}
	if err := b.load(); err != nil {
		b.Close()
		return nil, err
	}
	return b, nil
}

// Name implements System.
func (b *Bolt) Name() string {
	if b.layout == BoltRow {
		return "bbolt-row"
	}
	return "bbolt-col"
}

// Close implements System.
func (b *Bolt) Close() error {
	if b.db == nil {
		return nil
	}
	err := b.db.Close()
	b.db = nil
	return err
}

// Shutdown implements Upgrader: the old code closes the file.
func (b *Bolt) Shutdown() error { return b.Close() }

// Restart implements Upgrader: the new code opens the file.
func (b *Bolt) Restart() error {
	db, err := bolt.Open(b.path, 0o600, &BoltOptions)
	if err != nil {
		return err
	}
	b.db = db
	return nil
}

func key8(id uint64) []byte { return binary.BigEndian.AppendUint64(make([]byte, 0, 8), id) }

func key16(a, c uint64) []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(make([]byte, 0, 16), a), c)
}

func healthKey(h int32, id uint64) []byte {
	return binary.BigEndian.AppendUint64(appendInt32(make([]byte, 0, 12), h), id)
}

func appendVec2LE(b []byte, v Vec2) []byte {
	b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v.X))
	return binary.LittleEndian.AppendUint32(b, math.Float32bits(v.Y))
}

func vec2LE(b []byte) Vec2 {
	return Vec2{math.Float32frombits(binary.LittleEndian.Uint32(b)), math.Float32frombits(binary.LittleEndian.Uint32(b[4:]))}
}

// row encodes the row of player index i.
func (b *Bolt) row(i int) []byte {
	f := b.f
	name := PlayerName(i)
	r := make([]byte, 0, rowOffName+1+len(name))
	r = appendVec2LE(r, f.Pos[i])
	r = appendVec2LE(r, f.Vel[i])
	if f.HasVel[i] {
		r = append(r, 1)
	} else {
		r = append(r, 0)
	}
	r = binary.LittleEndian.AppendUint32(r, uint32(f.Health[i]))
	r = binary.LittleEndian.AppendUint64(r, f.GuildID(int(f.Guild[i])))
	r = append(r, byte(len(name)))
	return append(r, name...)
}

// load fills the buckets in ascending key order, batch by batch, with leaves packed full
// (FillPercent 1), the way to bulk-load bbolt.
func (b *Bolt) load() error {
	f := b.f
	type kv struct{ k, v []byte }
	fill := func(bucket []byte, n int, gen func(i int) kv) error {
		const batch = 100_000
		for lo := 0; lo < n; lo += batch {
			err := b.db.Update(func(tx *bolt.Tx) error {
				bk, err := tx.CreateBucketIfNotExists(bucket)
				if err != nil {
					return err
				}
				bk.FillPercent = 1
				for i := lo; i < min(n, lo+batch); i++ {
					e := gen(i)
					if e.k == nil {
						continue
					}
					if err := bk.Put(e.k, e.v); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("load bucket %s: %w", bucket, err)
			}
		}
		return nil
	}
	var idx [][]byte
	for i, h := range f.Health {
		idx = append(idx, healthKey(h, f.PlayerID(i)))
	}
	slices.SortFunc(idx, bytes.Compare)
	var steps []error
	if b.layout == BoltRow {
		steps = append(steps,
			fill(bPlayer, f.N, func(i int) kv { return kv{key8(f.PlayerID(i)), b.row(i)} }),
			fill(bGuild, f.G, func(g int) kv { return kv{key8(f.GuildID(g)), []byte(GuildName(g))} }),
		)
	} else {
		steps = append(steps,
			fill(bPosition, f.N, func(i int) kv { return kv{key8(f.PlayerID(i)), appendVec2LE(nil, f.Pos[i])} }),
			fill(bVelocity, f.N, func(i int) kv {
				if !f.HasVel[i] {
					return kv{}
				}
				return kv{key8(f.PlayerID(i)), appendVec2LE(nil, f.Vel[i])}
			}),
			fill(bHealth, f.N, func(i int) kv {
				return kv{key8(f.PlayerID(i)), binary.LittleEndian.AppendUint32(nil, uint32(f.Health[i]))}
			}),
			fill(bName, f.N+f.G, func(i int) kv {
				if i >= f.N {
					return kv{key8(f.GuildID(i - f.N)), []byte(GuildName(i - f.N))}
				}
				return kv{key8(f.PlayerID(i)), []byte(PlayerName(i))}
			}),
			fill(bMemberOf, f.N, func(i int) kv { return kv{key8(f.PlayerID(i)), key8(f.GuildID(int(f.Guild[i])))} }),
		)
	}
	steps = append(steps,
		fill(bHealthIdx, f.N, func(i int) kv { return kv{idx[i], nil} }),
		fill(bMembers, f.N, func(i int) kv {
			return kv{key16(f.GuildID(guildOfMemberSlot(f, i)), f.PlayerID(int(f.Members[i]))), nil}
		}),
		fill(bFriend, len(f.Friends), func(e int) kv {
			return kv{key16(f.PlayerID(friendSubject(f, e)), f.PlayerID(int(f.Friends[e]))), nil}
		}),
	)
	return errors.Join(steps...)
}

// guildOfMemberSlot returns the guild index whose member list holds slot s of f.Members.
func guildOfMemberSlot(f *Fixture, s int) int {
	return searchOff(f.MemberOff, s)
}

// friendSubject returns the player index whose friend list holds slot e of f.Friends.
func friendSubject(f *Fixture, e int) int {
	return searchOff(f.FriendOff, e)
}

// searchOff returns the row of compressed-row offsets off that holds slot s.
func searchOff(off []uint32, s int) int {
	lo, hi := 0, len(off)-1 // off[lo] ≤ s < off[hi]
	for hi-lo > 1 {
		m := (lo + hi) / 2
		if int(off[m]) <= s {
			lo = m
		} else {
			hi = m
		}
	}
	return lo
}

// ReadHealth implements PointReadWriter.
func (b *Bolt) ReadHealth(id uint64) (h int32, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		h, err = b.health(tx, key8(id))
		return err
	})
	return h, err
}

func (b *Bolt) health(tx *bolt.Tx, k []byte) (int32, error) {
	if b.layout == BoltRow {
		r := tx.Bucket(bPlayer).Get(k)
		if r == nil {
			return 0, fmt.Errorf("no player %x", k)
		}
		return int32(binary.LittleEndian.Uint32(r[rowOffHealth:])), nil
	}
	v := tx.Bucket(bHealth).Get(k)
	if v == nil {
		return 0, fmt.Errorf("no player %x", k)
	}
	return int32(binary.LittleEndian.Uint32(v)), nil
}

// WriteHealth implements PointReadWriter, keeping health_idx in step.
func (b *Bolt) WriteHealth(id uint64, h int32) error {
	return b.db.Update(func(tx *bolt.Tx) error {
		k := key8(id)
		old, err := b.health(tx, k)
		if err != nil {
			return err
		}
		if b.layout == BoltRow {
			bk := tx.Bucket(bPlayer)
			r := bytes.Clone(bk.Get(k))
			binary.LittleEndian.PutUint32(r[rowOffHealth:], uint32(h))
			err = bk.Put(k, r)
		} else {
			err = tx.Bucket(bHealth).Put(k, binary.LittleEndian.AppendUint32(nil, uint32(h)))
		}
		if err != nil {
			return err
		}
		idx := tx.Bucket(bHealthIdx)
		if err := idx.Delete(healthKey(old, id)); err != nil {
			return err
		}
		return idx.Put(healthKey(h, id), nil)
	})
}

// SumHealth implements Scanner with a cursor over the player rows or the health bucket.
func (b *Bolt) SumHealth() (sum int64, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		if b.layout == BoltRow {
			c := tx.Bucket(bPlayer).Cursor()
			for k, r := c.First(); k != nil; k, r = c.Next() {
				sum += int64(int32(binary.LittleEndian.Uint32(r[rowOffHealth:])))
			}
			return nil
		}
		c := tx.Bucket(bHealth).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			sum += int64(int32(binary.LittleEndian.Uint32(v)))
		}
		return nil
	})
	return sum, err
}

// Tick implements Ticker. bbolt cannot change a value in place while a cursor walks the
// bucket, so the tick reads every row (or merge-joins position with velocity), then puts
// the new values back in key order.
func (b *Bolt) Tick() (n int, err error) {
	err = b.db.Update(func(tx *bolt.Tx) error {
		type kv struct{ k, v []byte }
		var out []kv
		if b.layout == BoltRow {
			bk := tx.Bucket(bPlayer)
			c := bk.Cursor()
			for k, r := c.First(); k != nil; k, r = c.Next() {
				if r[rowOffHasVel] == 0 {
					continue
				}
				p, v := vec2LE(r[rowOffPos:]), vec2LE(r[rowOffVel:])
				nr := bytes.Clone(r)
				appendVec2LE(nr[:rowOffPos], Vec2{p.X + v.X, p.Y + v.Y})
				out = append(out, kv{bytes.Clone(k), nr})
			}
			for _, e := range out {
				if err := bk.Put(e.k, e.v); err != nil {
					return err
				}
			}
			n = len(out)
			return nil
		}
		pb := tx.Bucket(bPosition)
		cp, cv := pb.Cursor(), tx.Bucket(bVelocity).Cursor()
		kp, vp := cp.First()
		kv2, vv := cv.First()
		for kp != nil && kv2 != nil {
			switch c := bytes.Compare(kp, kv2); {
			case c < 0:
				kp, vp = cp.Seek(kv2)
			case c > 0:
				kv2, vv = cv.Seek(kp)
			default:
				p, v := vec2LE(vp), vec2LE(vv)
				out = append(out, kv{bytes.Clone(kp), appendVec2LE(nil, Vec2{p.X + v.X, p.Y + v.Y})})
				kp, vp = cp.Next()
				kv2, vv = cv.Next()
			}
		}
		for _, e := range out {
			if err := pb.Put(e.k, e.v); err != nil {
				return err
			}
		}
		n = len(out)
		return nil
	})
	return n, err
}

// Members implements Traverser with a prefix scan of the members bucket.
func (b *Bolt) Members(guild uint64) (n int, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		for range prefix(tx.Bucket(bMembers), key8(guild)) {
			n++
		}
		return nil
	})
	return n, err
}

// prefix iterates over the second IDs of the 16-byte keys that start with p.
func prefix(bk *bolt.Bucket, p []byte) func(func(uint64) bool) {
	return func(yield func(uint64) bool) {
		c := bk.Cursor()
		for k, _ := c.Seek(p); k != nil && bytes.HasPrefix(k, p); k, _ = c.Next() {
			if !yield(binary.BigEndian.Uint64(k[8:])) {
				return
			}
		}
	}
}

// FriendsOfFriends implements Traverser: a prefix scan for the player's friends, then one
// per friend, the results deduplicated in a map.
func (b *Bolt) FriendsOfFriends(player uint64) (n int, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		bk := tx.Bucket(bFriend)
		var fr []uint64
		for f := range prefix(bk, key8(player)) {
			fr = append(fr, f)
		}
		seen := make(map[uint64]struct{}, len(fr)*FriendsPerPlayer)
		for _, f := range fr {
			for g := range prefix(bk, key8(f)) {
				seen[g] = struct{}{}
			}
		}
		n = len(seen)
		return nil
	})
	return n, err
}

// Query implements Querier by hand, with the plan a planner would pick: the guild's members
// from the members bucket, then each member's health and name.
func (b *Bolt) Query(guild uint64, lo, hi int32) (rows []Row, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		var players, names, healths *bolt.Bucket
		if b.layout == BoltRow {
			players = tx.Bucket(bPlayer)
		} else {
			names, healths = tx.Bucket(bName), tx.Bucket(bHealth)
		}
		for p := range prefix(tx.Bucket(bMembers), key8(guild)) {
			k := key8(p)
			if b.layout == BoltRow {
				r := players.Get(k)
				h := int32(binary.LittleEndian.Uint32(r[rowOffHealth:]))
				if h >= lo && h <= hi {
					rows = append(rows, Row{ID: p, Name: string(r[rowOffName+1 : rowOffName+1+int(r[rowOffName])]), Health: h})
				}
				continue
			}
			h := int32(binary.LittleEndian.Uint32(healths.Get(k)))
			if h >= lo && h <= hi {
				rows = append(rows, Row{ID: p, Name: string(names.Get(k)), Health: h})
			}
		}
		return nil
	})
	return rows, err
}

// Position returns a player's position, for the tests that compare systems.
func (b *Bolt) Position(id uint64) (p Vec2, err error) {
	err = b.db.View(func(tx *bolt.Tx) error {
		if b.layout == BoltRow {
			p = vec2LE(tx.Bucket(bPlayer).Get(key8(id))[rowOffPos:])
		} else {
			p = vec2LE(tx.Bucket(bPosition).Get(key8(id)))
		}
		return nil
	})
	return p, err
}
