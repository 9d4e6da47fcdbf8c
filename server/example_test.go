package server_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/server/client"
	"github.com/stablegraph/stablegraph/store"
)

// A store served on loopback and queried through the Go client.
func Example() {
	st, err := store.OpenMemory(store.NewHeapMemory(0), nil)
	if err != nil {
		panic(err)
	}
	defer st.Close()
	db, err := entity.Open(st, nil, nil)
	if err != nil {
		panic(err)
	}
	svc := server.NewService(st, db, "example")
	ctx := context.Background()
	people := `{"iri": "http://ex.org/ann", "kind": "person", "set": {"name": "ann", "age": 41}}
{"iri": "http://ex.org/bo", "kind": "person", "set": {"name": "bo", "age": 29}}
`
	if _, err := svc.Import(ctx, server.ImportRequest{Format: "jsonl"}, strings.NewReader(people), nil); err != nil {
		panic(err)
	}

	srv := httptest.NewServer(server.New(svc, server.Config{Token: "secret"}))
	defer srv.Close()
	c, err := client.New(srv.URL, "secret", nil)
	if err != nil {
		panic(err)
	}
	res, err := c.Query(ctx, server.QueryRequest{Query: "FIND person WHERE age > 30 SELECT name"})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Columns, res.Rows[0][1], res.Count)

	_, err = c.Query(ctx, server.QueryRequest{Query: "FIND person WHERE agee > 30"})
	fmt.Println(err)
	// Output:
	// [entity name] ann 1
	// 1:19: unknown column "agee" on kind person; did you mean "age"?
}
