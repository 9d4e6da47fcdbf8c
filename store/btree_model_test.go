package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// treeCase is a layout and the keys and values a model-based run feeds it.
type treeCase struct {
	name   string
	layout Layout
	key    func(r *rand.Rand) []byte
	val    func(r *rand.Rand) []byte
}

// intKey returns keys of size k holding a number below space, so that keys repeat.
func intKey(k, space int) func(r *rand.Rand) []byte {
	return func(r *rand.Rand) []byte {
		b := make([]byte, k)
		x := uint64(r.IntN(space))
		for i := k - 1; i >= 0 && x > 0; i-- {
			b[i] = byte(x)
			x >>= 8
		}
		return b
	}
}

// pairKey returns keys of two big-endian words below subjects and objects: a verb's
// edges, many sharing their first word.
func pairKey(subjects, objects int) func(r *rand.Rand) []byte {
	return func(r *rand.Rand) []byte {
		b := make([]byte, 16)
		be.PutUint64(b, uint64(r.IntN(subjects)))
		be.PutUint64(b[8:], uint64(r.IntN(objects)))
		return b
	}
}

// strKey returns keys over a small alphabet, so that they share prefixes; long adds a run
// of up to long bytes in the middle.
func strKey(maxLen, long int) func(r *rand.Rand) []byte {
	return func(r *rand.Rand) []byte {
		n := r.IntN(maxLen + 1)
		b := make([]byte, 0, n+long)
		for range n {
			b = append(b, "abc"[r.IntN(3)])
		}
		if long > 0 && len(b) > 1 {
			b = slices.Insert(b, 1, bytes.Repeat([]byte{'x'}, r.IntN(long))...)
		}
		return b
	}
}

// fixedVal returns values of n bytes, drawn from one number of r (so that a fuzz input
// pays 8 bytes per value, not one per byte).
func fixedVal(n int) func(r *rand.Rand) []byte {
	return func(r *rand.Rand) []byte {
		b := make([]byte, n)
		x := rand.New(rand.NewPCG(r.Uint64(), 0))
		for i := range b {
			b[i] = byte(x.Uint32())
		}
		return b
	}
}

// varVal returns values mostly small, some that fill a third of a leaf, some in overflow.
func varVal(r *rand.Rand) []byte {
	var n int
	switch x := r.IntN(10); {
	case x < 7:
		n = r.IntN(100)
	case x < 9:
		n = 100 + r.IntN(1400)
	default:
		n = 1500 + r.IntN(9000)
	}
	return fixedVal(n)(r)
}

func modelCases() []treeCase {
	return []treeCase{
		{"fixed8x8", Layout{KeySize: 8, ValueSize: 8}, intKey(8, 3000), fixedVal(8)},
		{"fixed16x0", Layout{KeySize: 16, ValueSize: 0}, intKey(16, 3000), fixedVal(0)},
		{"pairs16x8", Layout{KeySize: 16, ValueSize: 8}, pairKey(400, 20), fixedVal(8)},
		{"fixed8x1000", Layout{KeySize: 8, ValueSize: 1000}, intKey(8, 600), fixedVal(1000)},
		{"fixed1024x0", Layout{KeySize: 1024, ValueSize: 0}, intKey(1024, 300), fixedVal(0)},
		{"var", Layout{KeySize: Variable, ValueSize: Variable}, strKey(9, 0), varVal},
		{"varLongKeys", Layout{KeySize: Variable, ValueSize: 8}, strKey(6, 1010), fixedVal(8)},
		{"fixedKeyVarVal", Layout{KeySize: 8, ValueSize: Variable}, intKey(8, 800), varVal},
	}
}

var errRollback = errors.New("roll back")

// TestTreeModel runs long random sequences of messages against a sorted Go map, checking
// the whole store after each message. A failure prints the seed; set it below to replay.
func TestTreeModel(t *testing.T) {
	msgs := 250
	if testing.Short() {
		msgs = 60
	}
	for ci, tc := range modelCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			seed := uint64(ci + 1)
			defer func() {
				if t.Failed() {
					t.Logf("seed %d", seed)
				}
			}()
			runModel(t, tc, seed, msgs)
		})
	}
}

// runModel runs msgs random messages on a tree of tc's layout, mirrored in a map.
func runModel(t testing.TB, tc treeCase, seed uint64, msgs int) {
	runModelFrom(t, tc, rand.New(rand.NewPCG(seed, seed)), func(msg int) bool { return msg < msgs })
}

// runModelFrom runs random messages drawn from r while more(message number) holds: each
// makes a random number of operations and commits or rolls back. After each, the store
// is checked whole and the tree compared with the model; a rolled-back message must leave
// the memory as it was, byte for byte.
func runModelFrom(t testing.TB, tc treeCase, r *rand.Rand, more func(msg int) bool) {
	mem := NewHeapMemory(0)
	s, err := OpenMemory(mem, nil)
	require.NoError(t, err)
	ref := SuperblockTreeRef(1)
	require.NoError(t, s.Update(func(tx *Tx) error {
		_, err := tx.CreateTree(ref, tc.layout, "m")
		return err
	}))
	memHash := func(*Store) [32]byte { return sha256.Sum256(mem.buf) }
	model := &sortedMap{m: map[string]string{}}
	for msg := 0; more(msg); msg++ {
		next := model.clone()
		rollback := r.IntN(8) == 0
		before := memHash(s)
		err := s.Update(func(tx *Tx) error {
			tr, err := tx.OpenTree(ref, "m")
			require.NoError(t, err)
			if r.IntN(40) == 0 {
				resetOp(t, r, tc, tr, next)
			}
			for range 1 + r.IntN(120) {
				modelOp(t, r, tc, tr, next)
			}
			if rollback {
				return errRollback
			}
			return nil
		})
		if rollback {
			require.ErrorIs(t, err, errRollback)
			require.Equal(t, before, memHash(s), "message %d rolled back but changed the memory", msg)
		} else {
			require.NoError(t, err, "message %d", msg)
			model = next
		}
		verifyModel(t, s, ref, model, fmt.Sprintf("after message %d (rollback %v)", msg, rollback))
		if msg%50 == 0 {
			view := func(tx *Tx) error {
				tr, err := tx.OpenTree(ref, "m")
				if err == nil {
					ts := tr.Stats()
					t.Logf("message %d: %d entries, pages by level %v, overflow %d", msg, ts.Entries, ts.PagesByLevel, ts.OverflowPages)
				}
				return err
			}
			require.NoError(t, s.View(view))
		}
	}
}

// sortedMap is the model: a map with its keys kept in order.
type sortedMap struct {
	m    map[string]string
	keys []string
}

func (sm *sortedMap) clone() *sortedMap {
	return &sortedMap{m: maps.Clone(sm.m), keys: slices.Clone(sm.keys)}
}

func (sm *sortedMap) put(k, v string) {
	if _, ok := sm.m[k]; !ok {
		i, _ := slices.BinarySearch(sm.keys, k)
		sm.keys = slices.Insert(sm.keys, i, k)
	}
	sm.m[k] = v
}

func (sm *sortedMap) del(k string) {
	if _, ok := sm.m[k]; ok {
		i, _ := slices.BinarySearch(sm.keys, k)
		sm.keys = slices.Delete(sm.keys, i, i+1)
		delete(sm.m, k)
	}
}

func (sm *sortedMap) clear() {
	clear(sm.m)
	sm.keys = sm.keys[:0]
}

// modelOp applies one random operation to tr and to the model m.
func modelOp(t testing.TB, r *rand.Rand, tc treeCase, tr *Tree, m *sortedMap) {
	switch x := r.IntN(990); {
	case x < 550:
		k, v := tc.key(r), tc.val(r)
		_, had := m.m[string(k)]
		replaced, err := tr.Put(k, v)
		require.NoError(t, err)
		require.Equal(t, had, replaced, "put %x", k)
		m.put(string(k), string(v))
	case x < 800:
		k := tc.key(r)
		if len(m.keys) > 0 && r.IntN(2) == 0 {
			k = []byte(m.keys[r.IntN(len(m.keys))])
		}
		_, had := m.m[string(k)]
		found, err := tr.Delete(k)
		require.NoError(t, err)
		require.Equal(t, had, found, "delete %x", k)
		m.del(string(k))
	case x < 880:
		k := tc.key(r)
		v, ok := tr.Get(k)
		want, had := m.m[string(k)]
		require.Equal(t, had, ok, "get %x", k)
		if had {
			require.Equal(t, want, string(v), "get %x", k)
		}
		sk, sv, ok := tr.Seek(k)
		keys := m.keys
		j, _ := slices.BinarySearch(keys, string(k))
		require.Equal(t, j < len(keys), ok, "seek %x", k)
		if ok {
			require.Equal(t, keys[j], string(sk))
			require.Equal(t, m.m[keys[j]], string(sv))
		}
	case x < 940:
		// A cursor changes a value in place.
		c := tr.Cursor()
		k, _, ok := c.Seek(tc.key(r))
		if !ok {
			return
		}
		v := tc.val(r)
		k = slices.Clone(k)
		require.NoError(t, c.SetValue(v))
		m.put(string(k), string(v))
		require.Equal(t, string(v), string(c.Value()))
		if nk, _, ok := c.Next(); ok {
			require.Greater(t, string(nk), string(k))
		}
	default:
		// Delete every other key of the first 8 of a range while iterating over it.
		lo, hi := tc.key(r), tc.key(r)
		if bytes.Compare(lo, hi) > 0 {
			lo, hi = hi, lo
		}
		back := r.IntN(2) == 0
		seq := tr.Ascend(lo, hi)
		if back {
			seq = tr.Descend(lo, hi)
		}
		var want []string
		for _, k := range m.keys {
			if k >= string(lo) && k < string(hi) {
				want = append(want, k)
			}
		}
		if back {
			slices.Reverse(want)
		}
		var got []string
		for k := range seq {
			got = append(got, string(k))
			if len(got)%2 == 0 && len(got) <= 8 {
				found, err := tr.Delete(k)
				require.NoError(t, err)
				require.True(t, found)
				m.del(got[len(got)-1])
			}
		}
		require.Equal(t, want, got, "range [%x, %x) back=%v with deletes", lo, hi, back)
	}
	require.Equal(t, uint64(len(m.keys)), tr.Len())
}

// resetOp clears the tree, and mostly bulk loads a sorted random set into it, sometimes in
// two parts (the second appended to the first).
func resetOp(t testing.TB, r *rand.Rand, tc treeCase, tr *Tree, m *sortedMap) {
	require.NoError(t, tr.Clear())
	m.clear()
	if r.IntN(4) == 0 {
		return
	}
	var entries [][2][]byte
	seen := map[string]bool{}
	for range r.IntN(2000) {
		k := tc.key(r)
		if !seen[string(k)] {
			seen[string(k)] = true
			entries = append(entries, [2][]byte{k, tc.val(r)})
		}
	}
	slices.SortFunc(entries, func(a, b [2][]byte) int { return bytes.Compare(a[0], b[0]) })
	split := len(entries)
	if r.IntN(2) == 0 {
		split = r.IntN(len(entries) + 1)
	}
	for _, part := range [][][2][]byte{entries[:split], entries[split:]} {
		n, err := tr.BulkLoad(func(yield func([]byte, []byte) bool) {
			for _, e := range part {
				if !yield(e[0], e[1]) {
					return
				}
			}
		})
		require.NoError(t, err)
		require.Equal(t, uint64(len(part)), n)
		for _, e := range part {
			m.put(string(e[0]), string(e[1]))
		}
	}
	require.Equal(t, uint64(len(m.keys)), tr.Len())
}

// verifyModel checks the store and compares the tree with the model, both ways.
func verifyModel(t testing.TB, s *Store, ref TreeRef, model *sortedMap, msg string) {
	require.NoError(t, s.View(func(tx *Tx) error {
		tr, err := tx.OpenTree(ref, "m")
		require.NoError(t, err)
		require.NoError(t, tx.Check(tr), msg)
		keys := model.keys
		require.Equal(t, uint64(len(keys)), tr.Len(), msg)
		i := 0
		for k, v := range tr.All() {
			if i >= len(keys) || keys[i] != string(k) || model.m[keys[i]] != string(v) {
				require.Less(t, i, len(keys), msg)
				require.Equal(t, keys[i], string(k), msg)
				require.Equal(t, model.m[keys[i]], string(v), msg)
			}
			i++
		}
		require.Equal(t, len(keys), i, msg)
		for k := range tr.Descend(nil, nil) {
			if i--; keys[i] != string(k) {
				require.Equal(t, keys[i], string(k), msg)
			}
		}
		return nil
	}), msg)
}

// fuzzSource is a rand.Source that reads the fuzz input, then a fixed sequence (never
// zeros only: rand's bounded draws retry on some values).
type fuzzSource struct {
	data []byte
	n    uint64
}

func (s *fuzzSource) Uint64() uint64 {
	if len(s.data) == 0 {
		s.n += 0x9e3779b97f4a7c15
		return s.n
	}
	var b [8]byte
	n := copy(b[:], s.data)
	s.data = s.data[n:]
	return le.Uint64(b[:])
}

// FuzzTree drives the model-based test from fuzz bytes: the first byte picks the layout,
// the rest feed the random choices of runModel (operations, keys, value sizes, rollbacks)
// until they run out.
//
//	go test -run '^$' -fuzz FuzzTree -fuzztime 60s ./store/
func FuzzTree(f *testing.F) {
	cases := modelCases()
	for i := range cases {
		f.Add([]byte{byte(i), 1, 2, 3, 4, 5, 6, 7, 8})
		f.Add(append([]byte{byte(i)}, bytes.Repeat([]byte{0x5a, 0x13, 0xc4, 0x7e, 0x21, 0x99, 0x03, 0xee}, 40)...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		src := &fuzzSource{data: data[1:]}
		runModelFrom(t, cases[int(data[0])%len(cases)], rand.New(src), func(msg int) bool { return len(src.data) > 0 && msg < 64 })
	})
}
