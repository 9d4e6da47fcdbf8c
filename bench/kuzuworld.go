package bench

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// The world of the comparison with Kùzu is the Fixture written out twice: as N-Triples,
// which our store imports as `graphctl import` does (ImportNTriples), and as the CSV files
// Kùzu's COPY FROM loads (WriteKuzuCSV). Both carry the same entities, values and edges:
//
//	<world/player/00000001> a <world/Player>; name "player-00000001"; health 42 (xsd:integer);
//	                        x, y, and where the player moves dx, dy (xsd:double);
//	                        member_of <world/guild/…>; friend <world/player/…> (five)
//	<world/guild/00100001>  a <world/Guild>; name "guild-00001"
//
// An entity's IRI ends in its Fixture ID, which is also the id of its row in Kùzu, so the
// two answers can be compared entity by entity.

// WorldIRI is the namespace of the world's IRIs: kinds, predicates and entities.
const WorldIRI = "http://stablegraph.example/world/"

const xsdInteger = "http://www.w3.org/2001/XMLSchema#integer"
const xsdDouble = "http://www.w3.org/2001/XMLSchema#double"
const rdfType = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

// EntityIRI returns the IRI of the world's entity with the given Fixture ID.
func (f *Fixture) EntityIRI(id uint64) string {
	if id > uint64(f.N) {
		return fmt.Sprintf("%sguild/%08d", WorldIRI, id)
	}
	return fmt.Sprintf("%splayer/%08d", WorldIRI, id)
}

// formatDouble writes a float as the import writes an xsd:double back, so that it is
// stored as a number, not as text kept for its spelling.
func formatDouble(v float32) string { return strconv.FormatFloat(float64(v), 'g', -1, 64) }

// WriteNTriples writes the world as N-Triples, one subject's triples after another in ID
// order, and returns the number of triples written.
func WriteNTriples(f *Fixture, w io.Writer) (int64, error) {
	bw := bufio.NewWriterSize(w, 1<<16)
	var n int64
	triple := func(s, p, o string) {
		n++
		bw.WriteString("<")
		bw.WriteString(s)
		bw.WriteString("> <")
		bw.WriteString(WorldIRI)
		bw.WriteString(p)
		bw.WriteString("> ")
		bw.WriteString(o)
		bw.WriteString(" .\n")
	}
	iri := func(s string) string { return "<" + s + ">" }
	typed := func(lex, datatype string) string { return `"` + lex + `"^^<` + datatype + ">" }
	kind := func(s, k string) {
		n++
		fmt.Fprintf(bw, "<%s> <%s> <%s%s> .\n", s, rdfType, WorldIRI, k)
	}
	for i := range f.N {
		s := f.EntityIRI(f.PlayerID(i))
		kind(s, "Player")
		triple(s, "name", strconv.Quote(PlayerName(i)))
		triple(s, "health", typed(strconv.Itoa(int(f.Health[i])), xsdInteger))
		triple(s, "x", typed(formatDouble(f.Pos[i].X), xsdDouble))
		triple(s, "y", typed(formatDouble(f.Pos[i].Y), xsdDouble))
		if f.HasVel[i] {
			triple(s, "dx", typed(formatDouble(f.Vel[i].X), xsdDouble))
			triple(s, "dy", typed(formatDouble(f.Vel[i].Y), xsdDouble))
		}
		triple(s, "member_of", iri(f.EntityIRI(f.GuildID(int(f.Guild[i])))))
		for _, j := range f.FriendsOf(i) {
			triple(s, "friend", iri(f.EntityIRI(f.PlayerID(int(j)))))
		}
	}
	for g := range f.G {
		s := f.EntityIRI(f.GuildID(g))
		kind(s, "Guild")
		triple(s, "name", strconv.Quote(GuildName(g)))
	}
	return n, bw.Flush()
}

// The files WriteKuzuCSV writes, each with a header line, as bench/kuzu/run.js loads them.
const (
	KuzuPlayersCSV  = "players.csv"   // id,name,health,x,y,dx,dy (dx, dy empty where the player does not move)
	KuzuGuildsCSV   = "guilds.csv"    // id,name
	KuzuMemberOfCSV = "member_of.csv" // from,to: player ID, guild ID
	KuzuFriendCSV   = "friend.csv"    // from,to: player ID, player ID
)

// WriteKuzuCSV writes the world into dir as the four CSV files Kùzu's COPY FROM loads.
func WriteKuzuCSV(f *Fixture, dir string) error {
	files := []struct {
		name string
		fill func(w *bufio.Writer)
	}{
		{KuzuPlayersCSV, func(w *bufio.Writer) {
			w.WriteString("id,name,health,x,y,dx,dy\n")
			for i := range f.N {
				fmt.Fprintf(w, "%d,%s,%d,%s,%s,", f.PlayerID(i), PlayerName(i), f.Health[i], formatDouble(f.Pos[i].X), formatDouble(f.Pos[i].Y))
				if f.HasVel[i] {
					fmt.Fprintf(w, "%s,%s", formatDouble(f.Vel[i].X), formatDouble(f.Vel[i].Y))
				} else {
					w.WriteString(",")
				}
				w.WriteString("\n")
			}
		}},
		{KuzuGuildsCSV, func(w *bufio.Writer) {
			w.WriteString("id,name\n")
			for g := range f.G {
				fmt.Fprintf(w, "%d,%s\n", f.GuildID(g), GuildName(g))
			}
		}},
		{KuzuMemberOfCSV, func(w *bufio.Writer) {
			w.WriteString("from,to\n")
			for i := range f.N {
				fmt.Fprintf(w, "%d,%d\n", f.PlayerID(i), f.GuildID(int(f.Guild[i])))
			}
		}},
		{KuzuFriendCSV, func(w *bufio.Writer) {
			w.WriteString("from,to\n")
			for i := range f.N {
				for _, j := range f.FriendsOf(i) {
					fmt.Fprintf(w, "%d,%d\n", f.PlayerID(i), f.PlayerID(int(j)))
				}
			}
		}},
	}
	for _, file := range files {
		if err := writeFile(filepath.Join(dir, file.name), file.fill); err != nil {
			return err
		}
	}
	return nil
}

// writeFile creates path and fills it through a buffer, reporting the first error of the
// writes, the flush or the close.
func writeFile(path string, fill func(w *bufio.Writer)) error {
	fh, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(fh, 1<<16)
	fill(w)
	err = w.Flush()
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
