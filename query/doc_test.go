package query_test

import (
	"errors"
	"fmt"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/query"
)

func ExampleParse() {
	q, err := query.Parse(`
		find player
		where health < 10 and member_of -> guild/7   -- low on health, in guild 7
		select name, health order by health limit 20`)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q)
	and := q.Where.(*query.AndCond)
	cmp := and.L.(*query.CompareCond)
	fmt.Println(cmp.Col.Name, cmp.Op, cmp.Value.Int, "at", cmp.Pos)
	follow := and.R.(*query.FollowCond)
	ref := follow.Target.(*query.EntityTarget).Ref
	fmt.Println(follow.Verb.Name, follow.Dir, ref.Form, ref.Kind, ref.ID)
	// Output:
	// FIND player WHERE health < 10 AND member_of -> guild/7 SELECT name, health ORDER BY health LIMIT 20
	// health < 10 at 3:16
	// member_of -> KindID guild 7
}

func ExampleParse_error() {
	_, err := query.Parse("FIND player\nWHERE max halth < 10")
	fmt.Println(err)
	fmt.Println(errors.Is(err, query.ErrSyntax))

	_, err = query.Parse("FNID player")
	fmt.Println(err)
	// Output:
	// 2:11: expected comparison operator, BETWEEN, '->' or '<-', found "halth"
	// true
	// 1:1: unknown keyword "FNID"; did you mean "FIND"?
}

func ExampleFind() {
	q := query.Find("player").
		Where(query.And(
			query.Lt("health", 10),
			query.Out("member_of", query.Entity("guild/7")),
			query.Not(query.In("friend", query.Sub(query.Find("player").Where(query.Eq("name", "alice"))))),
		)).
		Select("name", "health").
		OrderBy("health", true).
		Limit(20).
		Query()
	if err := q.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(q)
	// Output:
	// FIND player WHERE health < 10 AND member_of -> guild/7 AND NOT friend <- (FIND player WHERE name = "alice") SELECT name, health ORDER BY health DESC LIMIT 20
}

func ExampleSuggest() {
	columns := []string{"health", "name", "member_of"}
	if s, ok := query.Suggest("helth", columns); ok {
		fmt.Printf("unknown column %q on kind player; did you mean %q?\n", "helth", s)
	}
	_, ok := query.Suggest("xyz", columns)
	fmt.Println(ok)
	// Output:
	// unknown column "helth" on kind player; did you mean "health"?
	// false
}

// TestNoStorageDependency keeps the language independent of storage: the
// files of the syntax (lexer, parser, syntax tree, builder, errors, hints)
// may not import the store or the packages built on it. The binder, planner
// and executor (bind.go, cost.go, step.go, plan.go, exec.go, …) are the package's storage side.
func TestNoStorageDependency(t *testing.T) {
	const module = "github.com/stablegraph/stablegraph/"
	forbidden := []string{"store", "entity", "column", "verb"}
	files := []string{"ast.go", "builder.go", "doc.go", "errors.go", "lexer.go", "parser.go", "suggest.go"}
	for _, file := range files {
		f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range f.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			require.NoError(t, err)
			for _, pkg := range forbidden {
				require.False(t, path == module+pkg || strings.HasPrefix(path, module+pkg+"/"),
					"%s imports %s", file, path)
			}
		}
	}
}
