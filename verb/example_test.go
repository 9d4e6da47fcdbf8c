package verb_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

// Example links players to guilds with a many-to-one verb and follows it both ways.
func Example() {
	schema := entity.NewSchema()
	player := schema.Kind("player")
	guild := schema.Kind("guild")
	memberOf := verb.Define(schema, "member_of", verb.ManyToOne())

	st, _ := store.OpenMemory(store.NewHeapMemory(0), nil)
	db, err := entity.Open(st, schema, nil)
	if err != nil {
		log.Fatal(err)
	}
	err = db.Update(func(tx *entity.Tx) error {
		g1, _ := guild.New(tx) // #1
		g2, _ := guild.New(tx) // #2
		for range 3 {
			p, _ := player.New(tx) // #3, #4, #5
			if err := memberOf.Link(tx, p, g1); err != nil {
				return err
			}
		}
		err := memberOf.Link(tx, 3, g2)
		fmt.Println(errors.Is(err, verb.ErrCardinality), err)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = db.Update(func(tx *entity.Tx) error {
		fmt.Println("members of #1:", memberOf.SubjectsBitmap(tx, 1), "in-degree", memberOf.InDegree(tx, 1))
		_ = tx.Delete(4)
		for p := range memberOf.Subjects(tx, 1) {
			fmt.Println("member", p)
		}
		return nil
	})
	// Output:
	// true verb "member_of" is many-to-one: link #3 → #2: cardinality violated: #3 already has the edge #3 → #1
	// members of #1: {3,4,5} in-degree 3
	// member 3
	// member 5
}
