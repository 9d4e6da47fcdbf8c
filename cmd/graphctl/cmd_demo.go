package main

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/uri"
	"github.com/stablegraph/stablegraph/verb"
)

// position is where a player stands.
type position struct {
	X, Y float32
}

// world is the demo's schema: the typed handles the demo writes through.
type world struct {
	schema               *entity.Schema
	player, guild, item  *entity.Kind
	name, rarity         *column.Column[string]
	health, level        *column.Column[int32]
	gold                 *column.Column[int64]
	pos                  *column.Column[position]
	memberOf, owns, ally *verb.Verb
}

func newWorld() *world {
	s := entity.NewSchema()
	return &world{
		schema:   s,
		player:   s.Kind("player"),
		guild:    s.Kind("guild"),
		item:     s.Kind("item"),
		name:     column.Define[string](s, "name", column.MaxLen(32), column.Indexed()),
		rarity:   column.Define[string](s, "rarity", column.MaxLen(16), column.Indexed()),
		health:   column.Define[int32](s, "health", column.Indexed()),
		level:    column.Define[int32](s, "level", column.Indexed()),
		gold:     column.Define[int64](s, "gold"),
		pos:      column.Define[position](s, "position"),
		memberOf: verb.Define(s, "member_of", verb.ManyToOne()),
		owns:     verb.Define(s, "owns", verb.OneToMany()),
		ally:     verb.Define(s, "allied_with"),
	}
}

// Sizes of the demo world.
const (
	demoGuilds  = 8
	demoPlayers = 2000
	demoItems   = 6000
)

var (
	guildNames = []string{"Ironforge", "Silvermoon", "Stormwind", "Darnassus", "Undercity", "Thunder Bluff", "Orgrimmar", "Exodar"}
	syllables  = []string{"ka", "ri", "zo", "mel", "an", "dor", "thi", "bel", "ur", "esh", "ly", "vo"}
	itemNames  = []string{"sword", "shield", "bow", "staff", "helm", "ring", "amulet", "boots"}
	rarities   = []string{"common", "common", "common", "uncommon", "uncommon", "rare", "epic", "legendary"}
)

// build fills the world in one message, from a fixed seed: every run builds the same world
// and prints the same page counts.
func (w *world) build(db *entity.DB) error {
	rng := rand.New(rand.NewPCG(7, 11))
	return db.Update(func(tx *entity.Tx) error {
		var guilds []entity.ID
		for _, n := range guildNames[:demoGuilds] {
			g, err := w.guild.New(tx)
			if err != nil {
				return err
			}
			if err := w.name.Set(tx, g, n); err != nil {
				return err
			}
			guilds = append(guilds, g)
		}
		for i := 0; i+1 < len(guilds); i += 2 {
			if err := w.ally.Link(tx, guilds[i], guilds[i+1]); err != nil {
				return err
			}
		}
		var players []entity.ID
		for i := range demoPlayers {
			p, err := w.player.New(tx)
			if err != nil {
				return err
			}
			name := syllables[rng.IntN(len(syllables))] + syllables[rng.IntN(len(syllables))] + syllables[rng.IntN(len(syllables))]
			if i == 0 {
				name = "ann"
			} else {
				name = fmt.Sprintf("%s%d", name, i)
			}
			if err := w.name.Set(tx, p, name); err != nil {
				return err
			}
			if err := w.health.Set(tx, p, int32(rng.IntN(101))); err != nil {
				return err
			}
			if err := w.level.Set(tx, p, int32(1+rng.IntN(60))); err != nil {
				return err
			}
			if err := w.gold.Set(tx, p, int64(rng.IntN(100000))); err != nil {
				return err
			}
			if err := w.pos.Set(tx, p, position{X: rng.Float32() * 1000, Y: rng.Float32() * 1000}); err != nil {
				return err
			}
			if rng.IntN(10) < 8 { // most players are in a guild
				if err := w.memberOf.Link(tx, p, guilds[rng.IntN(len(guilds))]); err != nil {
					return err
				}
			}
			players = append(players, p)
		}
		for range demoItems {
			it, err := w.item.New(tx)
			if err != nil {
				return err
			}
			if err := w.name.Set(tx, it, itemNames[rng.IntN(len(itemNames))]); err != nil {
				return err
			}
			if err := w.rarity.Set(tx, it, rarities[rng.IntN(len(rarities))]); err != nil {
				return err
			}
			if rng.IntN(10) < 9 {
				if err := w.owns.Link(tx, players[rng.IntN(len(players))], it); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// demoQueries are the queries the demo runs, each with what it shows.
var demoQueries = []struct{ about, text string }{
	{"The weakest players: an index range on health, in health order.",
		`FIND player WHERE health < 5 SELECT name, health, level ORDER BY health LIMIT 5`},
	{"How many players a guild has: follow member_of backwards from a sub-query.",
		`FIND player WHERE member_of -> (FIND guild WHERE name = "Stormwind") COUNT`},
	{"Legendary items of high-level players: two index lookups and a verb, joined as bitmaps.",
		`FIND item WHERE rarity = "legendary" AND owns <- (FIND player WHERE level >= 58) SELECT name, rarity LIMIT 5`},
	{"Guilds and their allies.",
		`FIND guild WHERE allied_with -> ANY SELECT name`},
	{"A point lookup by an indexed name.",
		`FIND player WHERE name = "ann" SELECT name, health, position`},
	{"The plan of a query, with the pages each step is estimated to read.",
		`EXPLAIN FIND player WHERE level BETWEEN 10 AND 12 AND health > 90 SELECT name`},
}

func newDemoCmd(e *env) *cobra.Command {
	return &cobra.Command{
		Use:   "demo [--db FILE]",
		Short: "Build a small game world and run queries on it",
		Long: fmt.Sprintf(`Build a small game world: %d guilds, %d players and %d items, with names, health, levels,
gold and positions, guild membership (member_of, many-to-one), item ownership (owns,
one-to-many) and alliances. Then run a handful of queries and print their results with the
pages each read.

The world goes into FILE (which must not exist yet), or into a temporary file that is
removed at the end.`, demoGuilds, demoPlayers, demoItems),
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := e.needLocal("demo"); err != nil {
				return err
			}
			path, keep := e.db, true
			if path == "" {
				dir, err := os.MkdirTemp("", "graphctl-demo-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				path, keep = filepath.Join(dir, "world.sgdb"), false
			} else if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
				if err == nil {
					return fmt.Errorf("%s exists: give the demo a new file, or none", path)
				}
				return err
			}
			w := newWorld()
			h, err := e.openPath(path, openOptions{create: true, schema: w.schema, scope: demoScope()})
			if err != nil {
				return err
			}
			defer h.close()
			if err := w.build(h.db); err != nil {
				h.abandon()
				return err
			}
			where := path
			if !keep {
				where += " (a temporary file, deleted at the end)"
			}
			fmt.Fprintf(e.stdout, "Built a world of %d guilds, %d players and %d items in %s.\n",
				demoGuilds, demoPlayers, demoItems, where)
			for _, q := range demoQueries {
				if strings.HasPrefix(q.text, "EXPLAIN ") {
					// The plan starts with its query.
					fmt.Fprintf(e.stdout, "\n-- %s\n", q.about)
				} else {
					fmt.Fprintf(e.stdout, "\n-- %s\n%s\n\n", q.about, q.text)
				}
				if err := runQuery(cmdContext(cmd), e, h.local(), q.text, querySettings{format: formatTable}); err != nil {
					return err
				}
			}
			if keep {
				fmt.Fprintf(e.stdout, "\nThe world stays in %s. Try:\n  graphctl query --db %s\n  graphctl stats --db %s\n", path, path, path)
			}
			return h.close()
		},
	}
}

// demoScope is the scope of the demo's store: the principal of a canister, fixed so that
// every run prints the same URIs.
func demoScope() uri.Scope {
	p, err := uri.ParsePrincipal("ryjl3-tyaaa-aaaaa-aaaba-cai")
	if err != nil {
		panic(err)
	}
	return uri.PrincipalScope(p)
}
