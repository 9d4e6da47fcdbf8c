package query

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"modernc.org/sqlite"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

// The benchmarks run the example queries and a two-hop traversal on a world of
// 10^5 and 10^6 entities, in stablegraph and, in the same run, in SQLite over the same
// data: one row table for all entities (kind, name, health, IRI; indexes on kind, name,
// health and IRI) and one edge table per verb, keyed (s, o) WITHOUT ROWID with an index on
// (o, s). Each reports ns/op and pages/op: for stablegraph the distinct pages the query
// read (Stats.PagesRead); for SQLite the pages it read from its file with a cold page
// cache: before each counted run the connection's cache is emptied (PRAGMA shrink_memory)
// and the count is sqlite3_db_status(SQLITE_DBSTATUS_CACHE_MISS) after it, with a cache
// large enough that no page is evicted during a query, so each page read counts once.
// Times are measured warm in both: SQLite keeps its cache between iterations.
//
//	go test ./query -run '^$' -bench Queries -benchtime 200x
//
// -query.bench.max limits the sizes (10^6 takes a minute or two to build).

var benchMax = flag.Int("query.bench.max", 1_000_000, "largest world BenchmarkQueries builds")

// benchWorld is the world of one size in both systems.
type benchWorld struct {
	n     int
	db    *entity.DB
	sql   *sql.DB
	conn  *sql.Conn
	guild entity.ID // the guild of the first example
}

// The benchmark world of n entities: n/1000 guilds, n/2 players, and the rest synsets.
// Player i is named "p<i>" ("alice" for 0), has a random health below 100, belongs to a
// random guild and befriends 3 random players. Synset i has a random earlier synset as its
// hypernym (a random recursive tree) and the IRI http://example.org/id/n<i>, synset 20
// http://example.org/id/dog.
const benchDog = 20

var benchWorlds sync.Map // n → *benchWorld

func getBenchWorld(b *testing.B, n int) *benchWorld {
	if w, ok := benchWorlds.Load(n); ok {
		return w.(*benchWorld)
	}
	w := buildBenchWorld(b, n)
	benchWorlds.Store(n, w)
	return w
}

func buildBenchWorld(b testing.TB, n int) *benchWorld {
	b.Helper()
	dir := b.TempDir()
	r := rand.New(rand.NewPCG(uint64(n), 7))
	nGuilds, nPlayers := n/1000, n/2
	nSynsets := n - nGuilds - nPlayers

	s := entity.NewSchema()
	player, guild, synset := s.Kind("player"), s.Kind("guild"), s.Kind("Synset")
	name := column.Define[string](s, "name", column.MaxLen(32), column.Indexed())
	health := column.Define[int32](s, "health", column.Indexed())
	member := verb.Define(s, "member_of", verb.ManyToOne())
	friend := verb.Define(s, "friend")
	hypernym := verb.Define(s, "hypernym", verb.ManyToOne())
	st, err := store.Open(filepath.Join(dir, "world.sg"), &store.Options{NoSync: true})
	require.NoError(b, err)
	b.Cleanup(func() { st.Close() })
	db, err := entity.Open(st, s, &entity.Options{Scope: fixtureScope})
	require.NoError(b, err)

	sdb, err := sql.Open("sqlite", filepath.Join(dir, "world.sqlite"))
	require.NoError(b, err)
	b.Cleanup(func() { sdb.Close() })
	sdb.SetMaxOpenConns(1)
	for _, stmt := range []string{
		"PRAGMA page_size = 4096",
		"PRAGMA journal_mode = WAL",
		"PRAGMA synchronous = OFF",
		"PRAGMA cache_size = -1048576", // 1 GiB: no page leaves the cache within a query
		"PRAGMA temp_store = MEMORY",
		`CREATE TABLE entity (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, name TEXT, health INTEGER, iri TEXT)`,
		`CREATE TABLE member_of (s INTEGER NOT NULL, o INTEGER NOT NULL, PRIMARY KEY (s, o)) WITHOUT ROWID`,
		`CREATE TABLE friend (s INTEGER NOT NULL, o INTEGER NOT NULL, PRIMARY KEY (s, o)) WITHOUT ROWID`,
		`CREATE TABLE hypernym (s INTEGER NOT NULL, o INTEGER NOT NULL, PRIMARY KEY (s, o)) WITHOUT ROWID`,
	} {
		_, err := sdb.Exec(stmt)
		require.NoError(b, err, stmt)
	}
	stx, err := sdb.Begin()
	require.NoError(b, err)
	insEntity, err := stx.Prepare(`INSERT INTO entity VALUES (?, ?, ?, ?, ?)`)
	require.NoError(b, err)
	insEdge := map[string]*sql.Stmt{}
	for _, v := range []string{"member_of", "friend", "hypernym"} {
		insEdge[v], err = stx.Prepare(`INSERT OR IGNORE INTO ` + v + ` VALUES (?, ?)`)
		require.NoError(b, err)
	}
	edge := func(v string, s, o entity.ID) {
		_, err := insEdge[v].Exec(int64(s), int64(o))
		require.NoError(b, err)
	}

	const chunk = 20000 // entities per message
	var guilds, players, synsets []entity.ID
	update := func(count int, each func(tx *entity.Tx, i int) error) {
		for lo := 0; lo < count; lo += chunk {
			require.NoError(b, db.Update(func(tx *entity.Tx) error {
				for i := lo; i < min(lo+chunk, count); i++ {
					if err := each(tx, i); err != nil {
						return err
					}
				}
				return nil
			}))
		}
	}
	update(nGuilds, func(tx *entity.Tx, i int) error {
		id, err := guild.New(tx)
		if err != nil {
			return err
		}
		guilds = append(guilds, id)
		nm := "g" + strconv.Itoa(i)
		_, err = insEntity.Exec(int64(id), "guild", nm, nil, nil)
		require.NoError(b, err)
		return name.Set(tx, id, nm)
	})
	update(nPlayers, func(tx *entity.Tx, i int) error {
		id, err := player.New(tx)
		if err != nil {
			return err
		}
		players = append(players, id)
		nm := "p" + strconv.Itoa(i)
		if i == 0 {
			nm = "alice"
		}
		h := int32(r.IntN(100))
		g := guilds[r.IntN(nGuilds)]
		_, err = insEntity.Exec(int64(id), "player", nm, h, nil)
		require.NoError(b, err)
		edge("member_of", id, g)
		return firstErr(name.Set(tx, id, nm), health.Set(tx, id, h), member.Link(tx, id, g))
	})
	update(nPlayers, func(tx *entity.Tx, i int) error {
		for range 3 {
			f := players[r.IntN(nPlayers)]
			if err := friend.Link(tx, players[i], f); err != nil {
				return err
			}
			edge("friend", players[i], f)
		}
		return nil
	})
	update(nSynsets, func(tx *entity.Tx, i int) error {
		iri := "http://example.org/id/n" + strconv.Itoa(i)
		if i == benchDog {
			iri = "http://example.org/id/dog"
		}
		id, err := synset.Intern(tx, iri)
		if err != nil {
			return err
		}
		synsets = append(synsets, id)
		_, err = insEntity.Exec(int64(id), "Synset", nil, nil, iri)
		require.NoError(b, err)
		if i == 0 {
			return nil
		}
		parent := synsets[r.IntN(i)]
		edge("hypernym", id, parent)
		return hypernym.Link(tx, id, parent)
	})
	require.NoError(b, stx.Commit())
	for _, stmt := range []string{
		`CREATE INDEX entity_kind ON entity (kind)`,
		`CREATE INDEX entity_name ON entity (name)`,
		`CREATE INDEX entity_health ON entity (health)`,
		`CREATE UNIQUE INDEX entity_iri ON entity (iri)`,
		`CREATE INDEX member_of_os ON member_of (o, s)`,
		`CREATE INDEX friend_os ON friend (o, s)`,
		`CREATE INDEX hypernym_os ON hypernym (o, s)`,
		`ANALYZE`,
	} {
		_, err := sdb.Exec(stmt)
		require.NoError(b, err, stmt)
	}
	conn, err := sdb.Conn(context.Background())
	require.NoError(b, err)
	b.Cleanup(func() { conn.Close() })
	return &benchWorld{n: n, db: db, sql: sdb, conn: conn, guild: guilds[7%nGuilds]}
}

// benchQuery is one query in both languages; the SQL returns the rows or the count the
// stablegraph query does.
type benchQuery struct {
	name  string
	query string
	sql   string
	count bool
}

func benchQueries(w *benchWorld) []benchQuery {
	return []benchQuery{
		{
			name:  "example1",
			query: fmt.Sprintf(`FIND player WHERE health < 10 AND member_of -> guild/%d SELECT name, health ORDER BY health LIMIT 20`, w.guild),
			sql: fmt.Sprintf(`SELECT e.id, e.name, e.health FROM member_of m JOIN entity e ON e.id = m.s
				WHERE m.o = %d AND e.kind = 'player' AND e.health < 10 ORDER BY e.health, e.id LIMIT 20`, w.guild),
		},
		{
			name:  "example2",
			query: `FIND player WHERE friend <- (FIND player WHERE name = "alice") COUNT`,
			sql: `SELECT COUNT(*) FROM entity p WHERE p.kind = 'player' AND p.id IN (
				SELECT f.o FROM friend f JOIN entity a ON a.id = f.s WHERE a.kind = 'player' AND a.name = 'alice')`,
			count: true,
		},
		{
			name:  "example3",
			query: `FIND Synset WHERE hypernym ->+ <http://example.org/id/dog> COUNT`,
			sql: `WITH RECURSIVE sub(id) AS (
					SELECT h.s FROM hypernym h WHERE h.o = (SELECT id FROM entity WHERE iri = 'http://example.org/id/dog')
					UNION SELECT h.s FROM hypernym h JOIN sub ON h.o = sub.id)
				SELECT COUNT(*) FROM sub JOIN entity e ON e.id = sub.id WHERE e.kind = 'Synset'`,
			count: true,
		},
		{
			name:  "2hop",
			query: `FIND player WHERE friend <- (FIND player WHERE friend <- (FIND player WHERE name = "alice")) COUNT`,
			sql: `SELECT COUNT(*) FROM entity p WHERE p.kind = 'player' AND p.id IN (
				SELECT f2.o FROM friend f2 JOIN entity m ON m.id = f2.s
				WHERE m.kind = 'player' AND f2.s IN (
					SELECT f1.o FROM friend f1 JOIN entity a ON a.id = f1.s WHERE a.kind = 'player' AND a.name = 'alice'))`,
			count: true,
		},
	}
}

// sqlRun runs q on the world's connection and returns its rows (ids, or the count).
func (w *benchWorld) sqlRun(b testing.TB, stmt *sql.Stmt) []int64 {
	rows, err := stmt.Query()
	require.NoError(b, err)
	defer rows.Close()
	var out []int64
	cols, err := rows.Columns()
	require.NoError(b, err)
	vals := make([]any, len(cols))
	for rows.Next() {
		var first int64
		vals[0] = &first
		for i := 1; i < len(cols); i++ {
			vals[i] = new(any)
		}
		require.NoError(b, rows.Scan(vals...))
		out = append(out, first)
	}
	require.NoError(b, rows.Err())
	return out
}

// sqlPages runs stmt with an empty page cache and returns the pages SQLite read.
func (w *benchWorld) sqlPages(b testing.TB, stmt *sql.Stmt) uint64 {
	ctx := context.Background()
	_, err := w.conn.ExecContext(ctx, "PRAGMA shrink_memory")
	require.NoError(b, err)
	status := func(reset bool) int {
		var n int
		require.NoError(b, w.conn.Raw(func(dc any) error {
			cur, _, err := dc.(sqlite.DBStatus).Status(sqlite.DBStatusCacheMiss, reset)
			n = cur
			return err
		}))
		return n
	}
	status(true)
	w.sqlRun(b, stmt)
	return uint64(status(false))
}

func BenchmarkQueries(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		if n > *benchMax {
			continue
		}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			w := getBenchWorld(b, n)
			for _, bq := range benchQueries(w) {
				q, err := Parse(bq.query)
				require.NoError(b, err)
				plan, err := Prepare(w.db, q)
				require.NoError(b, err)
				stmt, err := w.conn.PrepareContext(context.Background(), bq.sql)
				require.NoError(b, err)

				// Both give the same answer.
				res, err := plan.Run(RunOptions{})
				require.NoError(b, err)
				got := w.sqlRun(b, stmt)
				if bq.count {
					require.Equal(b, []int64{int64(res.Count)}, got, bq.name)
				} else {
					ids := make([]int64, len(res.IDs))
					for i, id := range res.IDs {
						ids[i] = int64(id)
					}
					require.Equal(b, got, ids, bq.name)
				}

				b.Run(bq.name+"/stablegraph", func(b *testing.B) {
					var pages uint64
					for b.Loop() {
						res, err := plan.Run(RunOptions{})
						if err != nil {
							b.Fatal(err)
						}
						pages = res.Stats.PagesRead
					}
					b.ReportMetric(float64(pages), "pages/op")
					b.ReportMetric(float64(plan.EstimatedPages()), "estpages/op")
				})
				b.Run(bq.name+"/sqlite", func(b *testing.B) {
					pages := w.sqlPages(b, stmt)
					for b.Loop() {
						w.sqlRun(b, stmt)
					}
					b.ReportMetric(float64(pages), "pages/op")
				})
				stmt.Close()
			}
		})
	}
}

// TestBenchQueriesAgree runs the benchmark's queries on a small world in both systems and
// checks that they agree, so that the benchmark compares like with like.
func TestBenchQueriesAgree(t *testing.T) {
	w := buildBenchWorld(t, 4000)
	for _, bq := range benchQueries(w) {
		plan, err := Prepare(w.db, mustParse(t, bq.query))
		require.NoError(t, err)
		stmt, err := w.conn.PrepareContext(context.Background(), bq.sql)
		require.NoError(t, err)
		res, err := plan.Run(RunOptions{})
		require.NoError(t, err)
		got := w.sqlRun(t, stmt)
		if bq.count {
			require.Equal(t, []int64{int64(res.Count)}, got, bq.name)
			require.NotZero(t, res.Count, bq.name)
		} else {
			ids := make([]int64, len(res.IDs))
			for i, id := range res.IDs {
				ids[i] = int64(id)
			}
			require.Equal(t, got, ids, bq.name)
		}
		require.NotZero(t, w.sqlPages(t, stmt))
		require.NoError(t, stmt.Close())
	}
}

func mustParse(tb testing.TB, text string) *Query {
	tb.Helper()
	q, err := Parse(text)
	require.NoError(tb, err)
	return q
}
