package query_test

import (
	"fmt"
	"log"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/query"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

// ExampleExec builds a small world, runs a query on it and prints the rows and the pages
// the query read, then the plan of another.
func ExampleExec() {
	schema := entity.NewSchema()
	player, guild := schema.Kind("player"), schema.Kind("guild")
	name := column.Define[string](schema, "name", column.MaxLen(16), column.Indexed())
	health := column.Define[int32](schema, "health", column.Indexed())
	memberOf := verb.Define(schema, "member_of", verb.ManyToOne())
	st, err := store.OpenMemory(store.NewHeapMemory(0), nil)
	if err != nil {
		log.Fatal(err)
	}
	db, err := entity.Open(st, schema, nil)
	if err != nil {
		log.Fatal(err)
	}
	err = db.Update(func(tx *entity.Tx) error {
		g, err := guild.New(tx)
		if err != nil {
			return err
		}
		for i, n := range []string{"ann", "bob", "cyd", "dee"} {
			p, err := player.New(tx)
			if err != nil {
				return err
			}
			if err := name.Set(tx, p, n); err != nil {
				return err
			}
			if err := health.Set(tx, p, int32(30*i)); err != nil {
				return err
			}
			if i != 2 {
				if err := memberOf.Link(tx, p, g); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}

	res, err := query.Exec(db, `FIND player WHERE member_of -> guild/1 AND health >= 30 SELECT name, health ORDER BY health DESC`, query.RunOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(res.Columns)
	for _, row := range res.Rows {
		fmt.Println(row...)
	}
	fmt.Println("pages read:", res.Stats.PagesRead, "estimated:", res.Stats.EstimatedPages)

	q, err := query.Parse(`FIND player WHERE name = "bob" SELECT health`)
	if err != nil {
		log.Fatal(err)
	}
	plan, err := query.Prepare(db, q)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(plan.Explain())
	// Output:
	// [entity name health]
	// player/5 dee 90
	// player/3 bob 30
	// pages read: 6 estimated: 6
	// FIND player WHERE name = "bob" SELECT health
	//                                                                 rows  pages  decoded  probes
	// Select health: probe column health                                 1      1        1       1
	// └─ And                                                             1      0        0       0
	//    ├─ Index range name = "bob" ["bob", "bob"]                      1      1        1       1
	//    └─ Probe kind player (intersects instead from 2 candidates)     1      1        0       1
	// estimated: 1 row, 3 distinct pages; at most 3 for the budget check
	// CPU work: 2 entries decoded, 3 probes made
	// planning read 2 pages (statistics, exact counts)
}
