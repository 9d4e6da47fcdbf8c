package bench

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
)

// agreeScale is the world the correctness tests load: small enough for go test -race.
const agreeScale = 1000

// positioner reads a player's position back, so that the tests can check the tick.
type positioner interface {
	Position(id uint64) (Vec2, error)
}

// loadAll loads every system with f.
func loadAll(t *testing.T, f *Fixture) []System {
	t.Helper()
	var out []System
	for _, o := range Openers {
		out = append(out, system(t, o.Name, f))
	}
	return out
}

// implementing returns the systems of ss that implement T.
func implementing[T any](ss []System) (names []string, out []T) {
	for _, s := range ss {
		if x, ok := s.(T); ok {
			names = append(names, s.Name())
			out = append(out, x)
		}
	}
	return names, out
}

// TestSystemsAgree runs every workload on every system over the same world, with the same
// arguments in the same order, and checks that they all give the answer the fixture says.
// It is what makes the benchmarks comparable: every system does the same work.
func TestSystemsAgree(t *testing.T) {
	f := NewFixture(agreeScale)
	all := loadAll(t, f)
	ops := NewOps(f, "agree")

	names, rw := implementing[PointReadWriter](all)
	require.Len(t, rw, 7)
	health := append([]int32(nil), f.Health...)
	for range 50 {
		i := ops.Player()
		for k, s := range rw {
			h, err := s.ReadHealth(f.PlayerID(i))
			require.NoError(t, err, names[k])
			assert.Equal(t, health[i], h, "%s: health of player %d", names[k], i+1)
		}
		i, h := ops.Player(), ops.Health()
		health[i] = h
		for k, s := range rw {
			require.NoError(t, s.WriteHealth(f.PlayerID(i), h), names[k])
		}
	}

	names, sc := implementing[Scanner](all)
	require.Len(t, sc, 7)
	var want int64
	for _, h := range health {
		want += int64(h)
	}
	for k, s := range sc {
		sum, err := s.SumHealth()
		require.NoError(t, err, names[k])
		assert.Equal(t, want, sum, names[k])
	}

	names, tk := implementing[Ticker](all)
	require.Len(t, tk, 7)
	moving := 0
	for _, v := range f.HasVel {
		if v {
			moving++
		}
	}
	for range 3 {
		for k, s := range tk {
			n, err := s.Tick()
			require.NoError(t, err, names[k])
			assert.Equal(t, moving, n, names[k])
		}
	}
	for range 20 {
		i := ops.Player()
		p := f.Pos[i]
		if f.HasVel[i] {
			p = Vec2{p.X + 3*f.Vel[i].X, p.Y + 3*f.Vel[i].Y}
		}
		for _, s := range all {
			got, err := s.(positioner).Position(f.PlayerID(i))
			require.NoError(t, err, s.Name())
			assert.Equal(t, p, got, "%s: position of player %d", s.Name(), i+1)
		}
	}

	names, tr := implementing[Traverser](all)
	require.Len(t, tr, 5)
	for range 20 {
		g, i := ops.Guild(), ops.Player()
		fof := map[uint32]bool{}
		for _, j := range f.FriendsOf(i) {
			for _, k := range f.FriendsOf(int(j)) {
				fof[k] = true
			}
		}
		for k, s := range tr {
			n, err := s.Members(f.GuildID(g))
			require.NoError(t, err, names[k])
			assert.Equal(t, len(f.MembersOf(g)), n, "%s: members of guild %d", names[k], g)
			n, err = s.FriendsOfFriends(f.PlayerID(i))
			require.NoError(t, err, names[k])
			assert.Equal(t, len(fof), n, "%s: friends of friends of player %d", names[k], i+1)
		}
	}

	names, qs := implementing[Querier](all)
	require.Len(t, qs, 5)
	for range 20 {
		g := ops.Guild()
		var want []Row
		for _, p := range f.MembersOf(g) {
			if h := health[p]; h >= QueryHealthLo && h <= QueryHealthHi {
				want = append(want, Row{ID: f.PlayerID(int(p)), Name: PlayerName(int(p)), Health: h})
			}
		}
		for k, s := range qs {
			rows, err := s.Query(f.GuildID(g), QueryHealthLo, QueryHealthHi)
			require.NoError(t, err, names[k])
			sortRows(rows)
			assert.Equal(t, want, rows, "%s: query for guild %d", names[k], g)
		}
	}

	// An upgrade keeps everything: the health written above and the positions moved.
	names, up := implementing[Upgrader](all)
	require.Len(t, up, 5)
	for k, s := range up {
		require.NoError(t, s.Shutdown(), names[k])
		require.NoError(t, s.Restart(), names[k])
		sum, err := s.(Scanner).SumHealth()
		require.NoError(t, err, names[k])
		var want int64
		for _, h := range health {
			want += int64(h)
		}
		assert.Equal(t, want, sum, "%s after an upgrade", names[k])
		i := ops.Player()
		p, err := s.(positioner).Position(f.PlayerID(i))
		require.NoError(t, err, names[k])
		if !f.HasVel[i] {
			assert.Equal(t, f.Pos[i], p, "%s after an upgrade", names[k])
		}
	}
}

// TestOursStoreIsSound checks the store that the bulk load builds: every tree and the
// allocator pass the store's integrity check, and the data model reads the fixture back.
func TestOursStoreIsSound(t *testing.T) {
	f := NewFixture(agreeScale)
	o, err := OpenOurs(f, t.TempDir())
	require.NoError(t, err)
	defer o.Close()
	require.NoError(t, o.db.View(func(tx *entity.Tx) error {
		require.NoError(t, tx.CheckStore())
		assert.Equal(t, entity.ID(f.LastID()), tx.LastID())
		assert.Equal(t, uint64(f.N), o.w.player.Count(tx))
		assert.Equal(t, uint64(f.G), o.w.guild.Count(tx))
		k, err := tx.KindOf(entity.ID(f.GuildID(0)))
		require.NoError(t, err)
		assert.Equal(t, "guild", k.Name())
		for i := range 10 {
			id := entity.ID(f.PlayerID(i))
			name, ok, err := o.w.name.Get(tx, id)
			require.NoError(t, err)
			assert.True(t, ok)
			assert.Equal(t, PlayerName(i), name)
			has, err := o.w.memberOf.Has(tx, id, entity.ID(f.GuildID(int(f.Guild[i]))))
			require.NoError(t, err)
			assert.True(t, has)
			assert.Equal(t, uint64(len(f.FriendsOf(i))), o.w.friend.OutDegree(tx, id))
			_, hasVel, err := o.w.vel.Get(tx, id)
			require.NoError(t, err)
			assert.Equal(t, f.HasVel[i], hasVel)
		}
		ids, err := o.w.health.Between(tx, QueryHealthLo, QueryHealthHi)
		require.NoError(t, err)
		n := 0
		for _, h := range f.Health {
			if h >= QueryHealthLo && h <= QueryHealthHi {
				n++
			}
		}
		assert.Equal(t, uint64(n), ids.GetCardinality())
		return nil
	}))
	// The bulk load writes a deleted-entity-free world that the data model can keep
	// changing: a new entity gets the next ID, and deleting a player removes its edges.
	require.NoError(t, o.db.Update(func(tx *entity.Tx) error {
		id, err := o.w.player.New(tx)
		require.NoError(t, err)
		assert.Equal(t, entity.ID(f.LastID()+1), id)
		require.NoError(t, tx.Delete(entity.ID(f.PlayerID(0))))
		return nil
	}))
	require.NoError(t, o.db.View(func(tx *entity.Tx) error { return tx.CheckStore() }))
}

// TestMinimumIsALowerBound checks that no operation of our store touches fewer pages than
// its physical minimum, which would mean the minimum is wrong. Page counts are exact, so
// this holds for every run.
func TestMinimumIsALowerBound(t *testing.T) {
	for _, n := range []int{agreeScale, 100_000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) { testMinimumIsALowerBound(t, n) })
	}
}

func testMinimumIsALowerBound(t *testing.T, n int) {
	f := NewFixture(n)
	o, err := OpenOurs(f, t.TempDir())
	require.NoError(t, err)
	defer o.Close()
	ops := NewOps(f, "minimum")
	must := func(m Minimum, err error) Minimum {
		t.Helper()
		require.NoError(t, err)
		return m
	}
	check := func(what string, m Minimum) {
		t.Helper()
		st := o.Stats()
		assert.GreaterOrEqual(t, st.PagesAccessed, m.Accessed, "%s: pages accessed %+v", what, st)
		assert.GreaterOrEqual(t, st.PagesDirtied, m.Dirtied, "%s: pages dirtied %+v", what, st)
	}

	_, err = o.ReadHealth(f.PlayerID(ops.Player()))
	require.NoError(t, err)
	m := must(o.MinPointRead())
	check("point read", m)
	assert.Equal(t, m.Accessed, o.Stats().PagesRead, "a point read touches exactly the tree's height")

	_, err = o.SumHealth()
	require.NoError(t, err)
	m = must(o.MinScan())
	check("scan", m)
	assert.Equal(t, m.Accessed, o.Stats().PagesRead, "a scan touches the leaves and one path")

	for range 50 {
		g := ops.Guild()
		_, err := o.Members(f.GuildID(g))
		require.NoError(t, err)
		check("members", must(o.MinMembers(g)))

		i := ops.Player()
		_, err = o.FriendsOfFriends(f.PlayerID(i))
		require.NoError(t, err)
		check("friends of friends", must(o.MinFriendsOfFriends(i)))

		rows, err := o.Query(f.GuildID(g), QueryHealthLo, QueryHealthHi)
		require.NoError(t, err)
		check("query", must(o.MinQuery(g, QueryHealthLo, QueryHealthHi, rows)))

		id, h := f.PlayerID(ops.Player()), ops.Health()
		m := must(o.MinPointWrite(id, h))
		require.NoError(t, o.WriteHealth(id, h))
		check("point write", m)
	}

	_, err = o.Tick()
	require.NoError(t, err)
	check("tick", must(o.MinTick()))
}

// TestShapesMatchTheTrees checks what the physical minimums assume of a bulk-loaded tree
// against the page meter, on trees of three levels.
func TestShapesMatchTheTrees(t *testing.T) {
	f := NewFixture(100_000)
	o, err := OpenOurs(f, t.TempDir())
	require.NoError(t, err)
	defer o.Close()
	sh, err := o.shapes()
	require.NoError(t, err)
	for _, s := range []shape{sh.friendFwd, sh.health, sh.player} {
		assert.Equal(t, (s.entries+s.leafCap-1)/s.leafCap, s.leaves, "every leaf but the last is full")
	}
	players := (uint64(f.N) + sh.name.leafCap - 1) / sh.name.leafCap
	assert.LessOrEqual(t, players, sh.name.leaves)
	assert.LessOrEqual(t, sh.name.leaves-players, uint64(f.G)/sh.name.leafCap+1, "the guilds' shorter names take fewer leaves")

	fr := sh.friendFwd
	require.Equal(t, 3, fr.height, "the friend tree should have a level of branches")
	require.Greater(t, len(fr.bounds[0]), 2)
	// Two lookups in leaves under one branch read one page more than one lookup; under two
	// branches, two more.
	first := func(x uint64) uint64 { return x * fr.leafCap }
	for i, b := range fr.bounds[0][1:] {
		prev := fr.bounds[0][i]
		one, err := o.pagesOf("friend", o.friendKey, first(prev))
		require.NoError(t, err)
		same, err := o.pagesOf("friend", o.friendKey, first(prev), first(b-1))
		require.NoError(t, err)
		apart, err := o.pagesOf("friend", o.friendKey, first(prev), first(b))
		require.NoError(t, err)
		if b-1 > prev {
			assert.Equal(t, one+1, same, "leaves %d and %d", prev, b-1)
		}
		assert.Equal(t, one+2, apart, "leaves %d and %d", prev, b)
	}
}

func TestRunCost(t *testing.T) {
	s := shape{height: 3, leafCap: 10, bounds: [][]uint64{{0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40}}}
	assert.Equal(t, uint64(0), runCost(s, nil))
	assert.Equal(t, uint64(3), runCost(s, []uint64{5}), "a lookup: the height")
	assert.Equal(t, uint64(2+3), runCost(s, []uint64{4, 5, 6}), "a run: one path, then the links")
	assert.Equal(t, uint64(2+2), runCost(s, []uint64{4, 6}), "a gap of one leaf under one branch: descend for free")
	assert.Equal(t, uint64(2+3), runCost(s, []uint64{3, 5}), "a gap of one leaf across branches: walk it")
	assert.Equal(t, uint64(2+2+1), runCost(s, []uint64{0, 40}), "far apart: a second branch")
}
