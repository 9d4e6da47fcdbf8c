package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// TestUpgradeStory runs three releases of the arena against one store file, as three
// program versions would, and counts every player and value at each step:
//
//  1. v1 stores a free-form address per player;
//  2. v2 adds street, number and postal_code, deprecates address (read-only) and migrates a
//     batch of players per tick; a rollback to v1 in the middle is safe, and v2 resumes;
//  3. v3 retires address; v1 is refused from then on, since it would find no address for
//     the players spawned since v2;
//
// and finally the retired column is dropped, through the store API that graphctl's
// `schema drop` uses, and through graphctl itself, and its pages return to
// the free list.
func TestUpgradeStory(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "arena.sgdb")
	m := &model{players: map[entity.ID]modelPlayer{}}
	nV1 := 600
	if testing.Short() {
		nV1 = 300
	}

	// ---- Version 1: addresses as one string.
	w, st := openVersion(t, path, 1)
	specs := make([]PlayerSpec, nV1)
	for i := range specs {
		specs[i] = testPlayer(i)
		if i%3 == 0 {
			specs[i].Guild = guildNames[i%len(guildNames)]
		}
	}
	m.spawn(t, w, specs)
	stepN(t, w, 3)
	m.verify(t, w, "v1")
	require.NoError(t, st.Close())

	// ---- Version 2: the upgrade is safe, and so is a rollback while address is deprecated.
	v1, v2, v3 := schemaV1().s.Defs(), schemaV2().s.Defs(), schemaV3().s.Defs()
	c := store.CheckCompatible(v1, v2)
	assert.NoError(t, c.Upgrade, "v1 → v2")
	assert.NoError(t, c.Rollback, "v2 → v1 while address is only deprecated")

	w, st = openVersion(t, path, 2)
	assertState(t, w, "address", store.Deprecated)
	first := m.firstWithString()
	err := w.db.Update(func(tx *entity.Tx) error { return w.sc.address.Set(tx, first, "Elm St 1, 1") })
	assert.ErrorIs(t, err, store.ErrReadOnly, "v2 refuses to write a deprecated column")
	require.NoError(t, w.db.View(func(tx *entity.Tx) error {
		a, ok, err := w.sc.address.Get(tx, first)
		assert.True(t, ok)
		assert.Equal(t, m.players[first].line, a, "v2 still reads it")
		return err
	}))

	// A small page allowance, so that this small world takes several batches.
	w.MigratePages = 8
	rep := stepN(t, w, 1)
	require.NotZero(t, rep.Migrated)
	require.Less(t, rep.Migrated, nV1, "a tick migrates one batch")
	t.Logf("v2: the first tick migrated %d of %d players", rep.Migrated, nV1)
	var v2specs []PlayerSpec
	for i := range 30 {
		p := testPlayer(nV1 + i)
		if i%2 == 0 { // the form v2 introduced; the others give a line that v2 splits at spawn
			p.AddressParts, p.Address = parseAddress(p.Address), ""
		}
		v2specs = append(v2specs, p)
	}
	m.spawn(t, w, v2specs)
	stepN(t, w, 1)
	m.verify(t, w, "v2, migration under way")
	status := worldStatus(t, w)
	require.False(t, status.Migration.Done)

	// Version 3 refuses to start before the migration is done, and writes nothing.
	before := dumpOpen(t, st)
	_, err = OpenWorld(st, 3)
	require.ErrorIs(t, err, ErrMigrationPending)
	assert.ErrorIs(t, err, store.ErrIncompatibleSchema)
	assert.Equal(t, before, dumpOpen(t, st), "a refused start writes nothing")
	require.NoError(t, st.Close())

	// ---- Roll back to version 1 in the middle of the migration.
	assert.NoError(t, store.CheckCompatible(v2, v1).Upgrade, "v1 code can open v2 data")
	w, st = openVersion(t, path, 1)
	assertState(t, w, "address", store.Active)
	var rollback []PlayerSpec
	for i := range 40 {
		rollback = append(rollback, testPlayer(nV1+100+i))
	}
	m.spawn(t, w, rollback)
	stepN(t, w, 2)
	m.verify(t, w, "rolled back to v1")
	require.NoError(t, st.Close())

	// ---- Version 2 again: the migration resumes from its cursor and finishes.
	w, st = openVersion(t, path, 2)
	w.MigratePages = 8
	ticks := 0
	for done := false; !done; ticks++ {
		require.Less(t, ticks, 1000, "the migration does not finish")
		stepN(t, w, 1)
		done = worldStatus(t, w).Migration.Done
	}
	t.Logf("v2 again: the migration finished after %d more ticks", ticks)
	assert.Greater(t, ticks, 1, "the rest took several batches")
	m.verify(t, w, "v2, migration done")
	require.NoError(t, st.Close())

	// ---- Version 3: address retired.
	c = store.CheckCompatible(v2, v3)
	assert.NoError(t, c.Upgrade, "v2 → v3")
	assert.NoError(t, c.Rollback, "v3 → v2: address is still there to read")
	c = store.CheckCompatible(v1, v3)
	for _, err := range []error{c.Upgrade, c.Rollback} {
		require.ErrorIs(t, err, store.ErrIncompatibleSchema, "v1 and v3 are two steps apart")
		assert.Contains(t, err.Error(), `"address"`)
	}
	t.Logf("v3 → v1 refused: %v", c.Rollback)

	w, st = openVersion(t, path, 3)
	assertState(t, w, "address", store.Retired)
	err = w.db.View(func(tx *entity.Tx) error {
		_, _, err := w.sc.address.Get(tx, first)
		return err
	})
	assert.ErrorIs(t, err, store.ErrRetired, "v3 reads no address")
	var v3specs []PlayerSpec
	for i := range 20 {
		v3specs = append(v3specs, testPlayer(nV1+200+i))
	}
	m.spawn(t, w, v3specs)
	stepN(t, w, 3)
	m.verify(t, w, "v3")

	// A rollback to version 1 would lose data, and is refused with nothing written.
	before = dumpOpen(t, st)
	_, err = OpenWorld(st, 1)
	require.ErrorIs(t, err, store.ErrIncompatibleSchema)
	assert.Equal(t, before, dumpOpen(t, st), "a refused rollback writes nothing")
	require.NoError(t, st.Close())

	// ---- Drop the retired column: its pages return to the free list.
	copyPath := filepath.Join(dir, "copy.sgdb")
	copyFile(t, path, copyPath)
	st, err = store.Open(path, nil)
	require.NoError(t, err)
	before = dumpOpen(t, st)
	addrPages := varPages(t, st, "address")
	require.NotZero(t, addrPages)
	info0, err := st.Info()
	require.NoError(t, err)
	require.NoError(t, st.Update(func(tx *store.Tx) error { return tx.DropVar("address") }))
	info1, err := st.Info()
	require.NoError(t, err)
	assert.Equal(t, info0.FreePages+addrPages, info1.FreePages, "every page of address is free")
	assert.Equal(t, info0.Pages, info1.Pages, "the store does not grow")
	require.NoError(t, st.View(func(tx *store.Tx) error { return tx.CheckStore() }))
	after := dumpOpen(t, st)
	assert.NotContains(t, after.vars, "address")
	delete(before.vars, "address")
	assert.Equal(t, before, after, "the drop changes nothing else")
	t.Logf("drop: %d pages of address freed (free list %d → %d of %d pages)",
		addrPages, info0.FreePages, info1.FreePages, info1.Pages)
	require.NoError(t, st.Close())
	m.dropped = true

	// Version 3 runs on; v1 stays refused, since v3 keeps address as an empty retired name.
	w, st = openVersion(t, path, 3)
	stepN(t, w, 2)
	m.verify(t, w, "v3 after the drop")
	assert.Zero(t, varPages(t, st, "address"), "the name v3 keeps owns no page")
	_, err = OpenWorld(st, 1)
	assert.ErrorIs(t, err, store.ErrIncompatibleSchema)
	require.NoError(t, st.Close())

	t.Run("graphctl", func(t *testing.T) { graphctlDrop(t, copyPath, addrPages) })
}

// graphctlDrop drops address from the store at path with the real graphctl, and checks
// that stats shows its pages returned.
func graphctlDrop(t *testing.T, path string, addrPages uint64) {
	bin := filepath.Join(t.TempDir(), "graphctl")
	build := exec.Command("go", "build", "-o", bin, "github.com/stablegraph/stablegraph/cmd/graphctl")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building cmd/graphctl, whose schema drop this test checks: %v\n%s", err, out)
	}
	graphctl := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		cmd := exec.Command(bin, append(args, "--db", path)...)
		cmd.Stdout, cmd.Stderr = &out, &errOut
		err := cmd.Run()
		if err != nil {
			err = fmt.Errorf("graphctl %s: %w: %s", strings.Join(args, " "), err, errOut.String())
		}
		return out.String(), err
	}
	type stats struct {
		Variables []struct {
			Name  string `json:"name"`
			State string `json:"state"`
			Pages uint64 `json:"pages"`
		} `json:"variables"`
		Totals struct {
			FreePages uint64 `json:"free_pages"`
			Pages     uint64 `json:"pages"`
		} `json:"totals"`
	}
	read := func() (s stats) {
		out, err := graphctl("stats", "-o", "json")
		require.NoError(t, err)
		require.NoError(t, json.Unmarshal([]byte(out), &s), out)
		return s
	}
	s0 := read()
	var found bool
	for _, v := range s0.Variables {
		if v.Name == "address" {
			found = true
			assert.Equal(t, "retired", v.State)
			assert.Equal(t, addrPages, v.Pages, "stats counts the pages the store API freed")
		}
	}
	require.True(t, found, "stats lists address before the drop")

	_, err := graphctl("schema", "drop", "address")
	require.Error(t, err, "drop wants --yes")
	out, err := graphctl("schema", "drop", "address", "--yes")
	require.NoError(t, err)
	t.Logf("graphctl schema drop address --yes: %s", strings.TrimSpace(out))
	assert.Contains(t, out, fmt.Sprintf("%d pages freed", addrPages))

	s1 := read()
	for _, v := range s1.Variables {
		assert.NotEqual(t, "address", v.Name, "stats no longer lists address")
	}
	assert.Equal(t, s0.Totals.FreePages+addrPages, s1.Totals.FreePages, "stats shows the pages returned")
	assert.Equal(t, s0.Totals.Pages, s1.Totals.Pages)
	table, err := graphctl("stats")
	require.NoError(t, err)
	t.Logf("graphctl stats after the drop:\n%s", table)
	_, err = graphctl("verify")
	assert.NoError(t, err)
}

// model is what the test knows every player must hold, whichever version reads it.
type model struct {
	players map[entity.ID]modelPlayer
	dropped bool // the address column has been dropped
}

type modelPlayer struct {
	name      string
	guild     string       // the guild asked for, or "" for the one derived from the ID
	line      string       // the address as one line; "" for none
	parts     AddressParts // the address's parts, once migrated or when spawned by v2 or v3
	hasString bool         // spawned by v1: the address is (also) a string
}

// spawn spawns specs in ticks of w, at most maxSpawns a tick, and records them.
func (m *model) spawn(t *testing.T, w *World, specs []PlayerSpec) {
	t.Helper()
	for len(specs) > 0 {
		n := min(len(specs), maxSpawns)
		_, res, _, err := w.Step(DefaultTickBudget, specs[:n])
		require.NoError(t, err)
		for i, r := range res {
			require.NoError(t, r.Err)
			p := specs[i]
			mp := modelPlayer{name: p.Name, guild: p.Guild, hasString: w.sc.writesAddress()}
			mp.line = p.Address
			if mp.line == "" {
				mp.line = p.AddressParts.String()
			}
			mp.parts = p.AddressParts
			if mp.parts.IsZero() {
				mp.parts = parseAddress(p.Address)
			}
			m.players[r.ID] = mp
		}
		specs = specs[n:]
	}
}

// firstWithString returns the lowest player ID spawned with an address string.
func (m *model) firstWithString() entity.ID {
	var first entity.ID
	for id, p := range m.players {
		if p.hasString && (first == 0 || id < first) {
			first = id
		}
	}
	return first
}

// verify checks that the store holds every player the model knows, with every value, read
// through the catalog (so that what this version does not declare is checked too), and
// that the version's own view of each address is the one the player was given.
func (m *model) verify(t *testing.T, w *World, stage string) {
	t.Helper()
	require.NoError(t, w.db.View(func(tx *entity.Tx) error {
		sc := w.sc
		require.Equal(t, uint64(len(m.players)), sc.player.Count(tx), "%s: players", stage)
		for id := range sc.player.All(tx) {
			require.Contains(t, m.players, id, "%s: a player the test did not spawn", stage)
		}
		col := func(name string) *column.Dyn {
			d, err := column.Lookup(tx, name)
			if err != nil {
				return nil
			}
			return d
		}
		cursor := migrationCursor(t, tx, col("address_migrated"))
		address := rawValues(t, tx, col("address"))
		parts := map[string]*column.Dyn{"street": col("street"), "number": col("number"), "postal_code": col("postal_code")}

		var nStrings, wantParts [3]uint64
		for id, p := range m.players {
			v, ok, err := sc.name.Get(tx, id)
			require.NoError(t, err)
			require.True(t, ok)
			require.Equal(t, p.name, v, "%s: name of #%d", stage, id)
			for _, c := range []*column.Dyn{sc.pos.Dyn(), sc.vel.Dyn(), sc.health.Dyn()} {
				has, err := c.Has(tx, id)
				require.NoError(t, err)
				require.True(t, has, "%s: #%d has no %s", stage, id, c.Name())
			}
			require.EqualValues(t, 1, sc.memberOf.OutDegree(tx, id), "%s: #%d is in one guild", stage, id)
			if p.guild != "" {
				g := w.guildByName[p.guild]
				has, err := sc.memberOf.Has(tx, id, g)
				require.NoError(t, err)
				require.True(t, has, "%s: #%d is in %s", stage, id, p.guild)
			}

			// The string, as long as it exists.
			if a, ok := address[id]; ok || (p.hasString && !m.dropped) {
				require.True(t, p.hasString && !m.dropped, "%s: #%d has an address string it was not given", stage, id)
				require.Equal(t, p.line, a, "%s: address of #%d", stage, id)
				nStrings[0]++
			}
			// The parts, once migrated or when spawned so.
			if !p.hasString || uint64(id) <= cursor {
				got := readParts(t, tx, parts, id)
				require.Equal(t, p.parts, got, "%s: address parts of #%d", stage, id)
				require.Equal(t, p.line, got.String(), "%s: the parts of #%d give its address back", stage, id)
				for i, s := range []string{p.parts.Street, p.parts.Number, p.parts.PostalCode} {
					if s != "" {
						wantParts[i]++
					}
				}
			}
			// The address as this version shows it.
			if sc.version > 1 || p.hasString {
				line, _, err := w.AddressOf(tx, id)
				require.NoError(t, err)
				require.Equal(t, p.line, line, "%s: version %d's view of #%d's address", stage, sc.version, id)
			}
		}

		// Counting every value: nothing more is stored than the players above account for.
		assert.Equal(t, nStrings[0], uint64(len(address)), "%s: address strings", stage)
		for i, name := range []string{"street", "number", "postal_code"} {
			var n uint64
			if parts[name] != nil {
				n = parts[name].Len(tx)
			}
			assert.Equal(t, wantParts[i], n, "%s: %s values", stage, name)
		}
		players, guilds, items := sc.player.Count(tx), sc.guild.Count(tx), sc.item.Count(tx)
		assert.Equal(t, uint64(len(guildNames)), guilds, "%s: guilds", stage)
		assert.Equal(t, players+guilds+items, sc.name.Len(tx), "%s: every entity has a name", stage)
		for _, c := range []*column.Dyn{sc.pos.Dyn(), sc.vel.Dyn(), sc.health.Dyn()} {
			assert.Equal(t, players, c.Len(tx), "%s: %s values", stage, c.Name())
		}
		assert.Equal(t, players, sc.memberOf.Len(tx), "%s: member_of edges", stage)
		assert.Equal(t, items, sc.droppedAt.Len(tx)+sc.owns.Len(tx), "%s: every item lies on the ground or has an owner", stage)
		t.Logf("%s: %d players, %d address strings, %d/%d/%d street/number/postal_code values, migration cursor #%d, %d items (%d owned)",
			stage, players, len(address), wantParts[0], wantParts[1], wantParts[2], cursor, items, sc.owns.Len(tx))
		return nil
	}))
}

// rawValues reads a string column's values from its tree, whatever its lifecycle state:
// a retired column's data is still in the store until it is dropped.
func rawValues(t *testing.T, tx *entity.Tx, d *column.Dyn) map[entity.ID]string {
	out := map[entity.ID]string{}
	if d == nil {
		return out
	}
	v, ok := tx.Var(d.Name())
	require.True(t, ok)
	tr, err := tx.StoreTx().OpenTree(v.Refs[0], d.Name()) // VarTree refuses a retired column
	require.NoError(t, err)
	for k, b := range tr.All() {
		val, err := d.Decode(b)
		require.NoError(t, err)
		out[entity.FromKey(k)] = val.(string)
	}
	return out
}

func readParts(t *testing.T, tx *entity.Tx, parts map[string]*column.Dyn, id entity.ID) AddressParts {
	var a AddressParts
	for name, dst := range map[string]*string{"street": &a.Street, "number": &a.Number, "postal_code": &a.PostalCode} {
		if parts[name] == nil {
			continue
		}
		v, ok, err := parts[name].Get(tx, id)
		require.NoError(t, err)
		if ok {
			*dst = v.(string)
		}
	}
	return a
}

// migrationCursor reads version 2's migration cursor, 0 if there is none.
func migrationCursor(t *testing.T, tx *entity.Tx, d *column.Dyn) uint64 {
	if d == nil {
		return 0
	}
	var cursor uint64
	for _, v := range d.Scan(tx) {
		cursor = v.(uint64)
	}
	return cursor
}

// openVersion opens the store at path as program version v would.
func openVersion(t *testing.T, path string, v int) (*World, *store.Store) {
	t.Helper()
	st, err := store.Open(path, &store.Options{NoSync: true})
	require.NoError(t, err)
	w, err := OpenWorld(st, v)
	if err != nil {
		_ = st.Close()
	}
	require.NoError(t, err, "open as version %d", v)
	return w, st
}

// stepN runs n ticks and returns the last one's report.
func stepN(t *testing.T, w *World, n int) TickReport {
	t.Helper()
	var rep TickReport
	for range n {
		var err error
		rep, _, _, err = w.Step(DefaultTickBudget, nil)
		require.NoError(t, err)
	}
	return rep
}

func worldStatus(t *testing.T, w *World) Status {
	var st Status
	require.NoError(t, w.db.View(func(tx *entity.Tx) (err error) {
		st, err = w.Status(tx)
		return err
	}))
	return st
}

func assertState(t *testing.T, w *World, name string, want store.State) {
	t.Helper()
	require.NoError(t, w.db.View(func(tx *entity.Tx) error {
		v, ok := tx.Var(name)
		require.True(t, ok)
		assert.Equal(t, want, v.State, "state of %s", name)
		return nil
	}))
}

// varPages counts the pages of a variable's trees, 0 if the variable does not exist.
func varPages(t *testing.T, st *store.Store, name string) uint64 {
	var n uint64
	require.NoError(t, st.View(func(tx *store.Tx) error {
		v, ok := tx.Var(name)
		if !ok {
			return nil
		}
		for _, ref := range v.Refs {
			tr, err := tx.OpenTree(ref, name)
			if err != nil {
				return err
			}
			s := tr.Stats()
			for _, p := range s.PagesByLevel {
				n += p
			}
			n += s.OverflowPages
		}
		return nil
	}))
	return n
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	for _, suffix := range []string{"", "-wal"} {
		src, err := os.Open(from + suffix)
		if os.IsNotExist(err) && suffix != "" {
			continue
		}
		require.NoError(t, err)
		dst, err := os.Create(to + suffix)
		require.NoError(t, err)
		_, err = io.Copy(dst, src)
		require.NoError(t, err)
		require.NoError(t, src.Close())
		require.NoError(t, dst.Close())
	}
}
