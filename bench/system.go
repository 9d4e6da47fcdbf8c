package bench

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
)

// A System is one way of keeping the world: our store or a baseline. Each workload is an
// interface of its own, and a system implements those it can express; the benchmarks run
// every workload on every system that has it.
type System interface {
	// Name names the system in benchmark names and in RESULTS.md.
	Name() string
	// Close releases the system and removes its files.
	Close() error
}

// PointReadWriter is workload 1: read and write one attribute (health) of one entity by ID.
// Each call is one transaction (message) of its own where the system has them.
type PointReadWriter interface {
	ReadHealth(id uint64) (int32, error)
	WriteHealth(id uint64, h int32) error
}

// Scanner is workload 2: read one attribute (health) of every player, in one transaction.
type Scanner interface {
	SumHealth() (int64, error)
}

// Ticker is workload 3, the ECS movement system: position += velocity for every entity that
// has both, in one transaction. It returns how many entities it visited.
type Ticker interface {
	Tick() (int, error)
}

// Traverser is workload 4: one hop (the members of a guild) and two hops (the distinct
// friends of a player's friends, the player included if reachable), each in one
// transaction. Both return how many entities they found.
type Traverser interface {
	Members(guild uint64) (int, error)
	FriendsOfFriends(player uint64) (int, error)
}

// Row is one row of the filtered query's answer.
type Row struct {
	ID     uint64
	Name   string
	Health int32
}

// Querier is workload 5: the players of one guild whose health is in [lo, hi], with their
// name and health, in ID order, in one transaction.
type Querier interface {
	Query(guild uint64, lo, hi int32) ([]Row, error)
}

// Upgrader is workload 6: what an upgrade costs. Shutdown is the old code's last act
// (pre_upgrade: close the store, or serialize the heap); Restart is the new code's first
// (post_upgrade: open the store, or deserialize the heap). The benchmark adds the first
// query after Restart.
type Upgrader interface {
	Shutdown() error
	Restart() error
}

// Opener builds a system loaded with a fixture in dir.
type Opener func(f *Fixture, dir string) (System, error)

// Openers lists every system in the order RESULTS.md shows them, ours first. Proto is a nil
// value of the system's type, for asking which workloads it implements without building it.
var Openers = []struct {
	Name  string
	Proto System
	Open  Opener
}{
	{"ours", (*Ours)(nil), func(f *Fixture, dir string) (System, error) { return OpenOurs(f, dir) }},
	{"bbolt-row", (*Bolt)(nil), func(f *Fixture, dir string) (System, error) { return OpenBolt(f, dir, BoltRow) }},
	{"bbolt-col", (*Bolt)(nil), func(f *Fixture, dir string) (System, error) { return OpenBolt(f, dir, BoltCol) }},
	{"sqlite", (*SQLite)(nil), func(f *Fixture, dir string) (System, error) { return OpenSQLite(f, dir) }},
	{"gobheap", (*GobHeap)(nil), func(f *Fixture, dir string) (System, error) { return OpenGobHeap(f, dir) }},
	{"heapecs", (*HeapECS)(nil), func(f *Fixture, dir string) (System, error) { return OpenHeapECS(f, dir) }},
	{"arche", (*Arche)(nil), func(f *Fixture, dir string) (System, error) { return OpenArche(f, dir) }},
}

// ErrNoSystem reports a system name that Openers does not list.
var ErrNoSystem = errors.New("no such system")

// Open builds the system called name loaded with f, its files in dir, which the caller
// owns and removes.
func Open(name string, f *Fixture, dir string) (System, error) {
	for _, o := range Openers {
		if o.Name == name {
			s, err := o.Open(f, dir)
			if err != nil {
				return nil, fmt.Errorf("open %s with %d players: %w", name, f.N, err)
			}
			return s, nil
		}
	}
	return nil, fmt.Errorf("%q: %w", name, ErrNoSystem)
}

// sortRows puts rows in ID order.
func sortRows(rows []Row) {
	sort.Slice(rows, func(i, j int) bool { return rows[i].ID < rows[j].ID })
}

// filePath returns the path of a file called name in dir.
func filePath(dir, name string) string { return filepath.Join(dir, name) }
