package bench

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stablegraph/stablegraph/query"

	"github.com/stretchr/testify/require"
)

// kuzuTestScale is small enough for CI and large enough for several guilds and a spread of
// health values.
const kuzuTestScale = 3000

// TestWriteNTriplesAgreesWithFixture reads the N-Triples back line by line and checks every
// triple against the fixture: one type per entity, every value and every edge.
func TestWriteNTriplesAgreesWithFixture(t *testing.T) {
	f := NewFixture(kuzuTestScale)
	var buf bytes.Buffer
	n, err := WriteNTriples(f, &buf)
	require.NoError(t, err)

	perPred := map[string]int{}
	types := map[string]string{}
	values := map[string]map[string]string{} // subject → predicate → object (single-valued)
	friends := map[string][]string{}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	require.EqualValues(t, n, len(lines))
	for _, line := range lines {
		require.True(t, strings.HasSuffix(line, " ."), line)
		s, rest, _ := strings.Cut(strings.TrimSuffix(line, " ."), " ")
		p, o, _ := strings.Cut(rest, " ")
		s, p = strings.Trim(s, "<>"), strings.Trim(p, "<>")
		perPred[p]++
		switch {
		case p == rdfType:
			types[s] = strings.TrimPrefix(strings.Trim(o, "<>"), WorldIRI)
		case p == WorldIRI+"friend":
			friends[s] = append(friends[s], strings.Trim(o, "<>"))
		default:
			if values[s] == nil {
				values[s] = map[string]string{}
			}
			_, dup := values[s][p]
			require.False(t, dup, "%s has two %s", s, p)
			values[s][p] = o
		}
	}
	hasVel := 0
	for i := range f.N {
		if f.HasVel[i] {
			hasVel++
		}
	}
	require.Equal(t, f.N+f.G, perPred[rdfType])
	require.Equal(t, f.N+f.G, perPred[WorldIRI+"name"])
	require.Equal(t, f.N, perPred[WorldIRI+"health"])
	require.Equal(t, f.N, perPred[WorldIRI+"member_of"])
	require.Equal(t, len(f.Friends), perPred[WorldIRI+"friend"])
	require.Equal(t, hasVel, perPred[WorldIRI+"dx"])
	require.Equal(t, hasVel, perPred[WorldIRI+"dy"])

	for i := range f.N {
		s := f.EntityIRI(f.PlayerID(i))
		require.Equal(t, "Player", types[s])
		v := values[s]
		require.Equal(t, strconv.Quote(PlayerName(i)), v[WorldIRI+"name"])
		require.Equal(t, fmt.Sprintf(`"%d"^^<%s>`, f.Health[i], xsdInteger), v[WorldIRI+"health"])
		require.Equal(t, "<"+f.EntityIRI(f.GuildID(int(f.Guild[i])))+">", v[WorldIRI+"member_of"])
		x, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimPrefix(v[WorldIRI+"x"], `"`), `"^^<`+xsdDouble+">"), 64)
		require.NoError(t, err)
		require.Equal(t, float64(f.Pos[i].X), x)
		if f.HasVel[i] {
			require.Equal(t, fmt.Sprintf(`"%s"^^<%s>`, formatDouble(f.Vel[i].Y), xsdDouble), v[WorldIRI+"dy"])
		}
		var want []string
		for _, j := range f.FriendsOf(i) {
			want = append(want, f.EntityIRI(f.PlayerID(int(j))))
		}
		require.Equal(t, want, friends[s])
	}
	for g := range f.G {
		s := f.EntityIRI(f.GuildID(g))
		require.Equal(t, "Guild", types[s])
		require.Equal(t, strconv.Quote(GuildName(g)), values[s][WorldIRI+"name"])
	}
}

// TestWriteKuzuCSVAgreesWithFixture reads the four CSV files back and checks every row.
func TestWriteKuzuCSVAgreesWithFixture(t *testing.T) {
	f := NewFixture(kuzuTestScale)
	dir := t.TempDir()
	require.NoError(t, WriteKuzuCSV(f, dir))
	read := func(name string) [][]string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		rows, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
		require.NoError(t, err, name)
		return rows
	}
	num := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		require.NoError(t, err)
		return v
	}

	players := read(KuzuPlayersCSV)
	require.Equal(t, []string{"id", "name", "health", "x", "y", "dx", "dy"}, players[0])
	require.Len(t, players, f.N+1)
	for i, r := range players[1:] {
		require.Equal(t, strconv.FormatUint(f.PlayerID(i), 10), r[0])
		require.Equal(t, PlayerName(i), r[1])
		require.Equal(t, strconv.Itoa(int(f.Health[i])), r[2])
		require.Equal(t, float64(f.Pos[i].X), num(r[3]))
		require.Equal(t, float64(f.Pos[i].Y), num(r[4]))
		if f.HasVel[i] {
			require.Equal(t, float64(f.Vel[i].X), num(r[5]))
			require.Equal(t, float64(f.Vel[i].Y), num(r[6]))
		} else {
			require.Equal(t, []string{"", ""}, r[5:])
		}
	}
	guilds := read(KuzuGuildsCSV)
	require.Len(t, guilds, f.G+1)
	for g, r := range guilds[1:] {
		require.Equal(t, []string{strconv.FormatUint(f.GuildID(g), 10), GuildName(g)}, r)
	}
	members := read(KuzuMemberOfCSV)
	require.Len(t, members, f.N+1)
	for i, r := range members[1:] {
		require.Equal(t, []string{strconv.FormatUint(f.PlayerID(i), 10), strconv.FormatUint(f.GuildID(int(f.Guild[i])), 10)}, r)
	}
	friends := read(KuzuFriendCSV)
	require.Len(t, friends, len(f.Friends)+1)
	k := 1
	for i := range f.N {
		for _, j := range f.FriendsOf(i) {
			require.Equal(t, []string{strconv.FormatUint(f.PlayerID(i), 10), strconv.FormatUint(f.PlayerID(int(j)), 10)}, friends[k])
			k++
		}
	}
}

// TestKuzuQueriesOnImportedWorld imports the N-Triples as `graphctl import` does and checks
// that our four queries find exactly the fixture's entities (brute force over its slices),
// through Measure as the comparison runs them.
func TestKuzuQueriesOnImportedWorld(t *testing.T) {
	f := NewFixture(kuzuTestScale)
	dir := t.TempDir()
	nt := filepath.Join(dir, "world.nt")
	fh, err := os.Create(nt)
	require.NoError(t, err)
	_, err = WriteNTriples(f, fh)
	require.NoError(t, err)
	require.NoError(t, fh.Close())

	w, err := ImportNTriples(nt, filepath.Join(dir, "world.sgdb"))
	require.NoError(t, err)
	defer w.Close()

	qs := KuzuQueries(f)
	require.Len(t, qs, 4)
	for _, q := range qs {
		t.Run(q.Name, func(t *testing.T) {
			require.NotZero(t, q.Want, "a query that finds nothing checks nothing")
			ids, err := w.IDs(q)
			require.NoError(t, err)
			if !q.Count {
				require.Equal(t, q.WantIDs, ids)
				require.EqualValues(t, len(ids), q.Want)
			}
			tm, err := w.Measure(q, 1, 5)
			require.NoError(t, err)
			require.Equal(t, q.Want, tm.Answer)
			require.Equal(t, 5, tm.Runs)
			require.NotZero(t, tm.Pages)
			require.LessOrEqual(t, tm.P10, tm.Median)
			require.LessOrEqual(t, tm.Median, tm.P90)
		})
	}
	// The brute-force answers themselves, from the fixture's definition of each query.
	var high uint64
	for _, h := range f.Health {
		if h > 50 {
			high++
		}
	}
	require.Equal(t, high, qs[1].Want)
	for _, id := range qs[0].WantIDs {
		require.Less(t, f.Health[id-1], int32(10))
	}
	for _, id := range qs[2].WantIDs {
		require.EqualValues(t, f.G/2, f.Guild[id-1])
	}
}

// BenchmarkKuzuQueries runs our side of the comparison with Kùzu (the world imported from
// N-Triples at KuzuScale players, 3000 with -short), one sub-benchmark per query and way
// of running it (Run, a new Result each time; RunInto, one Result reused, as Measure
// does), with the pages each run reads; for profiles:
//
//	go test -run '^$' -bench KuzuQueries -cpuprofile cpu.out ./bench/
func BenchmarkKuzuQueries(b *testing.B) {
	n := KuzuScale
	if testing.Short() {
		n = kuzuTestScale
	}
	f := NewFixture(n)
	dir, err := os.MkdirTemp(root, "kuzu-")
	require.NoError(b, err)
	nt := filepath.Join(dir, "world.nt")
	fh, err := os.Create(nt)
	require.NoError(b, err)
	_, err = WriteNTriples(f, fh)
	require.NoError(b, err)
	require.NoError(b, fh.Close())
	w, err := ImportNTriples(nt, filepath.Join(dir, "world.sgdb"))
	require.NoError(b, err)
	defer w.Close()
	for _, q := range KuzuQueries(f) {
		for _, into := range []bool{false, true} {
			b.Run(fmt.Sprintf("query=%s/into=%v", strings.ReplaceAll(q.Name, " ", "_"), into), func(b *testing.B) {
				parsed, err := query.Parse(q.Ours)
				require.NoError(b, err)
				p, err := query.Prepare(w.DB(), parsed)
				require.NoError(b, err)
				var pages uint64
				res := &query.Result{}
				b.ResetTimer()
				for range b.N {
					if into {
						err = p.RunInto(res, query.RunOptions{})
					} else {
						res, err = p.Run(query.RunOptions{})
					}
					if err != nil || res.Count != q.Want {
						b.Fatalf("%s: %v, %d found, want %d", q.Ours, err, res.Count, q.Want)
					}
					pages = res.Stats.PagesRead
				}
				b.ReportMetric(float64(pages), "pages/op")
			})
		}
	}
}
