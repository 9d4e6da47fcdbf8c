package bench

import (
	"bufio"
	"encoding/gob"
	"errors"
	"fmt"
	"os"
)

// GobHeap is the world as plain Go values in the heap: a map of player structs and a map of
// guilds, each guild holding its member list and each player its friend list. It survives
// an upgrade the way a canister without stable structures does: pre_upgrade serializes the
// whole heap (encoding/gob, to a file standing in for stable memory) and post_upgrade
// deserializes it. Between upgrades nothing is persisted, and operations have no
// transactions.
type GobHeap struct {
	path string
	w    *heapWorld
}

// heapWorld is what GobHeap serializes; its fields are exported for gob.
type heapWorld struct {
	Players map[uint64]*heapPlayer
	Guilds  map[uint64]*heapGuild
}

type heapPlayer struct {
	Pos, Vel Vec2
	HasVel   bool
	Health   int32
	Name     string
	Guild    uint64
	Friends  []uint64
}

type heapGuild struct {
	Name    string
	Members []uint64
}

// OpenGobHeap builds the heap world from f; the file it serializes to goes in dir.
func OpenGobHeap(f *Fixture, dir string) (*GobHeap, error) {
	w := &heapWorld{
		Players: make(map[uint64]*heapPlayer, f.N),
		Guilds:  make(map[uint64]*heapGuild, f.G),
	}
	for g := range f.G {
		m := make([]uint64, 0, len(f.MembersOf(g)))
		for _, p := range f.MembersOf(g) {
			m = append(m, f.PlayerID(int(p)))
		}
		w.Guilds[f.GuildID(g)] = &heapGuild{Name: GuildName(g), Members: m}
	}
	for i := range f.N {
		fr := make([]uint64, 0, len(f.FriendsOf(i)))
		for _, j := range f.FriendsOf(i) {
			fr = append(fr, f.PlayerID(int(j)))
		}
		w.Players[f.PlayerID(i)] = &heapPlayer{
			Pos: f.Pos[i], Vel: f.Vel[i], HasVel: f.HasVel[i], Health: f.Health[i],
			Name: PlayerName(i), Guild: f.GuildID(int(f.Guild[i])), Friends: fr,
		}
	}
	return &GobHeap{path: filePath(dir, "world.gob"), w: w}, nil
}

// Name implements System.
func (h *GobHeap) Name() string { return "gobheap" }

// Close implements System.
func (h *GobHeap) Close() error {
	h.w = nil
	return nil
}

// Shutdown implements Upgrader: pre_upgrade serializes the whole world and the heap is
// wiped.
func (h *GobHeap) Shutdown() error {
	file, err := os.Create(h.path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(file, 1<<20)
	err = gob.NewEncoder(bw).Encode(h.w)
	err = errors.Join(err, bw.Flush(), file.Close())
	h.w = nil
	return err
}

// Restart implements Upgrader: post_upgrade deserializes the world.
func (h *GobHeap) Restart() error {
	file, err := os.Open(h.path)
	if err != nil {
		return err
	}
	defer file.Close()
	w := new(heapWorld)
	if err := gob.NewDecoder(bufio.NewReaderSize(file, 1<<20)).Decode(w); err != nil {
		return err
	}
	h.w = w
	return nil
}

func (h *GobHeap) player(id uint64) (*heapPlayer, error) {
	p, ok := h.w.Players[id]
	if !ok {
		return nil, fmt.Errorf("no player %d", id)
	}
	return p, nil
}

// ReadHealth implements PointReadWriter.
func (h *GobHeap) ReadHealth(id uint64) (int32, error) {
	p, err := h.player(id)
	if err != nil {
		return 0, err
	}
	return p.Health, nil
}

// WriteHealth implements PointReadWriter.
func (h *GobHeap) WriteHealth(id uint64, v int32) error {
	p, err := h.player(id)
	if err != nil {
		return err
	}
	p.Health = v
	return nil
}

// SumHealth implements Scanner by ranging over the player map.
func (h *GobHeap) SumHealth() (sum int64, err error) {
	for _, p := range h.w.Players {
		sum += int64(p.Health)
	}
	return sum, nil
}

// Tick implements Ticker by ranging over the player map.
func (h *GobHeap) Tick() (n int, err error) {
	for _, p := range h.w.Players {
		if p.HasVel {
			p.Pos.X += p.Vel.X
			p.Pos.Y += p.Vel.Y
			n++
		}
	}
	return n, nil
}

// Members implements Traverser from the guild's member list.
func (h *GobHeap) Members(guild uint64) (n int, err error) {
	g, ok := h.w.Guilds[guild]
	if !ok {
		return 0, fmt.Errorf("no guild %d", guild)
	}
	for range g.Members {
		n++
	}
	return n, nil
}

// FriendsOfFriends implements Traverser from the friend lists, deduplicated in a map.
func (h *GobHeap) FriendsOfFriends(player uint64) (int, error) {
	p, err := h.player(player)
	if err != nil {
		return 0, err
	}
	seen := make(map[uint64]struct{}, len(p.Friends)*FriendsPerPlayer)
	for _, f := range p.Friends {
		for _, g := range h.w.Players[f].Friends {
			seen[g] = struct{}{}
		}
	}
	return len(seen), nil
}

// Query implements Querier: the guild's members, filtered on health.
func (h *GobHeap) Query(guild uint64, lo, hi int32) ([]Row, error) {
	g, ok := h.w.Guilds[guild]
	if !ok {
		return nil, fmt.Errorf("no guild %d", guild)
	}
	var rows []Row
	for _, id := range g.Members {
		p := h.w.Players[id]
		if p.Health >= lo && p.Health <= hi {
			rows = append(rows, Row{ID: id, Name: p.Name, Health: p.Health})
		}
	}
	return rows, nil
}

// Position returns a player's position, for the tests that compare systems.
func (h *GobHeap) Position(id uint64) (Vec2, error) {
	p, err := h.player(id)
	if err != nil {
		return Vec2{}, err
	}
	return p.Pos, nil
}
