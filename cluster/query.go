package cluster

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"slices"
	"strings"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/query"
	"github.com/stablegraph/stablegraph/server"
	"github.com/stablegraph/stablegraph/store"
)

// QueryResult is a query's answer over the cluster: the merged answer (rows, count,
// the pages of every shard added up, the plans), and each shard's part of it.
type QueryResult struct {
	server.QueryResult
	Shards []ShardResult `json:"shards"`
	// Rounds is how many rounds of messages the query took, one after another: one, one
	// more for each sub-query that a condition follows edges to, and one per step of a
	// closure's growth (see rounds.go).
	Rounds int `json:"rounds"`
}

// ShardResult is one shard's part of a QueryResult.
type ShardResult struct {
	Shard string           `json:"shard"`
	Rows  int              `json:"rows"`  // the rows it returned, before the merge's LIMIT
	Count uint64           `json:"count"` // its count
	Stats server.PageStats `json:"stats"` // the pages it touched, in every round
	// Messages is how many queries it ran: one per round it took part in, one per
	// sub-query in a round.
	Messages int `json:"messages"`
}

// Query runs one query on every shard at once and merges the answers, so that it
// answers as one store holding every shard's entities would, up to the order of ties:
//
//   - rows come in shard order (the config's), each shard's in its own order (ID order);
//   - with ORDER BY, they are sorted again after the merge by the same rule as in one
//     store (by value, entities without one last), ties in shard order then each shard's,
//     by the key each shard ordered each row by (server.QueryRequest.OrderKeys): the named
//     column's value even where SELECT shows a predicate's values of every datatype, and
//     infinite floats as numbers;
//   - LIMIT n is sent to every shard (the first n of the world are among the first n of
//     each shard) and applied again after the merge;
//   - COUNT is the sum of the shards' counts (at most the LIMIT);
//   - the page stats are each shard's (Shards) and their sum (Stats);
//   - a budget (req.Budget, else the query's BUDGET) is the most pages the query may
//     read in all: each shard stops past it, and a total past it fails the query with
//     store.ErrPageBudgetExceeded;
//   - EXPLAIN gives each shard's plan under a line that names the shard;
//   - a warning is kept if every shard gave it (an <IRI> no shard holds), and dropped
//     otherwise (the IRI is in some shard);
//   - a condition that follows a verb to an entity or a sub-query is made exact in every
//     shard first, edges across shards included: sub-queries run over the cluster in
//     rounds before the last (see rounds.go), their pages counted in each shard's and in
//     the total, and the budget is the most pages of all rounds together.
//
// An error of one shard fails the query and names the shard; a query's error at a
// position is reported at its position in req.Query.
func (c *Cluster) Query(ctx context.Context, req server.QueryRequest) (*QueryResult, error) {
	q, err := query.Parse(req.Query)
	if err != nil {
		return nil, err
	}
	explain := req.Explain || q.Explain
	budget, limited := req.Budget, req.Budget != 0
	if !limited && q.Budget.Set {
		budget, limited = q.Budget.Pages, true
	}

	// With ORDER BY, each shard gives each row's key (the value it ordered it by), and
	// the merge orders by them as one store would.
	ordered := q.OrderBy != nil && !q.Count && !explain

	// Rounds first, if a condition follows edges to an entity or a sub-query.
	var rs *rounds
	if len(c.shards) > 1 && q.Where != nil && needsRounds(q.Where) {
		if rs, err = c.runRounds(ctx, q, req, budget); err != nil {
			return nil, c.placeError(ctx, c.shards[0], req, err)
		}
	}
	left := budget
	if rs != nil && limited {
		left = max(budget-min(budget, rs.spent()), 1)
	}

	parts := make([]*server.QueryResult, len(c.shards))
	hidden := make([][]string, len(c.shards))
	err = c.each(ctx, func(ctx context.Context, i int, s *Shard) error {
		text := req.Query
		if rs != nil {
			text, hidden[i] = shardQuery(q, rs.where[i]), rs.hidden[i]
		}
		r, err := s.Client.Query(ctx, server.QueryRequest{Query: text, Explain: req.Explain, Budget: left, IRI: req.IRI, OrderKeys: ordered})
		if err != nil && rs != nil {
			err = c.placeError(ctx, s, req, err)
		}
		parts[i] = r
		return err
	})
	if err != nil {
		return nil, err
	}

	res := &QueryResult{}
	res.Columns = parts[0].Columns
	res.Rows = [][]any{}
	res.Stats.ByVariable = map[string]uint64{}
	var plans strings.Builder
	var keys []any // with ORDER BY, each row's key
	for i, p := range parts {
		s := c.shards[i]
		res.Shards = append(res.Shards, ShardResult{Shard: s.Name, Rows: len(p.Rows), Count: p.Count, Stats: p.Stats, Messages: 1})
		res.Stats.PagesRead += p.Stats.PagesRead
		res.Stats.PagesWritten += p.Stats.PagesWritten
		res.Stats.EstimatedPages += p.Stats.EstimatedPages
		for v, n := range p.Stats.ByVariable {
			res.Stats.ByVariable[v] += n
		}
		res.Count += p.Count
		if explain {
			fmt.Fprintf(&plans, "-- shard %s (%s): %d pages read\n%s", s.Name, s.Scope, p.Stats.PagesRead, p.Explain)
			if !strings.HasSuffix(p.Explain, "\n") {
				plans.WriteByte('\n')
			}
		} else {
			res.Rows = append(res.Rows, p.Rows...)
			if ordered && len(p.OrderKeys) != len(p.Rows) {
				return nil, fmt.Errorf("shard %s: %d order keys for %d rows", s.Name, len(p.OrderKeys), len(p.Rows))
			}
			keys = append(keys, p.OrderKeys...)
		}
	}
	res.Rounds = 1
	if rs != nil {
		res.addRounds(rs)
	}
	if limited && res.Stats.PagesRead > budget {
		var each []string
		for _, sr := range res.Shards {
			each = append(each, fmt.Sprintf("%s %d", sr.Shard, sr.Stats.PagesRead))
		}
		return nil, fmt.Errorf("query stopped: %w: %d pages read over %d shards (%s), budget %d",
			store.ErrPageBudgetExceeded, res.Stats.PagesRead, len(c.shards), strings.Join(each, ", "), budget)
	}
	res.Warnings = commonWarnings(parts, hidden)
	if rs != nil {
		for _, sub := range rs.subs {
			for _, w := range sub.Warnings {
				if !slices.Contains(res.Warnings, w) {
					res.Warnings = append(res.Warnings, w)
				}
			}
		}
	}
	if explain {
		res.Explain = plans.String()
		res.Count = 0
		return res, nil
	}
	if ordered {
		at := make([]int, len(res.Rows))
		for i := range at {
			at[i] = i
		}
		slices.SortStableFunc(at, func(a, b int) int { return compareKeys(keys[a], keys[b], q.OrderBy.Desc) })
		rows := make([][]any, len(at))
		for i, j := range at {
			rows[i] = res.Rows[j]
			if req.OrderKeys {
				res.OrderKeys = append(res.OrderKeys, keys[j])
			}
		}
		res.Rows = rows
	}
	if q.Limit.Set && uint64(len(res.Rows)) > q.Limit.N {
		res.Rows = res.Rows[:q.Limit.N]
		if res.OrderKeys != nil {
			res.OrderKeys = res.OrderKeys[:q.Limit.N]
		}
	}
	if q.Count {
		if q.Limit.Set {
			res.Count = min(res.Count, q.Limit.N)
		}
	} else {
		res.Count = uint64(len(res.Rows))
	}
	return res, nil
}

// placeError returns err, or if it is the query's fault, the error shard s finds planning
// the query as written: in place in req.Query, where the rounds' rewriting would move it.
func (c *Cluster) placeError(ctx context.Context, s *Shard, req server.QueryRequest, err error) error {
	if !isQueryError(err) {
		return err
	}
	if _, err2 := s.Client.Query(ctx, server.QueryRequest{Query: req.Query, Explain: true, IRI: req.IRI}); err2 != nil && isQueryError(err2) {
		return err2
	}
	return err
}

// addRounds adds the pages and messages of the rounds before the last to res.
func (res *QueryResult) addRounds(rs *rounds) {
	rounds := 0
	for _, sub := range rs.subs {
		rounds += sub.Rounds // the rounds run one after another
		for j, sr := range sub.Shards {
			to := &res.Shards[j]
			to.Messages += sr.Messages
			to.Stats.PagesRead += sr.Stats.PagesRead
			to.Stats.PagesWritten += sr.Stats.PagesWritten
			to.Stats.EstimatedPages += sr.Stats.EstimatedPages
			for v, n := range sr.Stats.ByVariable {
				to.Stats.ByVariable[v] += n
				res.Stats.ByVariable[v] += n
			}
		}
		res.Stats.PagesRead += sub.Stats.PagesRead
		res.Stats.PagesWritten += sub.Stats.PagesWritten
		res.Stats.EstimatedPages += sub.Stats.EstimatedPages
	}
	res.Rounds = 1 + rounds
}

// isQueryError reports whether err is the query's fault, found while planning it.
func isQueryError(err error) bool {
	var qe *query.Error
	return errors.As(err, &qe)
}

// commonWarnings returns the warnings that every shard gave but those that were not sent
// the reference a warning names (hidden[i] holds the references shard i was not sent),
// in the order the shards gave them.
func commonWarnings(parts []*server.QueryResult, hidden [][]string) []string {
	var out []string
	for _, p := range parts {
		for _, w := range p.Warnings {
			if slices.Contains(out, w) {
				continue
			}
			all := true
			for i, p2 := range parts {
				all = all && (slices.Contains(p2.Warnings, w) || slices.ContainsFunc(hidden[i], func(ref string) bool { return strings.Contains(w, ref) }))
			}
			if all {
				out = append(out, w)
			}
		}
	}
	return out
}

// compareKeys orders two sort keys as ORDER BY does: by value, reversed with desc, and a
// missing value (nil) after every value either way.
func compareKeys(a, b any, desc bool) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return 1
	case b == nil:
		return -1
	}
	if desc {
		return compareValues(b, a)
	}
	return compareValues(a, b)
}

// compareValues orders two cell values: numbers by value whatever their Go types (a
// float column's 3.0 comes over JSON as the integer 3), the rest as a column's index
// orders them (column.CompareValues: strings bytewise, and bytes too since they come in
// hex, false before true); values of different kinds by kind: booleans, then numbers,
// then strings.
func compareValues(a, b any) int {
	ka, kb := valueKind(a), valueKind(b)
	switch {
	case ka != kb:
		return ka - kb
	case ka == kindNumber && reflect.TypeOf(a) != reflect.TypeOf(b):
		return toBig(a).Cmp(toBig(b))
	}
	return column.CompareValues(a, b)
}

const (
	kindBool = iota
	kindNumber
	kindString
	kindOther
)

func valueKind(v any) int {
	switch v := v.(type) {
	case bool:
		return kindBool
	case float64:
		if math.IsNaN(v) { // a server sends NaN as text; this is for values made in Go
			return kindOther
		}
		return kindNumber
	case int64, uint64:
		return kindNumber
	case string:
		return kindString
	}
	return kindOther
}

// toBig returns a number exactly, so that an int64 and a float64 compare by value.
func toBig(v any) *big.Float {
	f := new(big.Float).SetPrec(128)
	switch v := v.(type) {
	case int64:
		f.SetInt64(v)
	case uint64:
		f.SetUint64(v)
	case float64:
		f.SetFloat64(v)
	}
	return f
}
