package entity_test

import (
	"fmt"
	"log"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/uri"
)

// Example declares two kinds, spawns entities, and renders and resolves their URIs.
func Example() {
	schema := entity.NewSchema()
	player := schema.Kind("player")
	guild := schema.Kind("guild")

	st, err := store.OpenMemory(store.NewHeapMemory(0), nil)
	if err != nil {
		log.Fatal(err)
	}
	canister, _ := uri.ParsePrincipal("ryjl3-tyaaa-aaaaa-aaaba-cai")
	db, err := entity.Open(st, schema, &entity.Options{Scope: uri.PrincipalScope(canister)})
	if err != nil {
		log.Fatal(err)
	}
	err = db.Update(func(tx *entity.Tx) error {
		for range 3 {
			if _, err := player.New(tx); err != nil {
				return err
			}
		}
		g, err := guild.New(tx)
		if err != nil {
			return err
		}
		u, _ := tx.URI(g)
		fmt.Println(u)
		return tx.Delete(2)
	})
	if err != nil {
		log.Fatal(err)
	}
	_ = db.View(func(tx *entity.Tx) error {
		fmt.Println(player.Count(tx), "players:", player.Bitmap(tx))
		ref, _ := uri.ParseRef("player/3")
		id, err := tx.Resolve(ref)
		fmt.Println(id, err)
		ref, _ = uri.ParseRef("player/2")
		_, err = tx.Resolve(ref)
		fmt.Println(err)
		return nil
	})
	// Output:
	// ic://ryjl3-tyaaa-aaaaa-aaaba-cai/guild/4
	// 2 players: {1,3}
	// 3 <nil>
	// player/2: entity #2: no such entity
}

// ExampleKind_Intern maps external IRIs to local entities, as an RDF importer does.
func ExampleKind_Intern() {
	schema := entity.NewSchema()
	synset := schema.Kind("Synset")
	st, _ := store.OpenMemory(store.NewHeapMemory(0), nil)
	db, _ := entity.Open(st, schema, nil)
	_ = db.Update(func(tx *entity.Tx) error {
		a, _ := synset.Intern(tx, "http://wordnet-rdf.princeton.edu/id/02084071-n")
		b, _ := synset.Intern(tx, "http://wordnet-rdf.princeton.edu/id/02084071-n")
		iri, _ := tx.IRI(a)
		fmt.Println(a, b, iri)
		return nil
	})
	// Output:
	// 1 1 http://wordnet-rdf.princeton.edu/id/02084071-n
}
