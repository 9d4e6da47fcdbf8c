package store

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// fingerCases are trees of three levels or more, of packed and slotted nodes, with keys
// of 8 bytes (as entity IDs), 16 bytes and variable size.
func fingerCases() []struct {
	name   string
	layout Layout
	n      int
	key    func(r *rand.Rand) []byte
	val    func(r *rand.Rand) []byte
} {
	return []struct {
		name   string
		layout Layout
		n      int
		key    func(r *rand.Rand) []byte
		val    func(r *rand.Rand) []byte
	}{
		{"fixed8x8", fixed88, 90000, intKey(8, 400000), fixedVal(8)},
		{"fixed16x0", Layout{KeySize: 16, ValueSize: 0}, 60000, intKey(16, 1<<40), fixedVal(0)},
		{"pairs16x0", Layout{KeySize: 16, ValueSize: 0}, 60000, pairKey(1<<20, 1<<40), fixedVal(0)},
		{"fixedKeyVarVal", Layout{KeySize: 8, ValueSize: Variable}, 30000, intKey(8, 200000), fixedVal(40)},
		{"var", varVar, 30000, strKey(12, 0), fixedVal(30)},
		{"fixed8x8skewed", fixed88, 90000, skewedKey, fixedVal(8)},
	}
}

// TestFingerMatchesTree checks a finger's Seek, Get and Has against the tree's, for keys
// sought in ascending order (as a query probes a sorted set of IDs), present and absent,
// and then in random order, and that a message of finger lookups reads exactly the pages
// the same lookups from the root read.
func TestFingerMatchesTree(t *testing.T) {
	for ci, tc := range fingerCases() {
		t.Run(tc.name, func(t *testing.T) {
			seed := uint64(ci + 1)
			r := rand.New(rand.NewPCG(seed, 15))
			s := openHeap(t)
			var keys [][]byte
			require.NoError(t, s.Update(func(tx *Tx) error {
				tr, err := tx.CreateTree(testRef, tc.layout, testOwner)
				require.NoError(t, err)
				for range tc.n {
					k := tc.key(r)
					_, err := tr.Put(k, tc.val(r))
					require.NoError(t, err)
					keys = append(keys, k)
				}
				require.GreaterOrEqual(t, tr.Height(), 3, "the test needs branches above branches")
				return nil
			}))
			for round := range 40 {
				// Probes: stored keys and others, sorted for most rounds, shuffled for some.
				var probes [][]byte
				for range 1 + r.IntN(300) {
					if r.IntN(3) == 0 {
						probes = append(probes, tc.key(r))
					} else {
						probes = append(probes, keys[r.IntN(len(keys))])
					}
					if tc.layout.KeySize == 16 && r.IntN(2) == 0 {
						// The first ID of a pair alone, as a verb's probe of a subject.
						probes[len(probes)-1] = probes[len(probes)-1][:8]
					}
				}
				sorted := round%4 != 3
				if sorted {
					slices.SortFunc(probes, bytes.Compare)
				}
				type answer struct {
					k, v []byte
					ok   bool
					has  bool
					gv   []byte
					gok  bool
				}
				var want, got []answer
				wantSt := view(t, s, func(tr *Tree) {
					for _, p := range probes {
						k, v, ok := tr.Seek(p)
						gv, gok := tr.Get(p)
						want = append(want, answer{bytes.Clone(k), bytes.Clone(v), ok, tr.Has(p), bytes.Clone(gv), gok})
					}
				})
				gotSt := view(t, s, func(tr *Tree) {
					f := tr.Finger()
					for _, p := range probes {
						k, v, ok := f.Seek(p)
						if ok {
							require.Equal(t, k, f.Key(), "the cursor stands on the entry Seek returned")
						}
						gv, gok := f.Get(p)
						got = append(got, answer{bytes.Clone(k), bytes.Clone(v), ok, f.Has(p), bytes.Clone(gv), gok})
					}
				})
				require.Equal(t, want, got, "round %d (sorted %v)", round, sorted)
				require.Equal(t, wantSt.PagesRead, gotSt.PagesRead, "pages, round %d (sorted %v)", round, sorted)
				require.Equal(t, wantSt.ByOwner, gotSt.ByOwner, "round %d", round)

				// The same lookups with Prefetch before each group of keys: the same answers
				// and pages.
				var seekWant, seekGot []answer
				seekWantSt := view(t, s, func(tr *Tree) {
					for _, p := range probes {
						k, v, ok := tr.Seek(p)
						seekWant = append(seekWant, answer{k: bytes.Clone(k), v: bytes.Clone(v), ok: ok})
					}
				})
				seekGotSt := view(t, s, func(tr *Tree) {
					f := tr.Finger()
					for j, p := range probes {
						if j%PrefetchMax == 0 {
							group := probes[j:min(j+PrefetchMax, len(probes))]
							before := slices.Clone(group)
							f.Prefetch(group)
							require.Equal(t, before, group, "Prefetch changes no key")
						}
						k, v, ok := f.Seek(p)
						seekGot = append(seekGot, answer{k: bytes.Clone(k), v: bytes.Clone(v), ok: ok})
					}
				})
				require.Equal(t, seekWant, seekGot, "Prefetch, round %d (sorted %v)", round, sorted)
				require.Equal(t, seekWantSt.PagesRead, seekGotSt.PagesRead, "Prefetch pages, round %d (sorted %v)", round, sorted)
			}
		})
	}
}

// TestFingerFollowsChanges: a finger used between changes to its tree in the same message
// finds what the tree holds, not what the pages of its last descent held.
func TestFingerFollowsChanges(t *testing.T) {
	s := openHeap(t)
	newTree(t, s, fixed88, 254*254*2, 2) // keys 0, 2, 4, …: three levels
	update(t, s, func(tr *Tree) {
		f := tr.Finger()
		r := rand.New(rand.NewPCG(15, 16))
		model := map[uint64]bool{}
		for i := range uint64(254 * 254 * 2) {
			model[2*i] = true
		}
		x := uint64(0)
		for range 3000 {
			x += uint64(r.IntN(200))
			switch r.IntN(3) {
			case 0: // delete a run of keys, so that leaves merge
				for j := range uint64(r.IntN(400)) {
					_, err := tr.Delete(k8(x + j))
					require.NoError(t, err)
					delete(model, x+j)
				}
			case 1: // insert a run, so that leaves split
				for j := range uint64(r.IntN(400)) {
					_, err := tr.Put(k8(x+j), k8(x+j))
					require.NoError(t, err)
					model[x+j] = true
				}
			}
			k := x + uint64(r.IntN(300))
			require.Equal(t, model[k], f.Has(k8(k)), "key %d", k)
			v, ok := f.Get(k8(k))
			require.Equal(t, model[k], ok, "key %d", k)
			if ok {
				require.Equal(t, k8(k), v)
			}
			wk, wv, wok := tr.Seek(k8(k))
			gk, gv, gok := f.Seek(k8(k))
			require.Equal(t, []any{wk, wv, wok}, []any{gk, gv, gok}, "seek %d", k)
		}
	})
}

// TestFingerEmptyTree: a finger over an empty tree finds nothing, and one over a tree of a
// single leaf finds its keys.
func TestFingerEmptyTree(t *testing.T) {
	s := openHeap(t)
	newTree(t, s, fixed88, 0, 1)
	view(t, s, func(tr *Tree) {
		f := tr.Finger()
		_, _, ok := f.Seek(k8(3))
		require.False(t, ok)
		require.False(t, f.Has(k8(3)))
		f.Prefetch([][]byte{k8(1), k8(2)})
	})
	s = openHeap(t)
	newTree(t, s, fixed88, 10, 3)
	st := view(t, s, func(tr *Tree) {
		f := tr.Finger()
		require.True(t, f.Has(k8(9)))
		require.False(t, f.Has(k8(10)))
		k, _, ok := f.Seek(k8(10))
		require.True(t, ok)
		require.Equal(t, k8(12), k)
		_, _, ok = f.Seek(k8(28))
		require.False(t, ok, "past the end")
	})
	require.Equal(t, uint64(1), st.PagesRead)
}

// skewedKey returns 8-byte keys in a few dense clusters far apart, whose leaves are uneven:
// a guess from a leaf's first and last keys lands far from the key.
func skewedKey(r *rand.Rand) []byte {
	x := uint64(r.IntN(4))<<50 + uint64(r.IntN(4))<<30 + uint64(r.ExpFloat64()*1e6)
	return k8(x)
}

// TestFingerPeek: the page Prefetch loads is the page the lookup then reads, for the
// leaves under the finger's branch; past the committed state there is none; peekKid takes
// the child a descent takes, through packed branches and slotted ones of 8-byte keys.
func TestFingerPeek(t *testing.T) {
	for _, l := range []Layout{fixed88, {KeySize: 8, ValueSize: Variable}} {
		t.Run(fmt.Sprintf("%d/%d", l.KeySize, l.ValueSize), func(t *testing.T) {
			s := openHeap(t)
			newTree(t, s, l, 254*254*2, 2)
			view(t, s, func(tr *Tree) {
				require.GreaterOrEqual(t, tr.Height(), 3)
				f := tr.Finger()
				f.Seek(k8(0))
				parent := f.lv[tr.Height()-2]
				for i := range nodeCount(parent.p) + 1 {
					id := tr.kid(parent.id, parent.p, i)
					require.Equal(t, tr.node(id, 0), tr.peek(id), "child %d", i)
				}
				require.Nil(t, tr.peek(PageID(tr.tx.basePages*pagesPerWasmPage)))
				// peekKid finds the child a descent takes, in the root and in a branch below it.
				r := rand.New(rand.NewPCG(15, 18))
				for range 2000 {
					key := k8(uint64(r.IntN(254 * 254 * 5)))
					switch r.IntN(50) {
					case 0:
						key = k8(1<<64 - 1)
					case 1:
						key = k8(0)
					}
					id := checkPeekKid(t, tr, key)
					require.Zero(t, tr.peekKid(tr.peek(id), tr.Height()-2, key[:7]), "a key of another size")
				}
			})
		})
	}
}

// checkPeekKid checks that peekKid finds the child a descent takes for key, in the root
// and in the branch below it, and none in a branch of another level; it returns that branch.
func checkPeekKid(t *testing.T, tr *Tree, key []byte) PageID {
	root := tr.node(tr.d.root, tr.Height()-1)
	i := tr.childIndex(tr.d.root, root, key)
	require.Equal(t, tr.kid(tr.d.root, root, i), tr.peekKid(tr.peek(tr.d.root), tr.Height()-1, key))
	id := tr.kid(tr.d.root, root, i)
	b := tr.node(id, tr.Height()-2)
	want := tr.kid(id, b, tr.childIndex(id, b, key))
	require.NotZero(t, want)
	require.Equal(t, want, tr.peekKid(tr.peek(id), tr.Height()-2, key))
	require.Zero(t, tr.peekKid(tr.peek(id), tr.Height()-1, key), "a branch at another level")
	return id
}

// TestFingerPeekPairs: in a tree of 16-byte keys (a verb's edges), peekKid finds the child
// a descent takes for the 8-byte first ID of a pair, and refuses a 16-byte key.
func TestFingerPeekPairs(t *testing.T) {
	s := openHeap(t)
	r := rand.New(rand.NewPCG(15, 19))
	key := pairKey(1<<16, 1<<20)
	require.NoError(t, s.Update(func(tx *Tx) error {
		tr, err := tx.CreateTree(testRef, Layout{KeySize: 16}, testOwner)
		require.NoError(t, err)
		for range 150000 {
			_, err := tr.Put(key(r), nil)
			require.NoError(t, err)
		}
		require.GreaterOrEqual(t, tr.Height(), 3, "the test needs branches above branches")
		return nil
	}))
	view(t, s, func(tr *Tree) {
		for range 2000 {
			k := key(r)[:8]
			switch r.IntN(50) {
			case 0:
				k = k8(0)
			case 1:
				k = k8(1<<64 - 1)
			}
			id := checkPeekKid(t, tr, k)
			require.Zero(t, tr.peekKid(tr.peek(id), tr.Height()-2, key(r)), "a 16-byte key")
		}
	})
}

// TestFingerKeptPastItsMessage: a Finger kept past its message fails in Prefetch too, before
// it reads the descriptor of a state a later message may have now.
func TestFingerKeptPastItsMessage(t *testing.T) {
	s := openHeap(t)
	require.NoError(t, s.Update(func(tx *Tx) error {
		_, err := tx.CreateTree(SuperblockTreeRef(1), fixed88, testOwner)
		return err
	}))
	var kept *Finger
	require.NoError(t, s.View(func(tx *Tx) error {
		tr, err := tx.OpenTree(SuperblockTreeRef(1), testOwner)
		kept = tr.Finger()
		return err
	}))
	err := panicErr(func() { kept.Prefetch([][]byte{[]byte("k0000001")}) })
	require.ErrorIs(t, err, ErrTxClosed)
}
