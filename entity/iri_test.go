package entity_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/testutil"
)

// iriTrees returns every entry of the IRI trees, as strings.
func iriTrees(t *testing.T, tx *entity.Tx) []string {
	var out []string
	for i := range 2 {
		tr, err := tx.VarTree(entity.VarIRI, i, false)
		require.NoError(t, err)
		for k, v := range tr.All() {
			out = append(out, fmt.Sprintf("%d %x %x", i, k, v))
		}
	}
	return out
}

// TestSetIRIsIsSetIRIOneByOne: SetIRIs, in bulk past the last entity with an IRI and one
// at a time otherwise, leaves what SetIRI one at a time leaves, or refuses the entry it
// would refuse with the same error: a repeated or taken IRI, a bad one, a missing entity.
func TestSetIRIsIsSetIRIOneByOne(t *testing.T) {
	s := entity.NewSchema()
	k := s.Kind("k")
	var dbs [2]*entity.DB // bulk, one at a time
	for i := range dbs {
		dbs[i] = testutil.OpenDB(t, s, nil)
		testutil.Spawn(t, dbs[i], k, 60, func(tx *entity.Tx, i int, id entity.ID) error {
			if i < 10 {
				return tx.SetIRI(id, fmt.Sprintf("http://ex.org/%d", i*7))
			}
			return nil
		})
	}
	r := rand.New(rand.NewPCG(9, 10))
	errRollBack := errors.New("roll back")
	var failed, wrote int
	for trial := range 300 {
		var ids []entity.ID
		var iris []string
		start := 11
		if trial%5 == 0 {
			start = 1 // some entities with an IRI: one at a time
		}
		last := 60
		if r.IntN(3) == 0 {
			last = 64 // maybe a missing entity
		}
		for id := start; id <= last; id++ {
			if r.IntN(4) > 0 {
				continue
			}
			ids = append(ids, entity.ID(id))
			iri := fmt.Sprintf("http://ex.org/%d", r.IntN(400))
			switch r.IntN(60) {
			case 0:
				iri = ""
			case 1:
				iri = strings.Repeat("x", entity.MaxIRI+1)
			}
			iris = append(iris, iri)
		}
		var ns [2]int
		var errs [2]error
		var trees [2][]string
		for i, db := range dbs {
			err := db.Update(func(tx *entity.Tx) error {
				if i == 0 {
					ns[i], errs[i] = tx.SetIRIs(ids, iris)
				} else {
					ns[i] = len(ids)
					for j, id := range ids {
						if errs[i] = tx.SetIRI(id, iris[j]); errs[i] != nil {
							ns[i] = j
							break
						}
					}
				}
				trees[i] = iriTrees(t, tx)
				return errRollBack
			})
			require.ErrorIs(t, err, errRollBack)
		}
		require.Equal(t, errs[1] == nil, errs[0] == nil, "trial %d: %v / %v", trial, errs[0], errs[1])
		if errs[1] != nil {
			require.Equal(t, ns[1], ns[0], "trial %d", trial)
			require.Equal(t, errs[1].Error(), errs[0].Error(), "trial %d", trial)
			failed++
			continue
		}
		require.Equal(t, trees[1], trees[0], "trial %d", trial)
		wrote++
	}
	require.Greater(t, failed, 30)
	require.Greater(t, wrote, 30)
}
