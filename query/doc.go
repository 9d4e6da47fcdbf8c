// Package query is stablegraph's query language: its syntax tree, a parser
// for its text, a Go builder that produces the same tree, and the planner
// and executor that run it against an entity.DB.
//
// A query finds the entities of one kind that satisfy a condition:
//
//	EXPLAIN FIND player
//	WHERE health < 10 AND member_of -> guild/7    -- a column predicate and an edge
//	SELECT name, health ORDER BY health DESC LIMIT 20 BUDGET 5000
//
// Parse turns text into a *Query; Find and the functions beside it build
// the same *Query in Go; Query.String turns either back into canonical text.
// The syntax tree is plain data: a Query holds a Cond, which is one of
// *AndCond, *OrCond, *NotCond, *CompareCond, *BetweenCond, *HasCond and
// *FollowCond, and a FollowCond holds a Target, which is one of *AnyTarget,
// *EntityTarget and *SubQuery. Every node carries the Pos where it was
// written. The syntax (lexer.go, parser.go, ast.go, builder.go) touches no
// store.
//
// # Running queries
//
// Prepare binds a Query's names to the kinds, columns and verbs of a DB's
// catalog and plans it; Plan.Run runs it in a read-only message and returns a
// Result (planning it again first if the catalog changed in between); Exec does
// all three from text:
//
//	res, err := query.Exec(db, `FIND player WHERE name = "alice" SELECT health`, query.RunOptions{})
//	// res.Rows: [["ic://…/player/42", int64(87)]]; res.Stats.PagesRead: 6
//
// Plan.RunInto runs a plan into an earlier Result, writing over its rows, cells,
// URI strings and IDs instead of making new ones: for a query asked again and
// again (once per game tick, say), where what a caller takes from that Result is
// valid until the next run into it.
//
// Plan.Explain prints the plan: its steps, each with its estimated rows and
// pages, from the catalog, the statistics of graphctl analyze and the few exact
// counts planning reads (facts.go, counted in Plan.PlanningPages); the estimate
// shown is estimate.go's. EXPLAIN ANALYZE runs the query
// and prints the plan with each step's actual rows and pages beside the
// estimates (a step's actual pages are those it read first), so that a wrong
// estimate shows where it went wrong; ANALYZE is a keyword only there. Results are
// sets of entity IDs combined as roaring bitmaps (64-bit). Every Result
// carries the pages the query read, exact and deterministic, per variable,
// beside the estimate. A budget, a BUDGET clause or RunOptions.Budget, is
// checked against the plan's bound on its pages (Plan.UpperPages, shown by
// EXPLAIN) before the query runs (an *EstimateError) and enforced by the store
// while it runs (store.ErrPageBudgetExceeded). Planning's own pages
// (Plan.PlanningPages) are not under the budget: the facts it reads are bounded
// per query instead (facts.go).
//
// # Meaning
//
// A FIND returns entities of its kind. A comparison holds when the entity has
// a value in the column that compares so with the literal; on a Multi column,
// when any of its values does; an entity without a value satisfies no
// comparison, and NOT is the complement within the kind. Literals compare
// exactly with the values stored: "x < 300" holds for every value of an int8
// column and "x = 0.1" for no float32 one. Numbers compare with int, uint
// and float columns whatever their types, as SPARQL compares numbers ("x <
// 9.5" on an int column holds for 9 and below), strings with
// string and bytes columns, true and false with bool columns; structs and
// arrays compare with nothing (HAS applies to every column). An entity
// reference that names no live entity (or one of another kind than it says)
// matches nothing, and Result.Warnings says so, whatever the plan; one that is
// malformed or names a kind the store lacks is an error of Prepare.
//
// # Predicates imported from RDF
//
// An import gives each predicate one column per type and datatype of its
// literals (factor, factor_2, factor_3 for integers, decimals and strings;
// label, label_2 for plain and language-tagged strings), each recording the
// predicate's IRI (column.Dyn.Predicate). In a query, a name of any of them
// stands for all of them, so a predicate is named once and all its values are
// seen, compared as SPARQL compares RDF literals: a number with the values of
// every numeric datatype by value (integers of every derived type, beyond
// int64 too, decimals, floats, doubles); a plain string with the plain and
// xsd:string values and those of other non-numeric datatypes (dates, say); a
// string with a language tag, "chat"@fr, only with the values tagged so, and
// only with = and !=; a string never with a number. A condition holds when any
// of the entity's values satisfies it. A spelling the import kept as text to
// write it back exactly ("042"^^xsd:integer, "1.0"^^xsd:decimal) is read as
// the number it spells, by a scan or probe of its column (no index serves
// it; EXPLAIN says "its text read as numbers"). SELECT gives the entity's
// value, or the list of its values across the columns. ORDER BY orders by the
// column named alone. Values beyond int64 (xsd:unsignedLong, large
// xsd:integer) compare with any number; an integer literal in a query must
// fit an int64, so write a larger one as a float (1.8446744073709552e19).
//
// SELECT IRI selects the entity's external IRI, or for an entity without one
// its blank-node label _:b<id>, as N-Triples export writes it (SelectIRI in
// the syntax tree); IRI is a keyword, so a column named iri is written `iri`.
//
// Without ORDER BY, entities come in ID order. ORDER BY sorts by the
// entity's value (its smallest on a Multi column, its largest with DESC),
// ties by ID (DESC reverses both), and puts entities without a value last,
// in ID order. LIMIT keeps the first entities of that order; a sub-query's
// LIMIT limits the entities it stands for.
//
// # Grammar
//
// In the EBNF of the Go specification:
//
//	Query      = [ "EXPLAIN" [ "ANALYZE" ] ] Find [ ";" ] .
//	Find       = "FIND" Name [ "WHERE" Cond ]
//	             [ "SELECT" Selected { "," Selected } | "COUNT" ]
//	             [ "ORDER" "BY" Name [ "ASC" | "DESC" ] ]
//	             [ "LIMIT" Int ] [ "BUDGET" Int ] .
//	Selected   = Name | "IRI" .
//	Cond       = AndCond { "OR" AndCond } .
//	AndCond    = Unary { "AND" Unary } .
//	Unary      = "NOT" Unary | "(" Cond ")" | "HAS" Name | Predicate .
//	Predicate  = Name CompareOp Literal
//	           | Name "BETWEEN" Literal "AND" Literal
//	           | Name Arrow Target .
//	CompareOp  = "=" | "!=" | "<" | "<=" | ">" | ">=" .
//	Arrow      = "->" | "<-" | "->+" | "<-+" .
//	Target     = "ANY" | EntityRef | "(" Find ")" .
//	EntityRef  = "ic://" Canister "/" Kind "/" ID   (up to white space, ")" or ";")
//	           | Kind "/" ID | "#" ID
//	           | "<" IRI ">" .                      (IRI: no ">" and no white space)
//	Literal    = Int | Float | String [ "@" LangTag ] | "true" | "false" .
//	Name       = Ident | "`" { character except "`" and newline } "`" .
//
// NOT binds tighter than AND, and AND tighter than OR; the AND of BETWEEN
// belongs to BETWEEN. Keywords are case-insensitive; names are
// case-sensitive. The clauses of Find must come in the order shown, each at
// most once. A sub-query may not have EXPLAIN, SELECT, COUNT or BUDGET:
// it stands for any of the entities it finds.
//
// The arrows follow a verb's edges: "verb -> t" holds when the entity has a
// verb edge to t, "verb <- t" when t has a verb edge to the entity, and
// "->+" and "<-+" when a path of one or more such edges leads there. The
// target t is ANY (any entity), one entity, or the results of a sub-query.
//
// # Tokens
//
// A LangTag is letters, then groups of '-' and letters or digits, right after
// the closing quote: "colour"@en-GB.
//
// An Ident is a letter or '_' followed by letters, digits, '_' and '.', and
// is not a keyword; a keyword or any other text without a backquote or a
// newline can be a name in backquotes: `order`, `my-kind`. An Int is an
// optionally negative decimal integer that fits in an int64 (-5); a Float
// has a fraction, an exponent or both (1.5, -0.25, 1e3). A String is
// double-quoted with Go's escape sequences ("say \"hi\"\n"). In an entity
// reference the Kind may also contain '-', and the ID is decimal.
//
// A name taken from an IRI may hold '-' (date-of-birth): write it in
// backquotes, `date-of-birth`; the parser suggests it.
//
// White space separates tokens and "--" starts a comment that runs to the
// end of the line, so a query may span lines. A '<' directly followed by a
// '-' and a digit is less-than: "x<-5" compares x with -5.
//
// # Errors
//
// Parse reports errors as an ErrorList of *Error, each with the line and
// column where it was found, saying what was expected and what was found:
//
//	1:23: expected comparison operator, BETWEEN, '->' or '<-', found "halth"
//	1:1: unknown keyword "FNID"; did you mean "FIND"?
//
// All of them wrap ErrSyntax. Suggest finds the "did you mean" candidate;
// the planner uses it for unknown columns, verbs and kinds.
package query
