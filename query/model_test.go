package query

import (
	"bytes"
	"cmp"
	"slices"
	"strings"
)

// This file is the reference evaluator of the differential test: the meaning of a query
// written as directly as possible over plain Go maps, sharing no code with the binder,
// planner or executor. It is slow on purpose: every condition is decided entity by entity.

// model is a graph held in Go maps.
type model struct {
	kindOf map[uint64]string   // entity → kind
	byKind map[string][]uint64 // kind → its entities, ascending
	cols   map[string]*modelCol
	verbs  map[string]map[[2]uint64]bool // verb → set of (subject, object)
	iris   map[string]uint64             // IRI → entity

	// out and in index the edges by subject and by object; finish builds them.
	out, in map[string]map[uint64][]uint64
	// sets caches the set each target stands for.
	sets map[Target]map[uint64]bool
}

// finish indexes the edges, once the graph is built.
func (m *model) finish() {
	m.out, m.in = map[string]map[uint64][]uint64{}, map[string]map[uint64][]uint64{}
	for v, edges := range m.verbs {
		m.out[v], m.in[v] = map[uint64][]uint64{}, map[uint64][]uint64{}
		for e := range edges {
			m.out[v][e[0]] = append(m.out[v][e[0]], e[1])
			m.in[v][e[1]] = append(m.in[v][e[1]], e[0])
		}
	}
}

// modelCol is a column: each entity's values (one for a single-valued column), as Go
// values: int64, uint64, float64, string, []byte or bool.
type modelCol struct {
	vals map[uint64][]any
}

func newModel() *model {
	return &model{
		kindOf: map[uint64]string{},
		byKind: map[string][]uint64{},
		cols:   map[string]*modelCol{},
		verbs:  map[string]map[[2]uint64]bool{},
		iris:   map[string]uint64{},
	}
}

// modelCompare compares a stored value with a literal of a type the column accepts:
// -1, 0 or +1. Booleans order false before true.
func modelCompare(v any, l Literal) int {
	switch v := v.(type) {
	case int64:
		return cmp.Compare(v, l.Int)
	case uint64:
		if l.Int < 0 {
			return 1
		}
		return cmp.Compare(v, uint64(l.Int))
	case []byte:
		return bytes.Compare(v, []byte(l.Str))
	case float64:
		if l.Kind == LitInt {
			return cmp.Compare(v, float64(l.Int))
		}
		return cmp.Compare(v, l.Float)
	case string:
		return strings.Compare(v, l.Str)
	case bool:
		b := func(x bool) int {
			if x {
				return 1
			}
			return 0
		}
		return cmp.Compare(b(v), b(l.Bool))
	}
	panic("model: unknown value type")
}

func modelCompareValues(a, b any) int {
	switch a := a.(type) {
	case int64:
		return cmp.Compare(a, b.(int64))
	case uint64:
		return cmp.Compare(a, b.(uint64))
	case []byte:
		return bytes.Compare(a, b.([]byte))
	case float64:
		return cmp.Compare(a, b.(float64))
	case string:
		return strings.Compare(a, b.(string))
	case bool:
		switch {
		case a == b.(bool):
			return 0
		case !a:
			return -1
		}
		return 1
	}
	panic("model: unknown value type")
}

// holds reports whether entity e satisfies c.
func (m *model) holds(c Cond, e uint64) bool {
	switch c := c.(type) {
	case *AndCond:
		return m.holds(c.L, e) && m.holds(c.R, e)
	case *OrCond:
		return m.holds(c.L, e) || m.holds(c.R, e)
	case *NotCond:
		return !m.holds(c.X, e)
	case *CompareCond:
		for _, v := range m.cols[c.Col.Name].vals[e] {
			r := modelCompare(v, c.Value)
			ok := false
			switch c.Op {
			case OpEq:
				ok = r == 0
			case OpNe:
				ok = r != 0
			case OpLt:
				ok = r < 0
			case OpLe:
				ok = r <= 0
			case OpGt:
				ok = r > 0
			case OpGe:
				ok = r >= 0
			}
			if ok {
				return true
			}
		}
		return false
	case *BetweenCond:
		for _, v := range m.cols[c.Col.Name].vals[e] {
			if modelCompare(v, c.Lo) >= 0 && modelCompare(v, c.Hi) <= 0 {
				return true
			}
		}
		return false
	case *HasCond:
		return len(m.cols[c.Col.Name].vals[e]) > 0
	case *FollowCond:
		targets := m.targets(c.Target)
		step := func(x uint64) []uint64 { // the entities one edge away from x, walking from the entity towards the target
			if c.Dir == DirOut {
				return m.out[c.Verb.Name][x]
			}
			return m.in[c.Verb.Name][x]
		}
		if !c.Transitive {
			for _, y := range step(e) {
				if targets == nil || targets[y] {
					return true
				}
			}
			return false
		}
		seen := map[uint64]bool{}
		queue := slices.Clone(step(e))
		for len(queue) > 0 {
			y := queue[0]
			queue = queue[1:]
			if seen[y] {
				continue
			}
			seen[y] = true
			if targets == nil || targets[y] {
				return true
			}
			queue = append(queue, step(y)...)
		}
		return false
	}
	panic("model: unknown condition")
}

// targets returns the set a target stands for; nil means any entity.
func (m *model) targets(t Target) map[uint64]bool {
	if set, ok := m.sets[t]; ok {
		return set
	}
	set := m.targetsUncached(t)
	if m.sets == nil {
		m.sets = map[Target]map[uint64]bool{}
	}
	m.sets[t] = set
	return set
}

func (m *model) targetsUncached(t Target) map[uint64]bool {
	switch t := t.(type) {
	case *AnyTarget:
		return nil
	case *EntityTarget:
		id := t.Ref.ID
		if t.Ref.Form == RefIRI {
			id = m.iris[t.Ref.IRI]
		}
		return map[uint64]bool{id: true}
	case *SubQuery:
		set := map[uint64]bool{}
		for _, id := range m.eval(t.Query) {
			set[id] = true
		}
		return set
	}
	panic("model: unknown target")
}

// orderKey returns the value that ORDER BY sorts e by: its smallest value ascending, its
// largest descending, and whether it has one.
func (m *model) orderKey(col string, desc bool, e uint64) (any, bool) {
	vals := m.cols[col].vals[e]
	if len(vals) == 0 {
		return nil, false
	}
	best := vals[0]
	for _, v := range vals[1:] {
		if r := modelCompareValues(v, best); desc && r > 0 || !desc && r < 0 {
			best = v
		}
	}
	return best, true
}

// eval returns the entities q finds, in the order it returns them, before COUNT.
// Without ORDER BY the order is by ID. With it, entities with a value come first, by
// (value, ID) ascending or descending, and then those without one, by ascending ID.
func (m *model) eval(q *Query) []uint64 {
	var out []uint64
	for _, e := range m.byKind[q.Kind.Name] {
		if q.Where == nil || m.holds(q.Where, e) {
			out = append(out, e)
		}
	}
	if q.OrderBy != nil {
		col, desc := q.OrderBy.Col.Name, q.OrderBy.Desc
		slices.SortStableFunc(out, func(a, b uint64) int {
			va, oka := m.orderKey(col, desc, a)
			vb, okb := m.orderKey(col, desc, b)
			switch {
			case oka && okb:
				r := cmp.Or(modelCompareValues(va, vb), cmp.Compare(a, b))
				if desc {
					return -r
				}
				return r
			case oka:
				return -1
			case okb:
				return 1
			}
			return cmp.Compare(a, b)
		})
	}
	if q.Limit.Set && uint64(len(out)) > q.Limit.N {
		out = out[:q.Limit.N]
	}
	return out
}
