package bench

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
)

// The world every system is loaded with, generated once per scale from fixed seeds so that
// each system holds the same data and answers the same operations:
//
//	player   IDs 1 … N        position {X,Y float32}, velocity {DX,DY float32} (three in four
//	                          players, chosen at random), health int32 in [0, 100), name
//	guild    IDs N+1 … N+G    name; G = N/100, so a guild has about 100 members
//	member_of  player → guild, exactly one per player (many-to-one)
//	friend     player → player, FriendsPerPlayer distinct others per player (directed)
//
// IDs are numbered as the entity layer hands them out, players first, so the same uint64
// names the same entity in every system.

// FriendsPerPlayer is the out-degree of the friend relation.
const FriendsPerPlayer = 5

// MembersPerGuild is the average guild size: a world of N players has N/MembersPerGuild guilds.
const MembersPerGuild = 100

// MaxName bounds the length of a name in bytes.
const MaxName = 32

// Query range: workload 5 asks for the members of one guild whose health is in
// [QueryHealthLo, QueryHealthHi], about a fifth of them.
const (
	QueryHealthLo = 20
	QueryHealthHi = 39
)

// Vec2 is a position or a velocity. Its layout (two float32s, no padding) is the same in
// every system that stores it as a fixed-size value.
type Vec2 struct {
	X, Y float32
}

// Fixture is the generated world at one scale. It is read-only once built: the systems copy
// what they need, and their writes never reach it.
type Fixture struct {
	N int // players: IDs 1 … N
	G int // guilds: IDs N+1 … N+G

	Pos    []Vec2  // by player index (ID-1)
	Vel    []Vec2  // by player index; meaningful where HasVel
	HasVel []bool  // by player index
	Health []int32 // by player index
	Guild  []int32 // guild index (0 … G-1) by player index

	// FriendOff and Friends hold the friend relation as compressed rows: the friends of
	// player index i are Friends[FriendOff[i]:FriendOff[i+1]], as player indexes in
	// ascending order.
	FriendOff []uint32
	Friends   []uint32

	// MemberOff and Members hold member_of inverted: the members of guild index g are
	// Members[MemberOff[g]:MemberOff[g+1]], as player indexes in ascending order.
	MemberOff []uint32
	Members   []uint32
}

// PlayerID returns the ID of player index i.
func (f *Fixture) PlayerID(i int) uint64 { return uint64(i) + 1 }

// GuildID returns the ID of guild index g.
func (f *Fixture) GuildID(g int) uint64 { return uint64(f.N) + 1 + uint64(g) }

// LastID returns the largest ID in the world.
func (f *Fixture) LastID() uint64 { return uint64(f.N + f.G) }

// PlayerName returns the name of player index i.
func PlayerName(i int) string { return fmt.Sprintf("player-%08d", i+1) }

// GuildName returns the name of guild index g.
func GuildName(g int) string { return fmt.Sprintf("guild-%05d", g+1) }

// FriendsOf returns the friends of player index i as player indexes, ascending.
func (f *Fixture) FriendsOf(i int) []uint32 { return f.Friends[f.FriendOff[i]:f.FriendOff[i+1]] }

// MembersOf returns the members of guild index g as player indexes, ascending.
func (f *Fixture) MembersOf(g int) []uint32 { return f.Members[f.MemberOff[g]:f.MemberOff[g+1]] }

var (
	fixturesMu sync.Mutex
	fixtures   = map[int]*Fixture{}
)

// NewFixture returns the world with n players, generating it on first use and sharing it
// afterwards: every system of one process is loaded from the same Fixture.
func NewFixture(n int) *Fixture {
	fixturesMu.Lock()
	defer fixturesMu.Unlock()
	if f, ok := fixtures[n]; ok {
		return f
	}
	f := generate(n)
	fixtures[n] = f
	return f
}

// generate builds the world with n players from fixed seeds.
func generate(n int) *Fixture {
	if n < 2 {
		panic("bench: a world needs at least two players")
	}
	r := rand.New(rand.NewPCG(0x5ab1e, uint64(n)))
	g := max(1, n/MembersPerGuild)
	f := &Fixture{
		N: n, G: g,
		Pos:       make([]Vec2, n),
		Vel:       make([]Vec2, n),
		HasVel:    make([]bool, n),
		Health:    make([]int32, n),
		Guild:     make([]int32, n),
		FriendOff: make([]uint32, n+1),
		Friends:   make([]uint32, 0, n*FriendsPerPlayer),
		MemberOff: make([]uint32, g+1),
		Members:   make([]uint32, n),
	}
	for i := range n {
		f.Pos[i] = Vec2{float32(r.IntN(1 << 16)), float32(r.IntN(1 << 16))}
		if r.IntN(4) != 0 {
			f.HasVel[i] = true
			f.Vel[i] = Vec2{float32(r.IntN(9)-4) / 4, float32(r.IntN(9)-4) / 4}
		}
		f.Health[i] = int32(r.IntN(100))
		f.Guild[i] = int32(r.IntN(g))
	}
	deg := min(FriendsPerPlayer, n-1)
	var fr []uint32
	for i := range n {
		fr = fr[:0]
		for len(fr) < deg {
			j := uint32(r.IntN(n))
			if int(j) != i && !slices.Contains(fr, j) {
				fr = append(fr, j)
			}
		}
		slices.Sort(fr)
		f.Friends = append(f.Friends, fr...)
		f.FriendOff[i+1] = uint32(len(f.Friends))
	}
	// Counting sort of players by guild keeps each guild's members in ID order.
	for i := range n {
		f.MemberOff[f.Guild[i]+1]++
	}
	for k := 1; k <= g; k++ {
		f.MemberOff[k] += f.MemberOff[k-1]
	}
	next := slices.Clone(f.MemberOff[:g])
	for i := range n {
		gi := f.Guild[i]
		f.Members[next[gi]] = uint32(i)
		next[gi]++
	}
	return f
}

// Ops generates the arguments of the operations a benchmark runs: player and guild indexes
// and health values, from a fixed seed per workload so that every system gets the same
// sequence.
type Ops struct {
	f *Fixture
	r *rand.Rand
}

// NewOps returns the operation generator for workload name over f.
func NewOps(f *Fixture, name string) *Ops {
	var seed uint64
	for _, c := range name {
		seed = seed*31 + uint64(c)
	}
	return &Ops{f: f, r: rand.New(rand.NewPCG(seed, uint64(f.N)))}
}

// Player returns a random player index.
func (o *Ops) Player() int { return o.r.IntN(o.f.N) }

// Guild returns a random guild index.
func (o *Ops) Guild() int { return o.r.IntN(o.f.G) }

// Health returns a random health value.
func (o *Ops) Health() int32 { return int32(o.r.IntN(100)) }
