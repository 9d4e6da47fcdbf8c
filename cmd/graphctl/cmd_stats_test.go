package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStats(t *testing.T) {
	dir := demoStore(t)
	out := ok(t, dir, "stats", "--db", "world.sg")
	assert.Regexp(t, `^name +role +type +state +entries +height +pages +fill\n`, out)
	assert.Regexp(t, `\nplayer +kind +.* +active +2000 +\d +\d+ +\d+\.\d%\n`, out)
	assert.Regexp(t, `\nhealth +column +int32 +active +2000 +\d +\d+ +\d+\.\d%\n`, out)
	assert.Regexp(t, `\nmember_of +verb +.* +active +\d+ +\d +\d+ +\d+\.\d%\n`, out)
	assert.Regexp(t, `\n\d+ variables, \d+ entries; \d+ pages: \d+ in variables, \d+ system, \d+ free`, out)

	st := statsJSON(t, dir, "world.sg")
	var pages uint64
	for _, v := range st.Variables {
		pages += v.Pages
		if v.Name == "health" {
			assert.Len(t, v.Trees, 2, "a column and its index")
			assert.Equal(t, uint64(2000), v.Trees[1].Entries)
		}
	}
	assert.Equal(t, st.Totals.VarPages, pages)
	assert.Equal(t, st.Totals.Pages, st.Totals.VarPages+st.Totals.SystemPages+st.Totals.FreePages)
	assert.Equal(t, "name,role,type,state,entries,height,pages,fill", firstLine(ok(t, dir, "stats", "--db", "world.sg", "-o", "csv")))
}
