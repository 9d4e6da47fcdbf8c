package query

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/uri"
	"github.com/stablegraph/stablegraph/verb"
)

// world is the fixture of the page, EXPLAIN and error tests: a small game world with
// players in guilds, friendships between players, and items they own.
type world struct {
	db      *entity.DB
	player  *entity.Kind
	guild   *entity.Kind
	item    *entity.Kind
	name    *column.Column[string]
	health  *column.Column[int32]
	level   *column.Column[int8]
	score   *column.Column[float64]
	tags    *column.Column[string]
	alive   *column.Column[bool]
	gold    *column.Column[int64]
	pos     *column.Column[position]
	member  *verb.Verb
	friend  *verb.Verb
	owns    *verb.Verb
	guilds  []entity.ID
	players []entity.ID
	items   []entity.ID
}

// position is a struct column's type: comparable with no literal, orderable by nothing.
type position struct{ X, Y float32 }

// fixtureScope is the scope of the fixture's store, so that its results carry URIs.
var fixtureScope = func() uri.Scope {
	s, err := uri.ParseScope("ryjl3-tyaaa-aaaaa-aaaba-cai")
	if err != nil {
		panic(err)
	}
	return s
}()

// newWorld builds the fixture: nGuilds guilds, then nPlayers players, then one item per
// player, all values a function of the entity's number so that every run builds the same
// store. Guild g has ID g+1.
//
//   - guild g: name "g<g>", gold 100·g;
//   - player i: name "alice" for 0, "bob" for 1, else "p<i>"; health i % 100, level
//     i % 50, score i / 4, gold i, alive for even i, tags "t<i%5>" and "t<i%7>"; a
//     member of guild i % nGuilds; a friend of players i+1 and i+7 (modulo nPlayers);
//   - item i: name "item<i>", owned by player i.
//
// name, health and tags are indexed; level, score, gold and alive are not. Guild 0 has a
// pos; no one else does.
func newWorld(t testing.TB, nPlayers, nGuilds int) *world {
	t.Helper()
	s := entity.NewSchema()
	w := &world{
		player: s.Kind("player"),
		guild:  s.Kind("guild"),
		item:   s.Kind("item"),
		name:   column.Define[string](s, "name", column.MaxLen(32), column.Indexed()),
		health: column.Define[int32](s, "health", column.Indexed()),
		level:  column.Define[int8](s, "level"),
		score:  column.Define[float64](s, "score"),
		tags:   column.Define[string](s, "tags", column.MaxLen(16), column.Multi(), column.Indexed()),
		alive:  column.Define[bool](s, "alive"),
		gold:   column.Define[int64](s, "gold"),
		pos:    column.Define[position](s, "pos"),
		member: verb.Define(s, "member_of", verb.ManyToOne()),
		friend: verb.Define(s, "friend"),
		owns:   verb.Define(s, "owns", verb.OneToMany()),
	}
	w.db = testutil.OpenDB(t, s, &entity.Options{Scope: fixtureScope})
	require.NoError(t, w.db.Update(func(tx *entity.Tx) error {
		for g := range nGuilds {
			id, err := w.guild.New(tx)
			if err != nil {
				return err
			}
			w.guilds = append(w.guilds, id)
			if err := firstErr(w.name.Set(tx, id, fmt.Sprintf("g%d", g)), w.gold.Set(tx, id, int64(100*g))); err != nil {
				return err
			}
			if g == 0 {
				if err := w.pos.Set(tx, id, position{X: 1, Y: 2}); err != nil {
					return err
				}
			}
		}
		for i := range nPlayers {
			id, err := w.player.New(tx)
			if err != nil {
				return err
			}
			w.players = append(w.players, id)
			name := fmt.Sprintf("p%d", i)
			switch i {
			case 0:
				name = "alice"
			case 1:
				name = "bob"
			}
			err = firstErr(
				w.name.Set(tx, id, name),
				w.gold.Set(tx, id, int64(i)),
				w.health.Set(tx, id, int32(i%100)),
				w.level.Set(tx, id, int8(i%50)),
				w.score.Set(tx, id, float64(i)/4),
				w.alive.Set(tx, id, i%2 == 0),
				w.tags.Add(tx, id, fmt.Sprintf("t%d", i%5)),
				w.tags.Add(tx, id, fmt.Sprintf("t%d", i%7)),
				w.member.Link(tx, id, w.guilds[i%nGuilds]),
			)
			if err != nil {
				return err
			}
		}
		for i, p := range w.players {
			for _, j := range []int{i + 1, i + 7} {
				if err := w.friend.Link(tx, p, w.players[j%nPlayers]); err != nil {
					return err
				}
			}
		}
		for i, p := range w.players {
			id, err := w.item.New(tx)
			if err != nil {
				return err
			}
			w.items = append(w.items, id)
			if err := firstErr(w.name.Set(tx, id, fmt.Sprintf("item%d", i)), w.owns.Link(tx, p, id)); err != nil {
				return err
			}
		}
		return nil
	}))
	return w
}

var (
	sharedOnce  sync.Once
	sharedW     *world
	sharedPanic any
)

// sharedWorld returns newWorld(t, 5000, 10), built once for all the tests that only read
// it. Queries never write, and a query's pages do not depend on those run before it.
func sharedWorld(t testing.TB) *world {
	t.Helper()
	sharedOnce.Do(func() {
		defer func() { sharedPanic = recover() }()
		sharedW = newWorld(t, 5000, 10)
	})
	if sharedW == nil {
		t.Fatalf("building the shared world failed: %v", sharedPanic)
	}
	return sharedW
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// run prepares and runs text on w, failing the test on an error.
func (w *world) run(t testing.TB, text string) (*Plan, *Result) {
	t.Helper()
	q, err := Parse(text)
	require.NoError(t, err)
	p, err := Prepare(w.db, q)
	require.NoError(t, err)
	res, err := p.Run(RunOptions{})
	require.NoError(t, err)
	return p, res
}

// taxonomy is the fixture of transitive queries: n synsets in a ternary tree, synset i's
// hypernym being synset (i-1)/3, each with the IRI http://example.org/id/n<i> but synset
// dogIndex, whose IRI is http://example.org/id/dog.
type taxonomy struct {
	db       *entity.DB
	synset   *entity.Kind
	hypernym *verb.Verb
	ids      []entity.ID
}

const dogIndex = 4

func taxonomyIRI(i int) string {
	if i == dogIndex {
		return "http://example.org/id/dog"
	}
	return fmt.Sprintf("http://example.org/id/n%d", i)
}

func newTaxonomy(t testing.TB, n int) *taxonomy {
	t.Helper()
	s := entity.NewSchema()
	x := &taxonomy{synset: s.Kind("Synset"), hypernym: verb.Define(s, "hypernym", verb.ManyToOne())}
	x.db = testutil.OpenDB(t, s, &entity.Options{Scope: fixtureScope})
	require.NoError(t, x.db.Update(func(tx *entity.Tx) error {
		for i := range n {
			id, err := x.synset.Intern(tx, taxonomyIRI(i))
			if err != nil {
				return err
			}
			x.ids = append(x.ids, id)
			if i > 0 {
				if err := x.hypernym.Link(tx, id, x.ids[(i-1)/3]); err != nil {
					return err
				}
			}
		}
		return nil
	}))
	return x
}

// descendants returns how many synsets lie below synset i in a taxonomy of n.
func descendants(i, n int) int {
	count := 0
	for level := []int{i}; len(level) > 0; {
		var next []int
		for _, j := range level {
			for c := 3*j + 1; c <= 3*j+3 && c < n; c++ {
				next = append(next, c)
			}
		}
		count += len(next)
		level = next
	}
	return count
}
