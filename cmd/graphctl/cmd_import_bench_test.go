package main

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// writeScaleDoc writes an N-Triples document of n subjects, 12 triples each: a type (one
// of five classes), a name, a language-tagged label, an integer, a double, a boolean, a
// date, a description, three edges to other subjects and one to one of 500 groups.
func writeScaleDoc(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	classes := []string{"Person", "Organization", "Place", "Event", "Work"}
	for i := range n {
		s := fmt.Sprintf("<http://example.org/e/%d>", i)
		fmt.Fprintf(w, "%s %s <http://example.org/ont/%s> .\n", s, rdfT, classes[i%len(classes)])
		fmt.Fprintf(w, "%s <http://xmlns.com/foaf/0.1/name> \"Name %d\" .\n", s, i)
		fmt.Fprintf(w, "%s <http://www.w3.org/2000/01/rdf-schema#label> \"label %d\"@en .\n", s, i)
		fmt.Fprintf(w, "%s <http://example.org/ont/age> \"%d\"^^<%sinteger> .\n", s, 1+rng.IntN(99), xsd)
		fmt.Fprintf(w, "%s <http://example.org/ont/score> \"%g\"^^<%sdouble> .\n", s, float64(rng.IntN(8000))/8, xsd)
		fmt.Fprintf(w, "%s <http://example.org/ont/active> \"%t\"^^<%sboolean> .\n", s, i%3 != 0, xsd)
		for range 3 {
			fmt.Fprintf(w, "%s <http://xmlns.com/foaf/0.1/knows> <http://example.org/e/%d> .\n", s, rng.IntN(n))
		}
		fmt.Fprintf(w, "%s <http://example.org/ont/memberOf> <http://example.org/g/%d> .\n", s, i%500)
		fmt.Fprintf(w, "%s <http://example.org/ont/created> \"2020-01-%02d\"^^<%sdate> .\n", s, 1+i%28, xsd)
		fmt.Fprintf(w, "%s <http://purl.org/dc/terms/description> \"A somewhat longer description of entity number %d, with some words in it.\" .\n", s, i)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// BenchmarkImportNTriples imports 1.2 million triples with the graphctl binary, as a user
// would, into a new store each time:
//
//	go test -run '^$' -bench ImportNTriples -benchtime 1x ./cmd/graphctl
func BenchmarkImportNTriples(b *testing.B) {
	const subjects = 100_000 // 12 triples each
	dir := b.TempDir()
	doc := filepath.Join(dir, "scale.nt")
	require.NoError(b, writeScaleDoc(doc, subjects))
	fi, err := os.Stat(doc)
	require.NoError(b, err)
	b.SetBytes(fi.Size())
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		db := filepath.Join(dir, fmt.Sprintf("s%d.sg", i))
		b.StartTimer()
		start := time.Now()
		out, err := exec.Command(binary, "import", "--db", db, "--quiet", doc).CombinedOutput()
		require.NoError(b, err, "%s", out)
		b.ReportMetric(float64(12*subjects)/time.Since(start).Seconds(), "triples/s")
		b.StopTimer()
		os.Remove(db)
		os.Remove(db + "-wal")
		b.StartTimer()
	}
}
