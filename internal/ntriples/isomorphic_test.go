package ntriples

import (
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/internal/testutil"
)

// bruteIsomorphic tries every bijection between the blank nodes of a and b.
func bruteIsomorphic(a, b []Triple) bool {
	ga, gb := newIsoGraph(a), newIsoGraph(b)
	if len(ga.triples) != len(gb.triples) || len(ga.nodes) != len(gb.nodes) {
		return false
	}
	perm := make([]int, len(gb.nodes))
	for i := range perm {
		perm[i] = i
	}
	var try func(k int) bool
	try = func(k int) bool {
		if k == len(perm) {
			m := map[string]string{}
			for i, n := range ga.nodes {
				m[n] = gb.nodes[perm[i]]
			}
			for t := range ga.triples {
				if t.Subject.Kind == BlankNode {
					t.Subject.Value = m[t.Subject.Value]
				}
				if t.Object.Kind == BlankNode {
					t.Object.Value = m[t.Object.Value]
				}
				if !gb.triples[t] {
					return false
				}
			}
			return true
		}
		for i := k; i < len(perm); i++ {
			perm[k], perm[i] = perm[i], perm[k]
			if try(k + 1) {
				return true
			}
			perm[k], perm[i] = perm[i], perm[k]
		}
		return false
	}
	return try(0)
}

// randGraph returns a small graph over few blank nodes, IRIs and
// predicates, so that near-isomorphic pairs are common.
func randGraph(rng *rand.Rand) []Triple {
	node := func() Term {
		if rng.IntN(4) == 0 {
			return NewIRI("http://e/" + strconv.Itoa(rng.IntN(2)))
		}
		return NewBlankNode("b" + strconv.Itoa(rng.IntN(5)))
	}
	var g []Triple
	for range rng.IntN(8) {
		o := node()
		if rng.IntN(5) == 0 {
			o = NewLiteral(strconv.Itoa(rng.IntN(2)), "")
		}
		g = append(g, Triple{Subject: node(), Predicate: NewIRI("http://p/" + strconv.Itoa(rng.IntN(2))), Object: o})
	}
	return g
}

// relabel renames the blank nodes of g at random and shuffles its triples.
func relabel(rng *rand.Rand, g []Triple) []Triple {
	names := map[string]string{}
	perm := rng.Perm(10)
	name := func(t Term) Term {
		if t.Kind != BlankNode {
			return t
		}
		if names[t.Value] == "" {
			names[t.Value] = "x" + strconv.Itoa(perm[len(names)])
		}
		return NewBlankNode(names[t.Value])
	}
	out := make([]Triple, len(g))
	for i, t := range g {
		out[i] = Triple{Subject: name(t.Subject), Predicate: t.Predicate, Object: name(t.Object)}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

func TestIsomorphicModel(t *testing.T) {
	rng := rand.New(rand.NewPCG(testutil.Seed(t, 17), 0))
	same, differ := 0, 0
	for range 20000 {
		a := randGraph(rng)
		b := randGraph(rng)
		if rng.IntN(2) == 0 {
			// A relabelled copy, perhaps with one triple changed.
			b = relabel(rng, a)
			if len(b) > 0 && rng.IntN(2) == 0 {
				if c := randGraph(rng); len(c) > 0 {
					b[0] = c[0]
				}
			}
		}
		want := bruteIsomorphic(a, b)
		require.Equal(t, want, Isomorphic(a, b), "a:\n%v\nb:\n%v", a, b)
		if want {
			same++
		} else {
			differ++
		}
	}
	assert.Greater(t, same, 1000)
	assert.Greater(t, differ, 1000)
}

func TestIsomorphicRepeats(t *testing.T) {
	a := []Triple{{NewBlankNode("x"), NewIRI("http://p"), NewBlankNode("x")}}
	b := append(a, a[0])
	assert.True(t, Isomorphic(a, b), "a repeated triple counts once")
	c := []Triple{{NewBlankNode("x"), NewIRI("http://p"), NewBlankNode("y")}}
	assert.False(t, Isomorphic(a, c), "a loop is not an edge between two nodes")
}

// TestIsomorphicRegular checks graphs that refinement cannot tell apart,
// where only the search decides: a cycle of six blank nodes and two cycles
// of three, and a cycle with its nodes in another order.
func TestIsomorphicRegular(t *testing.T) {
	cycles := func(labels ...[]string) []Triple {
		var g []Triple
		for _, c := range labels {
			for i, l := range c {
				g = append(g, Triple{NewBlankNode(l), NewIRI("http://p"), NewBlankNode(c[(i+1)%len(c)])})
			}
		}
		return g
	}
	six := cycles([]string{"a", "b", "c", "d", "e", "f"})
	threes := cycles([]string{"a", "b", "c"}, []string{"d", "e", "f"})
	assert.False(t, Isomorphic(six, threes))
	assert.False(t, bruteIsomorphic(six, threes))
	assert.True(t, Isomorphic(six, cycles([]string{"f", "d", "b", "c", "a", "e"})))
}
