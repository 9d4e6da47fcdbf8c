package bench

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The benchmarks run each workload on every system that implements it, at each scale:
//
//	BenchmarkPointRead/scale=1e5/system=bbolt-row
//
// Our store's sub-benchmarks also report pages/op (distinct 4 KiB pages read or dirtied,
// per message, from the page meter), dirtied/op for writes, the pages read by each variable
// (read:health/op, read:system/op, …), and the physical minimum of the same operations
// (min-pages/op, min-dirtied/op; see physical.go).
//
// go run ./bench/cmd/benchreport runs them and writes RESULTS.md.

var scalesFlag = flag.String("scales", "",
	"comma-separated numbers of players to benchmark, such as 1e4,1e5,1e6,1e7 (default 1e4,1e5,1e6; 1e4 with -short)")

var systemsFlag = flag.String("systems", "",
	"comma-separated systems to benchmark, such as ours,sqlite (default: every system)")

// wanted reports whether the -systems flag lets system name run.
func wanted(name string) bool {
	if *systemsFlag == "" {
		return true
	}
	for _, s := range strings.Split(*systemsFlag, ",") {
		if strings.TrimSpace(s) == name {
			return true
		}
	}
	return false
}

// scale is one world size.
type scale struct {
	label string
	n     int
}

// scales returns the scales to benchmark.
func scales(tb testing.TB) []scale {
	spec := *scalesFlag
	if spec == "" {
		spec = "1e4,1e5,1e6"
		if testing.Short() {
			spec = "1e4"
		}
	}
	var out []scale
	for _, s := range strings.Split(spec, ",") {
		s = strings.TrimSpace(s)
		v, err := strconv.ParseFloat(s, 64)
		if err != nil || v < 2 || v != float64(int(v)) {
			tb.Fatalf("-scales: %q is not a whole number of players ≥ 2", s)
		}
		out = append(out, scale{s, int(v)})
	}
	return out
}

var (
	root    string // the directory under which every system keeps its files
	cacheMu sync.Mutex
	cache   = map[string]System{}
)

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "stablegraph-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	root = dir
	code := m.Run()
	for _, s := range cache {
		s.Close()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// system returns the system called name loaded with f, building it on first use: the
// benchmarks of one process share it, so a scale is loaded once per system.
func system(tb testing.TB, name string, f *Fixture) System {
	tb.Helper()
	cacheMu.Lock()
	defer cacheMu.Unlock()
	key := fmt.Sprintf("%s/%d", name, f.N)
	if s, ok := cache[key]; ok {
		return s
	}
	dir, err := os.MkdirTemp(root, strings.ReplaceAll(key, "/", "-")+"-")
	if err != nil {
		tb.Fatal(err)
	}
	start := time.Now()
	s, err := Open(name, f, dir)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Logf("built %s with %d players in %v", name, f.N, time.Since(start).Round(time.Millisecond))
	// Let no benchmark pay for the load: write its dirty pages back and collect its garbage.
	syscall.Sync()
	runtime.GC()
	cache[key] = s
	return s
}

// each runs fn as a sub-benchmark per scale and per system that implements workload T.
func each[T any](b *testing.B, fn func(b *testing.B, f *Fixture, s T, m *meter)) {
	for _, sc := range scales(b) {
		f := NewFixture(sc.n)
		for _, o := range Openers {
			if _, ok := o.Proto.(T); !ok || !wanted(o.Name) {
				continue
			}
			b.Run(fmt.Sprintf("scale=%s/system=%s", sc.label, o.Name), func(b *testing.B) {
				s := system(b, o.Name, f)
				m := &meter{b: b}
				m.ours, _ = s.(*Ours)
				fn(b, f, s.(T), m)
			})
		}
	}
}

// meter adds up our store's page counts over a benchmark's operations and reports them
// beside their physical minimum.
type meter struct {
	b                 *testing.B
	ours              *Ours
	accessed, dirtied uint64
	n                 int
	minAcc, minDirty  float64 // summed over the operations whose minimum was added
	minN              int
	byOwner           map[string]uint64 // pages read, by owner (the variable whose tree read them)
}

// add counts the last operation of our store; it does nothing for a baseline.
func (m *meter) add() {
	if m.ours == nil {
		return
	}
	st := m.ours.Stats()
	m.accessed += st.PagesAccessed
	m.dirtied += st.PagesDirtied
	m.n++
	if m.byOwner == nil {
		m.byOwner = map[string]uint64{}
	}
	for o, s := range st.ByOwner {
		m.byOwner[o] += s.PagesRead
	}
}

// addMin adds the physical minimum of one operation.
func (m *meter) addMin(min Minimum, err error) {
	if err != nil {
		m.b.Fatal(err)
	}
	m.minAcc += float64(min.Accessed)
	m.minDirty += float64(min.Dirtied)
	m.minN++
}

// report reports pages/op and min-pages/op, and dirtied/op and min-dirtied/op for writes.
func (m *meter) report(b *testing.B, write bool) {
	if m.ours == nil || m.n == 0 {
		return
	}
	b.ReportMetric(float64(m.accessed)/float64(m.n), "pages/op")
	if m.accessed > 0 {
		// Time per page touched: how far the CPU is from the page floor.
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/(float64(m.accessed)/float64(m.n)), "ns/page")
	}
	for o, n := range m.byOwner {
		b.ReportMetric(float64(n)/float64(m.n), "read:"+o+"/op")
	}
	if write {
		b.ReportMetric(float64(m.dirtied)/float64(m.n), "dirtied/op")
	}
	if m.minN > 0 {
		b.ReportMetric(m.minAcc/float64(m.minN), "min-pages/op")
		if write {
			b.ReportMetric(m.minDirty/float64(m.minN), "min-dirtied/op")
		}
	}
}

// maxMinSamples bounds the operations whose physical minimum a benchmark averages, when it
// varies by operation.
const maxMinSamples = 2000

// BenchmarkPointRead is workload 1a: read one player's health by ID, one transaction per op.
func BenchmarkPointRead(b *testing.B) {
	each(b, func(b *testing.B, f *Fixture, s PointReadWriter, m *meter) {
		ops := NewOps(f, "point-read")
		for b.Loop() {
			if _, err := s.ReadHealth(f.PlayerID(ops.Player())); err != nil {
				b.Fatal(err)
			}
			m.add()
		}
		if m.ours != nil {
			m.addMin(m.ours.MinPointRead())
		}
		m.report(b, false)
	})
}

// BenchmarkPointWrite is workload 1b: set one player's health by ID, one transaction per
// op; the health index is kept in step wherever there is one.
func BenchmarkPointWrite(b *testing.B) {
	each(b, func(b *testing.B, f *Fixture, s PointReadWriter, m *meter) {
		ops := NewOps(f, "point-write")
		for b.Loop() {
			id, h := f.PlayerID(ops.Player()), ops.Health()
			if m.ours != nil {
				// The minimum depends on the index as it stands before the write.
				b.StopTimer()
				m.addMin(m.ours.MinPointWrite(id, h))
				b.StartTimer()
			}
			if err := s.WriteHealth(id, h); err != nil {
				b.Fatal(err)
			}
			m.add()
		}
		m.report(b, true)
	})
}

// BenchmarkScan is workload 2: read every player's health, in one transaction.
func BenchmarkScan(b *testing.B) {
	each(b, func(b *testing.B, f *Fixture, s Scanner, m *meter) {
		for b.Loop() {
			if _, err := s.SumHealth(); err != nil {
				b.Fatal(err)
			}
			m.add()
		}
		if m.ours != nil {
			m.addMin(m.ours.MinScan())
		}
		m.report(b, false)
	})
}

// BenchmarkTick is workload 3: one ECS movement tick, position += velocity for every
// entity that has both, in one transaction.
func BenchmarkTick(b *testing.B) {
	each(b, func(b *testing.B, f *Fixture, s Ticker, m *meter) {
		for b.Loop() {
			if _, err := s.Tick(); err != nil {
				b.Fatal(err)
			}
			m.add()
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(f.N), "ns/entity")
		if m.ours != nil {
			m.addMin(m.ours.MinTick())
		}
		m.report(b, true)
	})
}

// BenchmarkMembers is workload 4a, one hop: the members of one guild.
func BenchmarkMembers(b *testing.B) {
	each(b, func(b *testing.B, f *Fixture, s Traverser, m *meter) {
		ops := NewOps(f, "members")
		for b.Loop() {
			if _, err := s.Members(f.GuildID(ops.Guild())); err != nil {
				b.Fatal(err)
			}
			m.add()
		}
		if m.ours != nil {
			ops := NewOps(f, "members")
			for range min(b.N, maxMinSamples) {
				m.addMin(m.ours.MinMembers(ops.Guild()))
			}
		}
		m.report(b, false)
	})
}

// BenchmarkFriendsOfFriends is workload 4b, two hops: the distinct friends of one player's
// friends.
func BenchmarkFriendsOfFriends(b *testing.B) {
	each(b, func(b *testing.B, f *Fixture, s Traverser, m *meter) {
		ops := NewOps(f, "fof")
		for b.Loop() {
			if _, err := s.FriendsOfFriends(f.PlayerID(ops.Player())); err != nil {
				b.Fatal(err)
			}
			m.add()
		}
		if m.ours != nil {
			ops := NewOps(f, "fof")
			for range min(b.N, maxMinSamples) {
				m.addMin(m.ours.MinFriendsOfFriends(ops.Player()))
			}
		}
		m.report(b, false)
	})
}

// queryGuilds is the number of guilds the query benchmark cycles through: each gets its
// prepared plan (ours) or runs the one prepared statement (SQLite).
const queryGuilds = 64

// BenchmarkQuery is workload 5: the players of one guild with health in
// [QueryHealthLo, QueryHealthHi], projecting name and health. Our store runs it through
// the query language's planner and executor, from plans prepared before the clock starts.
func BenchmarkQuery(b *testing.B) {
	each(b, func(b *testing.B, f *Fixture, s Querier, m *meter) {
		ops := NewOps(f, "query")
		guilds := make([]int, queryGuilds)
		for i := range guilds {
			guilds[i] = ops.Guild()
		}
		if m.ours != nil {
			for _, g := range guilds {
				if _, err := m.ours.Prepare(f.GuildID(g), QueryHealthLo, QueryHealthHi); err != nil {
					b.Fatal(err)
				}
			}
		}
		var rows, i int
		for b.Loop() {
			r, err := s.Query(f.GuildID(guilds[i%queryGuilds]), QueryHealthLo, QueryHealthHi)
			if err != nil {
				b.Fatal(err)
			}
			rows += len(r)
			i++
			m.add()
		}
		b.ReportMetric(float64(rows)/float64(b.N), "rows/op")
		if m.ours != nil {
			for j := range min(b.N, queryGuilds) {
				g := guilds[j]
				r, err := m.ours.Query(f.GuildID(g), QueryHealthLo, QueryHealthHi)
				if err != nil {
					b.Fatal(err)
				}
				m.addMin(m.ours.MinQuery(g, QueryHealthLo, QueryHealthHi, r))
			}
		}
		m.report(b, false)
	})
}

// BenchmarkUpgrade is workload 6: an upgrade, from the old code's pre_upgrade (close the
// store; serialize the heap) through the new code's post_upgrade (open the store and
// declare the schema; deserialize the heap) to the first query answered (one point read).
// save-ns/op is the pre_upgrade part.
func BenchmarkUpgrade(b *testing.B) {
	each(b, func(b *testing.B, f *Fixture, s interface {
		Upgrader
		PointReadWriter
	}, m *meter) {
		ops := NewOps(f, "upgrade")
		var save time.Duration
		for b.Loop() {
			t0 := time.Now()
			if err := s.Shutdown(); err != nil {
				b.Fatal(err)
			}
			save += time.Since(t0)
			if err := s.Restart(); err != nil {
				b.Fatal(err)
			}
			if _, err := s.ReadHealth(f.PlayerID(ops.Player())); err != nil {
				b.Fatal(err)
			}
			m.add()
		}
		b.ReportMetric(float64(save.Nanoseconds())/float64(b.N), "save-ns/op")
		if m.ours != nil {
			m.addMin(m.ours.MinUpgrade())
		}
		m.report(b, false)
	})
}
