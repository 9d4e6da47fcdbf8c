package interchange

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/stablegraph/stablegraph/internal/ntriples"
)

// maxGraphNames bounds the distinct graph names an N-Quads import keeps for its note.
const maxGraphNames = 1000

// namedGraphs counts the quads of an N-Quads input that named a graph, which the import
// drops, and the distinct names, up to maxGraphNames.
type namedGraphs struct {
	quads int64
	names map[string]bool
	more  bool // more names than maxGraphNames
}

func (g *namedGraphs) add(t ntriples.Term) {
	if t.Kind == 0 {
		return
	}
	g.quads++
	g.addName(t.String())
}

func (g *namedGraphs) addName(name string) {
	switch {
	case g.names[name]:
	case len(g.names) >= maxGraphNames:
		g.more = true
	default:
		if g.names == nil {
			g.names = map[string]bool{}
		}
		g.names[name] = true
	}
}

func (g *namedGraphs) merge(o namedGraphs) {
	g.quads += o.quads
	g.more = g.more || o.more
	for n := range o.names {
		g.addName(n)
	}
}

// describe says what was dropped: "3 quads in 2 named graphs (<g1>, _:g2) read into the
// store's one graph".
func (g *namedGraphs) describe() string {
	names := slices.Sorted(maps.Keys(g.names))
	count := fmt.Sprint(len(names))
	if g.more {
		count = fmt.Sprintf("more than %d", maxGraphNames)
	}
	shown := names[:min(len(names), 5)]
	list := strings.Join(shown, ", ")
	if len(names) > len(shown) || g.more {
		list += ", …"
	}
	quads, graphs := "quads", "graphs"
	if g.quads == 1 {
		quads = "quad"
	}
	if len(names) == 1 && !g.more {
		graphs = "graph"
	}
	return fmt.Sprintf("%d %s in %s named %s (%s) read into the store's one graph", g.quads, quads, count, graphs, list)
}
