// Package bench measures stablegraph against the alternatives a user would pick instead, on
// the same data, in the same run: a plain Go heap serialized with encoding/gob at each
// upgrade (GobHeap), go.etcd.io/bbolt with a row per entity or a bucket per attribute
// (Bolt), SQLite (SQLite, through the pure-Go modernc.org/sqlite), and two in-heap archetype
// ECSs for the movement tick: github.com/mlange-42/arche (Arche) and a minimal one written
// here (HeapECS); and, apart, Kùzu (see "Against Kùzu" below).
//
// NewFixture generates one world per scale (players with position, velocity, health and
// name; guilds; member_of and friend edges) and every system is loaded from it. A System
// implements the workloads it can express, each an interface of its own: PointReadWriter,
// Scanner, Ticker, Traverser, Querier and Upgrader. TestSystemsAgree checks that all of them
// give the same answers.
//
// The benchmarks run every workload on every system at 10^4, 10^5 and 10^6 players
// (-scales changes that; -short runs 10^4 only), as BenchmarkPointRead/scale=1e5/system=sqlite
// and so on. For our store they also report pages/op, from the page meter, and the physical
// minimum of the same operations (physical.go):
//
//	go test -run '^$' -bench . ./bench/ -args -scales 1e4,1e5
//
// bench/cmd/benchreport runs them and writes RESULTS.md, with the exact command, the
// machine and a ratio to our store for every number:
//
//	go run ./bench/cmd/benchreport              # the full run
//	go run ./bench/cmd/benchreport -short -benchtime 1x -o /tmp/RESULTS.md   # the CI smoke test
//
// # Against Kùzu
//
// Kùzu, an embedded columnar graph database, runs through its Node.js package, pinned in
// bench/kuzu (package.json and package-lock.json: kuzu 0.11.3, which ships prebuilt native
// libraries), so the comparison needs Node.js 18 or later and npm, and nothing of it
// runs in go test or CI. WriteNTriples and WriteKuzuCSV write the Fixture at KuzuScale
// players both ways; ImportNTriples imports the N-Triples into a store as `graphctl import`
// does; KuzuQueries holds the four queries of issue 15 in our query language and in Cypher,
// with their answers by brute force; CompareKuzu measures ours (Imported.Measure: prepared
// once, warm runs, then every run timed alone) and runs bench/kuzu/run.js, which loads the
// CSV files with COPY FROM and times the same queries as prepared statements, and checks
// both sides' answers entity by entity. benchreport runs `npm ci` in bench/kuzu and writes
// the section "Against Kùzu" of RESULTS.md; to run that section alone:
//
//	go run ./bench/cmd/benchreport -kuzu-only
//
// BenchmarkKuzuQueries runs our side alone, for profiles.
package bench
