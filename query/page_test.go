package query

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
)

// The page tests pin the pages queries read on the fixtures of fixture_test.go. Page
// counts are exact and deterministic, so they are asserted as numbers; where a number
// follows from the trees' shapes, the test says how.

// heights returns the height of each named tree of w: "name", "name index", "health",
// "player", "$kind".
func (w *world) heights(t *testing.T) map[string]int {
	t.Helper()
	h := map[string]int{}
	require.NoError(t, w.db.View(func(tx *entity.Tx) error {
		h["name"] = w.name.Dyn().Tree(tx).Height()
		h["name index"] = w.name.Dyn().IndexTree(tx).Height()
		h["health"] = w.health.Dyn().Tree(tx).Height()
		h["gold"] = w.gold.Dyn().Tree(tx).Height()
		h["player"] = w.player.Tree(tx).Height()
		h["guild"] = w.guild.Tree(tx).Height()
		h["$kind"] = tx.Must(tx.VarTree(entity.VarKind, 0, false)).Height()
		return nil
	}))
	return h
}

// TestPointQueryPages checks that a point query reads the pages its plan says: one
// lookup (the tree's height) in each tree it touches.
func TestPointQueryPages(t *testing.T) {
	w := sharedWorld(t)
	h := w.heights(t)
	require.Equal(t, map[string]int{"name": 2, "name index": 2, "health": 2, "gold": 2, "player": 2, "guild": 1, "$kind": 2}, h)

	// The name index finds the entity, a probe of the kind's tree checks it is a player,
	// a probe of health reads its value.
	p, res := w.run(t, `FIND player WHERE name = "p1234" SELECT health`)
	require.Equal(t, [][]Value{{"ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/1245", int64(34)}}, res.Rows)
	want := uint64(h["name index"] + h["player"] + h["health"])
	assert.Equal(t, want, p.EstimatedPages())
	assert.Equal(t, want, res.Stats.PagesRead)
	assert.Equal(t, want, res.Stats.EstimatedPages)
	assert.Equal(t, map[string]uint64{"name": 2, "player": 2, "health": 2}, res.Stats.ByVariable)
	assert.Zero(t, res.Stats.PagesDirtied)
	assert.Equal(t, uint64(1), res.Stats.Rows)

	// A guild: the kind's tree is a single leaf, cheaper to read whole than to probe.
	p, res = w.run(t, `FIND guild WHERE name = "g3"`)
	require.Equal(t, []entity.ID{w.guilds[3]}, res.IDs)
	assert.Equal(t, uint64(h["name index"]+h["guild"]), p.EstimatedPages())
	assert.Equal(t, p.EstimatedPages(), res.Stats.PagesRead)
	assert.Equal(t, map[string]uint64{"name": 2, "guild": 1}, res.Stats.ByVariable)

	// Following an edge from one entity: resolve it in $kind (its height), probe the
	// reverse tree of member_of once for its subjects.
	p, res = w.run(t, fmt.Sprintf(`FIND player WHERE member_of -> guild/%d COUNT`, w.guilds[3]))
	assert.Equal(t, uint64(500), res.Count)
	assert.Contains(t, p.Explain(), "Probe verb member_of (object, subject) for each target")
	// 500 subjects of 16-byte keys fill parts of three leaves of the reverse tree; the
	// players are every ID from the first to the last, so the kind's tree is read at its
	// two ends (root and two leaves) rather than whole (11 pages) or probed 500 times.
	assert.Equal(t, map[string]uint64{"$kind": 2, "member_of": 5, "player": 3}, res.Stats.ByVariable)
	assert.Equal(t, uint64(10), res.Stats.PagesRead)
}

// TestProbeToScan checks how the planner reads a column for a growing candidate set: the
// players of one guild, filtered by gold (not indexed), as the guilds get fewer and
// larger. Once the probes reach every page of the column, probing reads as many pages
// as a scan, and still wins on CPU work: it decodes only the candidates' values (it
// intersects instead from half the column's entries, when the probes cost as much work
// as decoding every value).
func TestProbeToScan(t *testing.T) {
	tests := []struct {
		guilds    int
		members   uint64 // players per guild: the candidates
		step      string // how the plan reads gold
		pagesRead uint64
		goldPages uint64
	}{
		{1000, 5, "Probe column gold", 16, 7},
		{500, 10, "Probe column gold", 20, 13}, // the kind read at its ends: 3 pages, not 9
		{250, 20, "Probe column gold", 28, 21}, // and not 10
		{100, 50, "Probe column gold", 28, 21}, // as many pages as the scan, fewer values decoded
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.guilds), func(t *testing.T) {
			w := newWorld(t, 5000, tt.guilds)
			text := fmt.Sprintf(`FIND player WHERE member_of -> guild/%d AND gold > 1000 COUNT`, w.guilds[3])
			p, res := w.run(t, text)
			explain := p.Explain()
			assert.Contains(t, explain, tt.step, explain)
			words := strings.Join(strings.Fields(explain), " ")
			assert.Contains(t, words, fmt.Sprintf("for each target: member_of -> guild/%d %d ", w.guilds[3], tt.members), explain)
			assert.Equal(t, tt.members*4/5, res.Count) // gold > 1000: players 1001 and on
			assert.Equal(t, tt.pagesRead, res.Stats.PagesRead)
			assert.Equal(t, tt.goldPages, res.Stats.ByVariable["gold"])
		})
	}
}

// figures matches the estimates that end a line of EXPLAIN.
var figures = regexp.MustCompile(`(\s+\d+){4}$`)

// TestAdaptiveFilter checks that one plan probes or intersects by the candidates it
// actually meets: both BETWEENs on strings get the same steps ("p12".."p12zz" is counted
// at 111 in the index, "p1".."p1zz" at least the 626 a dive reads, facts.go), but
// "p12".."p12zz" matches 111 players whose IDs span a fiftieth of the store, and
// "p1".."p1zz" 1111 spread wider.
func TestAdaptiveFilter(t *testing.T) {
	w := sharedWorld(t)
	pn, narrow := w.run(t, `FIND player WHERE name BETWEEN "p12" AND "p12zz" AND gold > 10 COUNT`)
	pw, wide := w.run(t, `FIND player WHERE name BETWEEN "p1" AND "p1zz" AND gold > 10 COUNT`)
	norm := func(explain, lo, hi string) string {
		explain = strings.ReplaceAll(strings.ReplaceAll(explain, lo, "LO"), hi, "HI")
		var steps []string // the steps, without their estimates nor the totals
		for _, l := range strings.Split(explain, "\n") {
			if l = figures.ReplaceAllString(l, ""); !strings.HasPrefix(l, "planning") && (!strings.Contains(l, ":") || strings.Contains(l, "─")) {
				steps = append(steps, strings.TrimSpace(l))
			}
		}
		return strings.Join(steps, "\n")
	}
	assert.Equal(t, norm(pn.Explain(), `"p12"`, `"p12zz"`), norm(pw.Explain(), `"p1"`, `"p1zz"`), "one plan for both")
	assert.Equal(t, uint64(111), narrow.Count)
	assert.Equal(t, uint64(1109), wide.Count)
	assert.Equal(t, map[string]uint64{"gold": 4, "name": 3, "player": 3}, narrow.Stats.ByVariable)
	assert.Equal(t, map[string]uint64{"gold": 7, "name": 13, "player": 3}, wide.Stats.ByVariable) // the kind at its ends
}

// TestLimitPushdown checks that a LIMIT without ORDER BY reads only as far as it must
// along a scan in ID order, and that an ORDER BY on an indexed column reads the index in
// order up to the limit.
func TestLimitPushdown(t *testing.T) {
	w := sharedWorld(t)
	p, res := w.run(t, `FIND player LIMIT 5`)
	assert.Equal(t, w.players[:5], res.IDs)
	assert.Equal(t, uint64(2), p.EstimatedPages())
	assert.Equal(t, map[string]uint64{"player": 2}, res.Stats.ByVariable) // the root and the first leaf

	_, all := w.run(t, `FIND player COUNT`)
	assert.Equal(t, uint64(5000), all.Count)
	assert.Equal(t, map[string]uint64{"player": 11}, all.Stats.ByVariable) // 10 leaves and the root

	// level is not indexed: the scan of level stops after the first 5 players at level 3.
	_, res = w.run(t, `FIND player WHERE level = 3 LIMIT 5`)
	assert.Equal(t, []entity.ID{w.players[3], w.players[53], w.players[103], w.players[153], w.players[203]}, res.IDs)
	assert.Equal(t, map[string]uint64{"level": 3, "player": 3}, res.Stats.ByVariable)

	// ORDER BY an indexed column: the index in order, until 3 players are found.
	p, res = w.run(t, `FIND player SELECT name ORDER BY health DESC LIMIT 3`)
	assert.Contains(t, p.Explain(), "Order by health DESC: scan index of health in order until the limit")
	assert.Equal(t, [][]Value{
		{"ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/5010", "p4999"}, // health 99, the largest ID first
		{"ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/4910", "p4899"},
		{"ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/4810", "p4799"},
	}, res.Rows)
	assert.Equal(t, uint64(2), res.Stats.ByVariable["health"])

	// ORDER BY a column without an index reads it for every entity found, and sorts.
	p, res = w.run(t, `FIND player WHERE member_of -> guild/1 SELECT gold ORDER BY gold DESC LIMIT 2`)
	assert.Contains(t, p.Explain(), "Order by gold DESC: read column gold and sort")
	assert.Equal(t, []Value{"ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/5001", int64(4990)}, res.Rows[0])
	assert.Equal(t, []Value{"ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/4991", int64(4980)}, res.Rows[1])
}

// TestExampleQueries runs the examples of the issue on the fixtures.
func TestExampleQueries(t *testing.T) {
	w := sharedWorld(t)
	p, res := w.run(t, `FIND player WHERE health < 10 AND member_of -> guild/7 SELECT name, health ORDER BY health LIMIT 20`)
	require.Len(t, res.Rows, 20)
	for i, row := range res.Rows { // guild/7 is guild 6: players 6, 16, 26, …; health < 10: 6, 106, 206, …
		assert.Equal(t, []Value{
			fmt.Sprintf("ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/%d", w.players[100*i+6]),
			fmt.Sprintf("p%d", 100*i+6),
			int64(6),
		}, row)
	}
	assert.Equal(t, []string{"entity", "name", "health"}, res.Columns)
	// Reads 30: see the golden EXPLAIN. health < 10 is counted from the leaves it spans,
	// 500 players (500), so the ORDER BY is expected to scan more of health's index before
	// 20 of guild/7 pass than the 1250 guessed before (it reads none: the range has read
	// those leaves).
	assert.Equal(t, uint64(55), p.EstimatedPages())
	assert.Equal(t, uint64(30), res.Stats.PagesRead)
	// The players are every ID from the first to the last: their tree is read at its two
	// ends (3 pages), not whole (11).
	assert.Equal(t, map[string]uint64{"$kind": 2, "health": 10, "member_of": 5, "name": 10, "player": 3}, res.Stats.ByVariable)

	_, res = w.run(t, `FIND player WHERE friend <- (FIND player WHERE name = "alice") COUNT`)
	assert.Equal(t, uint64(2), res.Count) // alice (player 0) befriends players 1 and 7
	assert.Empty(t, res.Rows)
	assert.Equal(t, uint64(6), res.Stats.PagesRead)

	x := newTaxonomy(t, 5000)
	res, err := Exec(x.db, `FIND Synset WHERE hypernym ->+ <http://example.org/id/dog> COUNT`, RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, uint64(descendants(dogIndex, 5000)), res.Count)
	assert.Equal(t, map[string]uint64{"$iri": 2, "Synset": 3, "hypernym": 10}, res.Stats.ByVariable) // Synset at its ends
}

// TestPlanRunsConcurrently runs one plan from several goroutines: a Plan does not change
// when it runs, and each run counts its own pages.
func TestPlanRunsConcurrently(t *testing.T) {
	w := newWorld(t, 2000, 10)
	p, want := w.run(t, `FIND player WHERE health < 10 AND member_of -> guild/7 SELECT name ORDER BY health LIMIT 5`)
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			res, err := p.Run(RunOptions{})
			if err == nil && (res.Stats.PagesRead != want.Stats.PagesRead || len(res.Rows) != len(want.Rows)) {
				err = fmt.Errorf("run read %d pages, %d rows; want %d, %d", res.Stats.PagesRead, len(res.Rows), want.Stats.PagesRead, len(want.Rows))
			}
			errs <- err
		}()
	}
	for range 8 {
		assert.NoError(t, <-errs)
	}
}

// TestDenseKindProbe checks the kind probe that reads its tree's two ends: planned when
// the kind's members are every ID from the first to the last, it keeps the candidates
// between them; a plan made then and run after the kind stopped being so checks the
// ends again and probes the candidates as usual, so an entity of another kind between
// them never passes.
func TestDenseKindProbe(t *testing.T) {
	w := newWorld(t, 2000, 10) // guilds first, then players: the players are dense
	q, err := Parse(`FIND player WHERE gold > 10 COUNT`)
	require.NoError(t, err)
	p, err := Prepare(w.db, q)
	require.NoError(t, err)
	require.Contains(t, p.Explain(), "Probe kind player, or its tree's ends where fewer pages")
	res, err := p.Run(RunOptions{})
	require.NoError(t, err)
	assert.Equal(t, uint64(2000-11), res.Count) // players 11 and on; no guild
	assert.Equal(t, uint64(3), res.Stats.ByVariable["player"], "root and two leaves")
	assert.Equal(t, p.EstimatedPages(), res.Stats.PagesRead)

	// An item between players, with gold: the players are no longer every ID of their span.
	var item, late entity.ID
	require.NoError(t, w.db.Update(func(tx *entity.Tx) error {
		var err error
		if item, err = w.item.New(tx); err != nil {
			return err
		}
		if late, err = w.player.New(tx); err != nil {
			return err
		}
		return firstErr(w.gold.Set(tx, item, 50), w.gold.Set(tx, late, 50))
	}))
	res, err = p.Run(RunOptions{})
	require.NoError(t, err)
	require.Contains(t, p.Explain(), "or its tree's ends", "the plan made when they were")
	assert.Equal(t, uint64(2000-11+1), res.Count, "the late player, not the item")
	assert.Greater(t, res.Stats.ByVariable["player"], uint64(3), "the ends, then the probe")
	pn, res := w.run(t, `FIND player WHERE gold > 10`)
	assert.Contains(t, res.IDs, late)
	assert.NotContains(t, res.IDs, item)
	assert.NotContains(t, pn.Explain(), "or its tree's ends", "planned again: not dense")
}
