package main

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// report is everything RESULTS.md shows.
type report struct {
	self    string   // how benchreport was invoked
	goTest  []string // the go test commands it ran
	env     env
	results []result
	raw     string // go test's output
	// kept are the sections of the file being replaced whose title says they are written
	// by hand (figures of other benchmarks, such as the cluster's): carried over as they were.
	kept []string
	// kuzu is the section of the comparison with Kùzu (renderKuzu), or empty.
	kuzu string
}

// goals are issue 15's targets for our time at 10^6 players: each compares ours with a
// baseline's time (at least times faster; for "ahead" more than 1), or with a limit.
var goals = []struct {
	workload, text string
	against        []string // the baselines, the fastest of which is compared; none: limit
	times          float64  // how many times faster ours must be
	limitNs        float64  // with no baselines: the most time ours may take
}{
	{"PointRead", "point read ≥ 1.5× faster than bbolt (best layout)", []string{"bbolt-row", "bbolt-col"}, 1.5, 0},
	{"Members", "one hop ≥ 1.5× faster than bbolt", []string{"bbolt-row", "bbolt-col"}, 1.5, 0},
	{"FriendsOfFriends", "two hops ≥ 1.5× faster than bbolt", []string{"bbolt-row", "bbolt-col"}, 1.5, 0},
	{"Scan", "scan of one column ≥ 1.5× faster than bbolt", []string{"bbolt-row", "bbolt-col"}, 1.5, 0},
	{"Query", "filtered query ≥ 2× faster than SQLite", []string{"sqlite"}, 2, 0},
	{"Query", "filtered query ahead of bbolt", []string{"bbolt-row", "bbolt-col"}, 1, 0},
	{"Tick", "ECS movement tick ≤ 25 ms", nil, 0, 25e6},
}

// goalScale is the scale issue 15's goals are stated at.
const goalScale = "1e6"

// workloads lists the benchmarks in the order of the issue, with what each measures.
var workloads = []struct{ key, title, what string }{
	{"PointRead", "1a. Point read", "Read one player's `health` by entity ID; one transaction (message) per operation."},
	{"PointWrite", "1b. Point write", "Set one player's `health` by entity ID, keeping the health index in step (ours, bbolt, SQLite; the heaps have no index); one transaction per operation."},
	{"Scan", "2. Scan", "Read the `health` of every player into Go, in one transaction."},
	{"Tick", "3. ECS movement tick", "`position += velocity` for every player that has a velocity (three in four), in one transaction. Ours: `column.Apply2`, a merge join that updates leaves in place; bbolt: read everything, then put the changed values back in key order (bbolt cannot change values under a cursor); SQLite: one `UPDATE`; heap ECS: a loop over the dense slices of the archetype that has a velocity."},
	{"Members", "4a. One hop", "List the members of one guild (the subjects of `member_of` → guild), in one transaction."},
	{"FriendsOfFriends", "4b. Two hops", "The distinct friends of one player's friends (5 friends each), in one transaction."},
	{"Query", "5. Filtered query", "`FIND player WHERE health BETWEEN 20 AND 39 AND member_of -> guild/G SELECT name, health` (about 20 rows of a 100-member guild). Ours: the query language's planner and executor, from plans prepared before timing; SQLite: one prepared `SELECT … WHERE guild = ? AND health BETWEEN ? AND ?`; bbolt and the heap: the members-first plan written by hand."},
	{"Upgrade", "6. Upgrade", "From the old code's pre-upgrade step to the new code's first answer: ours, bbolt and SQLite close the file and open it again (ours also declares its schema, which the catalog checks); the gob heap serializes the whole world with `encoding/gob` and deserializes it. Then one point read. `save` is the pre-upgrade part (close, or serialize)."},
}

// systems describes each system, in the order the tables show them.
var systems = []struct{ name, what string }{
	{"ours", "stablegraph: `store.Open` on a file with `NoSync` (each commit is written to the redo log without fsync, its pages applied once 4 MiB of them have gathered, after one; `Close` checkpoints); the data model (`entity`, `column`, `verb`) and the `query` executor on top. Bulk-loaded, so every leaf but the last of each tree is full."},
	{"bbolt-row", "go.etcd.io/bbolt, a row per entity: one bucket ID → all of a player's attributes encoded together. Options `NoSync`, `NoGrowSync`, hashmap freelist; loaded in key order with `FillPercent = 1`. A `health` index bucket and `members` (guild, player) and `friend` (player, friend) edge buckets."},
	{"bbolt-col", "go.etcd.io/bbolt, a bucket per attribute (ID → value), the same index and edge buckets and options as bbolt-row."},
	{"sqlite", "SQLite through modernc.org/sqlite (SQLite compiled to Go, no cgo) and `database/sql`, prepared statements, one connection. `journal_mode=WAL`, `synchronous=OFF`, `cache_size` 256 MiB, `mmap_size` 2 GiB. One `player` table (`guild` as a column, indexed; `health` indexed), a `guild` table, and a `friend (src, dst)` edge table `WITHOUT ROWID`; `ANALYZE` after the load."},
	{"gobheap", "Plain Go values in the heap: `map[uint64]*Player` and `map[uint64]*Guild` (with member lists), each player holding its friend list. Nothing is persisted between upgrades; an upgrade serializes the whole world with `encoding/gob` to a file and reads it back, as a canister's pre/post-upgrade hooks do."},
	{"heapecs", "An in-heap archetype ECS written for this benchmark, the heart of arche's layout: entities with the same components share dense component slices, and a map finds an entity's row. No relations, no persistence: it runs workloads 1–3 only."},
	{"arche", "github.com/mlange-42/arche v0.15.3, an in-heap archetype ECS, through its generic API (`generic.Filter2` for the tick, `generic.Map` for one entity; a slice maps a player's ID to its arche entity). No persistence: it runs workloads 1–3 only, the in-heap reference for the tick."},
}

func render(r report) string {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	byKey := map[[3]string]result{}
	var scales []string
	for _, res := range r.results {
		byKey[[3]string{res.workload, res.scale, res.system}] = res
		if !slices.Contains(scales, res.scale) {
			scales = append(scales, res.scale)
		}
	}
	slices.SortFunc(scales, func(a, c string) int { return cmpScale(a, c) })
	// The headline shows the largest scale among those that ran the most systems: a -large
	// run with a few systems does not push the baselines out of it.
	count := map[string]map[string]bool{}
	for _, res := range r.results {
		if count[res.scale] == nil {
			count[res.scale] = map[string]bool{}
		}
		count[res.scale][res.system] = true
	}
	largest := scales[0]
	for _, sc := range scales {
		if len(count[sc]) >= len(count[largest]) {
			largest = sc
		}
	}

	p("# Benchmarks: stablegraph against its alternatives\n\n")
	p("<!-- Written by bench/cmd/benchreport from one run of the suite. Do not edit by hand: run it again. A section whose title says \"written by hand\" is carried over as it is. -->\n\n")
	p("Every number below comes from one run of `%s`, which ran the go test commands shown and parsed their output (kept whole at the end). ", r.self)
	p("The same generated world is loaded into every system in the same process: players with position, velocity (three in four), health and name; a guild per %s players (`member_of`, many-to-one); %d directed `friend` edges per player.\n\n", "100", 5)
	p("| | |\n|---|---|\n")
	p("| command | `%s` |\n", r.self)
	for _, c := range r.goTest {
		p("| go test | `%s` |\n", c)
	}
	p("| date | %s |\n", r.env.date.Format("2006-01-02 15:04 UTC"))
	if r.env.commit != "" {
		p("| commit | `%s` |\n", r.env.commit)
	}
	p("| machine | %s, %d cores, %s, %s |\n", r.env.cpu, r.env.cores, r.env.memory, r.env.kernel)
	p("| Go | %s |\n", r.env.goVersion)
	p("| load average (1, 5, 15 min) | before %s; after %s |\n", orDash(r.env.loadBefore), orDash(r.env.loadAfter))
	p("| wall time | %s |\n\n", r.env.elapsed.Round(time.Second))
	p("The machine's cores are shared with other work (see the load averages), so times are noisy: read ratios within a factor of about 1.5 as ties, and compare pages, which are exact and deterministic, for our store's own costs.\n\n")

	p("## How to read the tables\n\n")
	p("- **time/op**: wall time per operation (go test's ns/op; with -count, the median of the runs, as every other metric).\n")
	p("- **× ours**: the system's time divided by ours. Above 1, ours is faster by that factor; below 1, ours is slower.\n")
	p("- **pages/op** (ours only): distinct 4 KiB pages the operation's message read or dirtied, from the store's page meter: what the Internet Computer charges for.\n")
	p("- **min**: the physical minimum for the same operations over the same trees: the leaves that hold what the operation must read or change plus one root-to-leaf path per tree (so a point read's minimum is the tree's height, a scan's the leaf count plus the height less one). It leaves out the catalog, the superblock and the checks our layers add; see `bench/physical.go`. **× min** = pages/op ÷ min.\n")
	p("- **ns/page** (ours only): time/op ÷ pages/op, the time spent per page touched: how far the CPU is from the page floor.\n")
	p("- Every operation is one transaction of its system (a message, for ours), except for the heaps, which have none.\n\n")

	headline := func(sc string) {
		var cols []string
		for _, s := range systems[1:] {
			if count[sc][s.name] {
				cols = append(cols, s.name)
			}
		}
		p("| workload | ours |")
		for _, c := range cols {
			p(" %s |", c)
		}
		p(" ours pages/op | min | × min | ours ns/page |\n|---|---:|")
		for range cols {
			p("---:|")
		}
		p("---:|---:|---:|---:|\n")
		for _, w := range workloads {
			ours, ok := byKey[[3]string{w.key, sc, "ours"}]
			if !ok {
				continue
			}
			p("| %s | %s |", w.title, fmtNs(ours.metrics["ns/op"]))
			for _, c := range cols {
				res, ok := byKey[[3]string{w.key, sc, c}]
				if !ok {
					p(" — |")
					continue
				}
				p(" %s (%s) |", fmtNs(res.metrics["ns/op"]), fmtRatio(res.metrics["ns/op"]/ours.metrics["ns/op"]))
			}
			pg, mn := ours.metrics["pages/op"], ours.metrics["min-pages/op"]
			perPage := "—"
			if pg > 0 {
				perPage = fmtNs(ours.metrics["ns/op"] / pg)
			}
			p(" %s | %s | %s | %s |\n", fmtNum(pg), fmtNum(mn), fmtMinRatio(pg, mn), perPage)
		}
		p("\n")
	}
	p("## Headline: %s players\n\n", largest)
	p("Time per operation, and each baseline's time as a multiple of ours.\n\n")
	headline(largest)
	for _, sc := range scales {
		if cmpScale(sc, largest) > 0 && count[sc]["ours"] {
			p("### %s players, with the systems that ran there\n\n", sc)
			headline(sc)
		}
	}

	if count[goalScale]["ours"] {
		p("### Issue 15's goals at %s players\n\n", goalScale)
		p("| goal | ours | compared with | met |\n|---|---:|---|---|\n")
		for _, g := range goals {
			ours, ok := byKey[[3]string{g.workload, goalScale, "ours"}]
			if !ok {
				continue
			}
			t := ours.metrics["ns/op"]
			if g.against == nil {
				p("| %s | %s | limit %s | %s |\n", g.text, fmtNs(t), fmtNs(g.limitNs), yesNo(t <= g.limitNs))
				continue
			}
			best, name := math.Inf(1), ""
			for _, a := range g.against {
				if res, ok := byKey[[3]string{g.workload, goalScale, a}]; ok && res.metrics["ns/op"] < best {
					best, name = res.metrics["ns/op"], a
				}
			}
			if name == "" {
				p("| %s | %s | (did not run) | — |\n", g.text, fmtNs(t))
				continue
			}
			ratio := best / t
			met := ratio >= g.times
			if g.times == 1 {
				met = ratio > 1
			}
			p("| %s | %s | %s %s (%s) | %s |\n", g.text, fmtNs(t), name, fmtNs(best), fmtRatio(ratio), yesNo(met))
		}
		p("\n")
	}

	p("## Where ours is slower\n\n")
	var slower []string
	for _, w := range workloads {
		for _, sc := range scales {
			ours, ok := byKey[[3]string{w.key, sc, "ours"}]
			if !ok {
				continue
			}
			var faster []string
			for _, s := range systems[1:] {
				if res, ok := byKey[[3]string{w.key, sc, s.name}]; ok && res.metrics["ns/op"] < ours.metrics["ns/op"] {
					faster = append(faster, fmt.Sprintf("%s %s (%s)", s.name, fmtNs(res.metrics["ns/op"]),
						fmtRatio(res.metrics["ns/op"]/ours.metrics["ns/op"])))
				}
			}
			if len(faster) > 0 {
				slower = append(slower, fmt.Sprintf("| %s | %s | %s | %s |", w.title, sc, fmtNs(ours.metrics["ns/op"]), strings.Join(faster, ", ")))
			}
		}
	}
	if len(slower) == 0 {
		p("Nowhere in this run.\n\n")
	} else {
		p("Every workload and scale where a baseline took less time than ours, with its time and its ratio to ours:\n\n")
		p("| workload | players | ours | faster than ours |\n|---|---:|---:|---|\n%s\n\n", strings.Join(slower, "\n"))
	}

	p("## Workloads\n\n")
	for _, w := range workloads {
		var rows []string
		for _, sc := range scales {
			ours, hasOurs := byKey[[3]string{w.key, sc, "ours"}]
			for _, s := range systems {
				res, ok := byKey[[3]string{w.key, sc, s.name}]
				if !ok {
					continue
				}
				ratio := "—"
				if hasOurs {
					ratio = fmtRatio(res.metrics["ns/op"] / ours.metrics["ns/op"])
				}
				pages, mn, xmin := "—", "—", "—"
				if _, ok := res.metrics["pages/op"]; ok {
					pages = fmtNum(res.metrics["pages/op"])
					mn = fmtNum(res.metrics["min-pages/op"])
					xmin = fmtMinRatio(res.metrics["pages/op"], res.metrics["min-pages/op"])
				}
				rows = append(rows, fmt.Sprintf("| %s | %s | %s | %s | %s | %s | %s | %s |",
					sc, s.name, fmtNs(res.metrics["ns/op"]), ratio, pages, mn, xmin, others(res)))
			}
		}
		if len(rows) == 0 {
			continue
		}
		p("### %s\n\n%s\n\n", w.title, w.what)
		p("| players | system | time/op | × ours | pages/op | min | × min | also |\n")
		p("|---:|---|---:|---:|---:|---:|---:|---|\n")
		p("%s\n\n", strings.Join(rows, "\n"))
	}

	if r.kuzu != "" {
		p("%s\n\n", strings.TrimSpace(r.kuzu))
	}
	for _, k := range r.kept {
		p("%s\n\n", strings.TrimSpace(k))
	}

	p("## The systems and their durability settings\n\n")
	for _, s := range systems {
		p("- **%s**: %s\n", s.name, s.what)
	}
	p("\nOurs, bbolt and SQLite run without fsync at commit (a crash of the machine, not of the process, can lose the last commits), so the comparison is of the work, not of the disk's sync latency.\n\n")

	p("## go test output\n\n<details><summary>The output this file was made from</summary>\n\n```\n%s```\n\n</details>\n", r.raw)
	return b.String()
}

// others formats the metrics that have no column of their own.
func others(res result) string {
	var out []string
	m := res.metrics
	if d, ok := m["dirtied/op"]; ok {
		s := "dirtied " + fmtNum(d)
		if md, ok := m["min-dirtied/op"]; ok {
			s += " (min " + fmtNum(md) + ")"
		}
		out = append(out, s)
	}
	var owners []string
	for u := range m {
		if o, ok := strings.CutPrefix(u, "read:"); ok {
			owners = append(owners, strings.TrimSuffix(o, "/op"))
		}
	}
	if len(owners) > 0 {
		slices.SortFunc(owners, func(a, b string) int { // most pages first
			if c := cmpFloat(m["read:"+b+"/op"], m["read:"+a+"/op"]); c != 0 {
				return c
			}
			return strings.Compare(a, b)
		})
		var parts []string
		for _, o := range owners {
			parts = append(parts, o+" "+fmtNum(m["read:"+o+"/op"]))
		}
		out = append(out, "read by "+strings.Join(parts, ", "))
	}
	if v, ok := m["save-ns/op"]; ok {
		out = append(out, "save "+fmtNs(v))
	}
	if v, ok := m["ns/entity"]; ok {
		out = append(out, fmtNs(v)+"/entity")
	}
	if v, ok := m["rows/op"]; ok {
		out = append(out, fmtNum(v)+" rows")
	}
	if res.runs > 1 {
		out = append(out, fmt.Sprintf("median of %d runs, %d ops", res.runs, res.iters))
	} else {
		out = append(out, strconv.Itoa(res.iters)+" ops")
	}
	return strings.Join(out, "; ")
}

// cmpScale orders scales by their value ("1e4" < "1e5"), unparsable ones last by text.
func cmpScale(a, b string) int {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	switch {
	case errA == nil && errB == nil:
		return cmpFloat(x, y)
	case errA == nil:
		return -1
	case errB == nil:
		return 1
	}
	return strings.Compare(a, b)
}

func cmpFloat(x, y float64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// fmtNs formats nanoseconds with three significant digits and a unit.
func fmtNs(ns float64) string {
	switch {
	case ns >= 1e9:
		return sig3(ns/1e9) + " s"
	case ns >= 1e6:
		return sig3(ns/1e6) + " ms"
	case ns >= 1e3:
		return sig3(ns/1e3) + " µs"
	}
	return sig3(ns) + " ns"
}

// fmtRatio formats a time ratio with two significant digits.
func fmtRatio(r float64) string {
	if math.IsInf(r, 0) || math.IsNaN(r) {
		return "—"
	}
	switch {
	case r >= 100:
		return fmt.Sprintf("%.0f×", r)
	case r >= 10:
		return fmt.Sprintf("%.0f×", r)
	case r >= 1:
		return fmt.Sprintf("%.1f×", r)
	case r >= 0.1:
		return fmt.Sprintf("%.2f×", r)
	}
	return fmt.Sprintf("%.2g×", r)
}

// fmtMinRatio formats pages ÷ minimum.
func fmtMinRatio(pages, min float64) string {
	if min == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2f×", pages/min)
}

// fmtNum formats a page or row count: whole numbers as they are, others with one decimal
// (two below 1).
func fmtNum(v float64) string {
	switch {
	case v == math.Trunc(v) && v < 1e15:
		return strconv.FormatInt(int64(v), 10)
	case v < 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	}
	return strconv.FormatFloat(v, 'f', 1, 64)
}

func sig3(v float64) string {
	switch {
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// yesNo says whether a goal is met.
func yesNo(met bool) string {
	if met {
		return "**met**"
	}
	return "not met"
}

// handWritten returns the sections of a RESULTS.md (from a "## " title to the next) whose
// title says they are written by hand.
func handWritten(doc string) []string {
	var kept []string
	parts := strings.Split("\n"+doc, "\n## ")
	for _, part := range parts[1:] {
		title, _, _ := strings.Cut(part, "\n")
		if strings.Contains(title, "written by hand") {
			kept = append(kept, "## "+part)
		}
	}
	return kept
}
