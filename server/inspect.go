package server

import (
	"context"
	"fmt"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// VarStats is the shape of one global variable, as Stats reports it.
type VarStats struct {
	Name    string      `json:"name"`
	Role    string      `json:"role"`
	Type    string      `json:"type"`
	State   string      `json:"state"`
	Entries uint64      `json:"entries"` // entries of the variable's first tree
	Height  int         `json:"height"`  // height of its first tree
	Pages   uint64      `json:"pages"`   // pages of all its trees, overflow pages included
	Fill    float64     `json:"fill"`    // leaf fill of all its trees, weighted by leaf pages
	Trees   []TreeStats `json:"trees"`
}

// TreeStats is the shape of one tree of a variable.
type TreeStats struct {
	Entries       uint64  `json:"entries"`
	Height        int     `json:"height"`
	LeafPages     uint64  `json:"leaf_pages"`
	BranchPages   uint64  `json:"branch_pages"`
	OverflowPages uint64  `json:"overflow_pages"`
	LeafFill      float64 `json:"leaf_fill"`
}

// StoreStats is the shape of every variable and the store's totals.
type StoreStats struct {
	Variables []VarStats `json:"variables"`
	Totals    struct {
		Variables   int    `json:"variables"`
		Entries     uint64 `json:"entries"`
		VarPages    uint64 `json:"variable_pages"`
		SystemPages uint64 `json:"system_pages"` // superblock, catalog, free-list trunks
		FreePages   uint64 `json:"free_pages"`
		Pages       uint64 `json:"pages"`
		WasmPages   uint64 `json:"wasm_pages"`
		Bytes       uint64 `json:"bytes"`
		LogBytes    int64  `json:"log_bytes"`
	} `json:"totals"`
}

// Stats reads the shape of every variable in one View.
func (s *Service) Stats(ctx context.Context) (*StoreStats, error) {
	out := &StoreStats{Variables: []VarStats{}}
	info, err := s.st.Info()
	if err != nil {
		return nil, err
	}
	b := s.QueryBudget
	b.Context = ctx
	st, err := s.st.ViewWith(b, func(tx *store.Tx) error {
		for _, v := range tx.Vars() {
			vs := VarStats{Name: v.Name, Role: v.Role.String(), Type: v.Type, State: v.State.String(), Trees: []TreeStats{}}
			var leafPages uint64
			var fill float64
			for i, ref := range v.Refs {
				// OpenTree, not VarTree: a retired variable's trees still hold pages.
				t, err := tx.OpenTree(ref, v.Name)
				if err != nil {
					return fmt.Errorf("variable %q tree %d: %w", v.Name, i, err)
				}
				ts := t.Stats()
				var leaves, branches uint64
				for lvl, n := range ts.PagesByLevel {
					if lvl == 0 {
						leaves += n
					} else {
						branches += n
					}
				}
				vs.Trees = append(vs.Trees, TreeStats{
					Entries: ts.Entries, Height: ts.Height, LeafPages: leaves, BranchPages: branches,
					OverflowPages: ts.OverflowPages, LeafFill: ts.LeafFill,
				})
				if i == 0 {
					vs.Entries, vs.Height = ts.Entries, ts.Height
				}
				vs.Pages += leaves + branches + ts.OverflowPages
				leafPages += leaves
				fill += ts.LeafFill * float64(leaves)
			}
			if leafPages > 0 {
				vs.Fill = fill / float64(leafPages)
			}
			out.Variables = append(out.Variables, vs)
			out.Totals.Entries += vs.Entries
			out.Totals.VarPages += vs.Pages
		}
		return nil
	})
	count(ctx, st)
	if err != nil {
		return nil, err
	}
	t := &out.Totals
	t.Variables = len(out.Variables)
	t.Pages, t.FreePages = info.Pages, info.FreePages
	t.SystemPages = info.Pages - info.FreePages - t.VarPages
	t.WasmPages = info.WasmPages
	t.Bytes = info.WasmPages * store.WasmPageSize
	t.LogBytes = info.LogBytes
	return out, nil
}

// VerifyResult is what Verify checked.
type VerifyResult struct {
	Name         string `json:"name"`          // the store's name: its path
	PagesChecked uint64 `json:"pages_checked"` // pages the page check read
	Variables    int    `json:"variables"`
	// DataModel says whether the store has a data model, which the second check covers.
	DataModel  bool   `json:"data_model"`
	Entities   uint64 `json:"entities,omitempty"`
	Entries    uint64 `json:"entries,omitempty"`
	ModelPages uint64 `json:"model_pages,omitempty"` // pages the data-model check read
}

// Verify checks the whole store in two Views: its pages and trees, then its data model.
// A store that fails either is an error wrapping ErrDamaged that names the problem.
func (s *Service) Verify(ctx context.Context) (*VerifyResult, error) {
	res := &VerifyResult{Name: s.name}
	stats, err := s.st.ViewWith(store.Budget{Context: ctx}, func(tx *store.Tx) error {
		res.Variables = len(tx.Vars())
		res.DataModel = hasVar(tx.Vars(), entity.VarKind)
		return tx.CheckStore()
	})
	count(ctx, stats)
	if err != nil {
		return nil, s.damaged(ctx, err)
	}
	res.PagesChecked = stats.PagesRead
	if !res.DataModel {
		return res, nil
	}
	db := s.db
	if db == nil {
		if db, err = entity.Open(s.st, nil, nil); err != nil { // writes nothing: the store has the data model
			return nil, s.damaged(ctx, err)
		}
	}
	var ms entity.CheckStats
	mstats, err := db.ViewWith(store.Budget{Context: ctx}, func(tx *entity.Tx) (err error) {
		ms, err = entity.Check(tx)
		return err
	})
	count(ctx, mstats)
	if err != nil {
		return nil, s.damaged(ctx, err)
	}
	res.Entities, res.Entries, res.ModelPages = ms.Entities, ms.Entries, mstats.PagesRead
	return res, nil
}

// hasVar reports whether vars holds a variable called name.
func hasVar(vars []store.Var, name string) bool {
	for _, v := range vars {
		if v.Name == name {
			return true
		}
	}
	return false
}

// damaged returns the error of a failed check: the store is damaged, unless the check
// stopped because ctx is done.
func (s *Service) damaged(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return err
	}
	return fmt.Errorf("%s: %w: %w", s.name, ErrDamaged, err)
}
