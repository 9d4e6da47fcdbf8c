package ntriples

import (
	"hash/fnv"
	"slices"
	"strconv"
)

// Isomorphic reports whether the RDF graphs a and b are the same up to the
// labels of their blank nodes (RDF 1.1 Concepts, section 3.6). Each is taken
// as a set: repeated triples count once.
//
// It refines the blank nodes of both graphs into classes by the triples they
// occur in, and then searches for a bijection among the nodes of each class,
// backtracking where refinement leaves several candidates. That is fast for
// the graphs tests compare; graphs built to defeat refinement (large regular
// blank node structures) take exponential time.
func Isomorphic(a, b []Triple) bool {
	ga, gb := newIsoGraph(a), newIsoGraph(b)
	if len(ga.triples) != len(gb.triples) || len(ga.nodes) != len(gb.nodes) {
		return false
	}
	// Ground triples must match exactly.
	for t := range ga.ground {
		if !gb.ground[t] {
			return false
		}
	}
	if len(ga.ground) != len(gb.ground) {
		return false
	}
	ca, cb := ga.refine(), gb.refine()
	// Same multiset of classes.
	count := map[uint64]int{}
	for _, c := range ca {
		count[c]++
	}
	for _, c := range cb {
		count[c]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	m := make(map[string]string, len(ga.nodes))
	used := make(map[string]bool, len(gb.nodes))
	return ga.match(gb, ca, cb, m, used, 0)
}

// isoGraph is a graph as Isomorphic works on it.
type isoGraph struct {
	triples map[Triple]bool
	ground  map[Triple]bool
	nodes   []string            // blank node labels, sorted
	occurs  map[string][]Triple // the triples each blank node occurs in
}

func newIsoGraph(ts []Triple) *isoGraph {
	g := &isoGraph{triples: map[Triple]bool{}, ground: map[Triple]bool{}, occurs: map[string][]Triple{}}
	for _, t := range ts {
		if g.triples[t] {
			continue
		}
		g.triples[t] = true
		blank := false
		for _, x := range []Term{t.Subject, t.Object} {
			if x.Kind == BlankNode {
				blank = true
				if _, ok := g.occurs[x.Value]; !ok {
					g.nodes = append(g.nodes, x.Value)
				}
				if occ := g.occurs[x.Value]; len(occ) == 0 || occ[len(occ)-1] != t {
					g.occurs[x.Value] = append(occ, t)
				}
			}
		}
		if !blank {
			g.ground[t] = true
		}
	}
	slices.Sort(g.nodes)
	return g
}

// refine returns a class for each blank node: a hash of the triples it
// occurs in, with the other blank nodes in them replaced by their classes,
// iterated until the number of classes stops growing.
func (g *isoGraph) refine() map[string]uint64 {
	class := make(map[string]uint64, len(g.nodes))
	distinct := 1
	for {
		next := make(map[string]uint64, len(g.nodes))
		seen := map[uint64]bool{}
		for _, n := range g.nodes {
			var sigs []string
			for _, t := range g.occurs[n] {
				sigs = append(sigs, g.termSig(t.Subject, n, class)+" "+t.Predicate.Value+" "+g.termSig(t.Object, n, class))
			}
			slices.Sort(sigs)
			h := fnv.New64a()
			h.Write([]byte(strconv.FormatUint(class[n], 16)))
			for _, s := range sigs {
				h.Write([]byte{0})
				h.Write([]byte(s))
			}
			next[n] = h.Sum64()
			seen[next[n]] = true
		}
		class = next
		if len(seen) <= distinct {
			return class
		}
		distinct = len(seen)
	}
}

func (g *isoGraph) termSig(t Term, self string, class map[string]uint64) string {
	switch {
	case t.Kind == BlankNode && t.Value == self:
		return "_:self"
	case t.Kind == BlankNode:
		return "_:" + strconv.FormatUint(class[t.Value], 16)
	}
	return t.String()
}

// match maps the blank nodes of g from the i-th on to those of h of the same
// class, and reports whether some such mapping makes every triple of g one
// of h.
func (g *isoGraph) match(h *isoGraph, cg, ch map[string]uint64, m map[string]string, used map[string]bool, i int) bool {
	if i == len(g.nodes) {
		return true
	}
	n := g.nodes[i]
	for _, cand := range h.nodes {
		if used[cand] || cg[n] != ch[cand] {
			continue
		}
		m[n], used[cand] = cand, true
		if g.consistent(h, n, m) && g.match(h, cg, ch, m, used, i+1) {
			return true
		}
		delete(m, n)
		used[cand] = false
	}
	return false
}

// consistent reports whether each triple of n whose blank nodes are all
// mapped maps to a triple of h.
func (g *isoGraph) consistent(h *isoGraph, n string, m map[string]string) bool {
	mapTerm := func(t Term) (Term, bool) {
		if t.Kind != BlankNode {
			return t, true
		}
		v, ok := m[t.Value]
		return NewBlankNode(v), ok
	}
	for _, t := range g.occurs[n] {
		s, ok1 := mapTerm(t.Subject)
		o, ok2 := mapTerm(t.Object)
		if ok1 && ok2 && !h.triples[Triple{Subject: s, Predicate: t.Predicate, Object: o}] {
			return false
		}
	}
	return true
}
