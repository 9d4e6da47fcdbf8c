package main

import (
	"fmt"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
)

// migrateCheckEvery is how many players the migration moves between two looks at the
// message's page count.
const migrateCheckEvery = 8

// migrate is version 2's migration step: each tick it moves the next batch of players'
// address strings into street, number and postal_code, in ID order, until the batch has
// touched MigratePages pages. The cursor (the last player done) is kept on the world
// entity in the same message, so a restart, or a rollback to version 1 and back, resumes
// where the last committed tick stopped. The address column is only read: it stays whole
// until version 3 retires it, which is what makes a rollback to version 1 safe.
func (w *World) migrate(tx *entity.Tx, rep *TickReport) error {
	sc := w.sc
	cursor, _, err := sc.migrated.Get(tx, w.id)
	if err != nil {
		return err
	}
	start := tx.Stats().PagesAccessed
	last, n := cursor, 0
	for id, a := range sc.address.Range(tx, entity.ID(cursor+1), 0) {
		if err := w.setParts(tx, id, parseAddress(a)); err != nil {
			return fmt.Errorf("player %d: %w", id, err)
		}
		last, n = uint64(id), n+1
		if n%migrateCheckEvery == 0 && tx.Stats().PagesAccessed-start >= w.MigratePages {
			break
		}
	}
	rep.Migrated = n
	if last == cursor {
		return nil // nothing to do: leave the world entity's page clean
	}
	return sc.migrated.Set(tx, w.id, last)
}

// MigrationStatus is the progress of version 2's address migration.
type MigrationStatus struct {
	Cursor uint64 `json:"cursor"` // the last player whose address has moved to its parts
	Last   uint64 `json:"last"`   // the last player with an address string
	Done   bool   `json:"done"`
}

// migrationOf reads the migration's progress through the catalog, so that any version
// (and version 3's start-up check) can ask. addr must not be retired.
func migrationOf(tx *entity.Tx, db *entity.DB, addr *column.Dyn) MigrationStatus {
	var m MigrationStatus
	if k, _, ok := addr.Tree(tx).Last(); ok {
		m.Last = uint64(entity.FromKey(k))
	}
	if cur, err := column.Lookup(tx, "address_migrated"); err == nil {
		if world, ok := tx.Kind("world"); ok {
			for id := range world.All(tx) {
				if v, ok, err := cur.Get(tx, id); err == nil && ok {
					m.Cursor, _ = v.(uint64)
				}
				break
			}
		}
	}
	m.Done = m.Cursor >= m.Last
	return m
}
