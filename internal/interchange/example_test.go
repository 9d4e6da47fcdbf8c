package interchange_test

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/internal/interchange"
	"github.com/stablegraph/stablegraph/query"
	"github.com/stablegraph/stablegraph/store"
)

// Example imports two people from N-Triples, queries them, and exports them again: the
// export gives back the triples imported.
func Example() {
	st, _ := store.OpenMemory(store.NewHeapMemory(0), nil)
	db, _ := entity.Open(st, nil, nil)
	doc := `<http://ex.org/ann> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://xmlns.com/foaf/0.1/Person> .
<http://ex.org/ann> <http://xmlns.com/foaf/0.1/name> "Ann" .
<http://ex.org/ann> <http://xmlns.com/foaf/0.1/knows> <http://ex.org/bo> .
<http://ex.org/bo> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://xmlns.com/foaf/0.1/Person> .
<http://ex.org/bo> <http://xmlns.com/foaf/0.1/name> "Bo" .
`
	imp, err := interchange.ParseNTriples(context.Background(), strings.NewReader(doc), "people.nt", interchange.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	var sum interchange.Summary
	if err := db.Update(func(tx *entity.Tx) error { return imp.Apply(tx, &sum) }); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d triples: kinds %v, columns %v, verbs %v\n", imp.Read(), sum.Kinds, sum.Columns, sum.Verbs)

	res, _ := query.Exec(db, `FIND Person WHERE knows -> <http://ex.org/bo> SELECT name`, query.RunOptions{})
	fmt.Println(res.Rows[0][1])

	_ = db.View(func(tx *entity.Tx) error {
		kinds, _ := interchange.ExportKinds(tx, "")
		_, err := interchange.WriteNTriples(tx, os.Stdout, kinds)
		return err
	})
	// Output:
	// 5 triples: kinds [Person], columns [name], verbs [knows]
	// Ann
	// <http://ex.org/ann> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://xmlns.com/foaf/0.1/Person> .
	// <http://ex.org/ann> <http://xmlns.com/foaf/0.1/name> "Ann" .
	// <http://ex.org/ann> <http://xmlns.com/foaf/0.1/knows> <http://ex.org/bo> .
	// <http://ex.org/bo> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://xmlns.com/foaf/0.1/Person> .
	// <http://ex.org/bo> <http://xmlns.com/foaf/0.1/name> "Bo" .
}
