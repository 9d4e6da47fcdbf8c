package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/RoaringBitmap/roaring/v2"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/query"
	"github.com/stablegraph/stablegraph/store"
	"github.com/stablegraph/stablegraph/verb"
)

// canister is the program's state between messages: the store, opened over whatever memory
// the program runs on (the system API's stable memory in the guest, a heap or a file
// natively), with the schema of its version. Everything it knows lives in the store; the
// heap holds only what opening rebuilds.
type canister struct {
	db *entity.DB
	sc *schema
	// The pages read and dirtied by the store messages of the request under way: a query
	// method runs two (planning, then the run), and the host counts them together.
	read, dirtied *roaring.Bitmap
	// reads adds up the pages each message of the request read: a query's planning and
	// its run are two messages, and may read a page each.
	reads uint64
}

// open opens the store in mem with the schema of program version v: a new store in an
// empty memory, else the schema check and lifecycle as entity.Open applies them.
func open(mem store.Memory, v int) (*canister, error) {
	c, opts, err := newCanister(v)
	if err != nil {
		return nil, err
	}
	st, err := store.OpenMemory(mem, opts)
	if err != nil {
		return nil, err
	}
	return c, c.bind(st)
}

// newCanister returns a canister of program version v, not yet bound to a store, and the
// options its store must be opened with.
func newCanister(v int) (*canister, *store.Options, error) {
	sc, err := schemaFor(v)
	if err != nil {
		return nil, nil, err
	}
	c := &canister{sc: sc, read: roaring.New(), dirtied: roaring.New()}
	return c, &store.Options{RecordPages: true, OnMessage: c.count}, nil
}

// bind applies the canister's schema to st.
func (c *canister) bind(st *store.Store) error {
	db, err := entity.Open(st, c.sc.s, nil)
	if err != nil {
		return err
	}
	c.db = db
	return nil
}

// Command is the argument of the update method exec: operations run in order, in one
// message, all or none.
type Command struct {
	Ops []Op `json:"ops"`
}

// Op is one operation of a Command. Op names what it does:
//
//	create    a Kind entity with Values (column name → value); its ID is returned
//	set       Column of ID to Value
//	link      Verb from ID to To       unlink   the same, removed
//	delete    entity ID, with its values and edges
//	tick      one ECS step: pos += vel for every entity that has both
//	populate  N persons over N/100+1 cities (name, age, pos, vel, lives_in, knows the previous)
type Op struct {
	Op     string         `json:"op"`
	Kind   string         `json:"kind,omitempty"`
	Values map[string]any `json:"values,omitempty"`
	ID     entity.ID      `json:"id,omitempty"`
	Column string         `json:"column,omitempty"`
	Value  any            `json:"value,omitempty"`
	Verb   string         `json:"verb,omitempty"`
	To     entity.ID      `json:"to,omitempty"`
	N      int            `json:"n,omitempty"`
}

// MessageStats are a message's page counts as the store's meter saw them.
type MessageStats struct {
	PagesRead     uint64 `json:"pages_read"`
	PagesDirtied  uint64 `json:"pages_dirtied"`
	PagesAccessed uint64 `json:"pages_accessed"`
	// PageReads, for a query, adds up the pages each of its messages read: a page read
	// by both its planning and its run counts twice.
	PageReads uint64 `json:"page_reads,omitempty"`
}

// count adds a store message's pages to the request's.
func (c *canister) count(st store.Stats) {
	if st.Touched != nil {
		c.read.Or(st.Touched.Read)
		c.dirtied.Or(st.Touched.Dirtied)
		c.reads += st.Touched.Read.GetCardinality()
	}
}

// begin starts counting a request's pages.
func (c *canister) begin() {
	c.read.Clear()
	c.dirtied.Clear()
	c.reads = 0
}

// stats returns the pages the request's store messages touched, as the store's meter
// counted them.
func (c *canister) stats() MessageStats {
	return MessageStats{
		PagesRead:     c.read.GetCardinality(),
		PagesDirtied:  c.dirtied.GetCardinality(),
		PagesAccessed: roaring.Or(c.read, c.dirtied).GetCardinality(),
	}
}

// ExecReply is the reply of exec.
type ExecReply struct {
	Created []entity.ID  `json:"created"`
	Moved   int          `json:"moved,omitempty"`
	Stats   MessageStats `json:"stats"`
}

// QueryReply is the reply of the query method.
type QueryReply struct {
	Columns []string     `json:"columns,omitempty"`
	Rows    [][]any      `json:"rows,omitempty"`
	Count   uint64       `json:"count"`
	Stats   MessageStats `json:"stats"`
}

// exec runs a JSON Command as one Update.
func (c *canister) exec(arg []byte) ([]byte, error) {
	var cmd Command
	if err := json.Unmarshal(arg, &cmd); err != nil {
		return nil, fmt.Errorf("exec: %w", err)
	}
	var rep ExecReply
	c.begin()
	_, err := c.db.UpdateWith(store.UpdateBudget, func(tx *entity.Tx) error {
		rep = ExecReply{}
		for i, op := range cmd.Ops {
			if err := c.run(tx, op, &rep); err != nil {
				return fmt.Errorf("op %d (%s): %w", i, op.Op, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	rep.Stats = c.stats()
	return json.Marshal(rep)
}

func (c *canister) run(tx *entity.Tx, op Op, rep *ExecReply) error {
	switch op.Op {
	case "create":
		k, ok := tx.Kind(op.Kind)
		if !ok {
			return fmt.Errorf("no kind %q", op.Kind)
		}
		id, err := k.New(tx)
		if err != nil {
			return err
		}
		for name, v := range sortedValues(op.Values) {
			if err := setValue(tx, id, name, v); err != nil {
				return err
			}
		}
		rep.Created = append(rep.Created, id)
		return nil
	case "set":
		return setValue(tx, op.ID, op.Column, op.Value)
	case "link", "unlink":
		v, err := verb.Lookup(tx, op.Verb)
		if err != nil {
			return err
		}
		if op.Op == "link" {
			return v.Link(tx, op.ID, op.To)
		}
		_, err = v.Unlink(tx, op.ID, op.To)
		return err
	case "delete":
		return tx.Delete(op.ID)
	case "tick":
		return column.Apply2(tx, c.sc.pos, c.sc.vel, func(_ entity.ID, p *Vec2, v Vec2) bool {
			p.X += v.X
			p.Y += v.Y
			rep.Moved++
			return true
		})
	case "populate":
		return c.populate(tx, op.N, rep)
	}
	return fmt.Errorf("unknown op %q", op.Op)
}

// setValue sets the column called name, as the catalog holds it, of entity id. A JSON
// object is a Vec2 ({"x":1,"y":2}), the one struct type of the schema.
func setValue(tx *entity.Tx, id entity.ID, name string, v any) error {
	d, err := column.Lookup(tx, name)
	if err != nil {
		return err
	}
	if obj, ok := v.(map[string]any); ok {
		var p Vec2
		b, _ := json.Marshal(obj)
		if err := json.Unmarshal(b, &p); err != nil {
			return fmt.Errorf("column %q: %w", name, err)
		}
		v = p
	}
	return d.Set(tx, id, v)
}

// sortedValues yields the values of a create in column-name order, so that the same
// command writes the same pages wherever it runs.
func sortedValues(m map[string]any) func(func(string, any) bool) {
	return func(yield func(string, any) bool) {
		names := make([]string, 0, len(m))
		for n := range m {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			if !yield(n, m[n]) {
				return
			}
		}
	}
}

// populate creates n persons living in n/100+1 new cities, each knowing the one before.
// Persons are numbered on from those the store has: names stay unique.
func (c *canister) populate(tx *entity.Tx, n int, rep *ExecReply) error {
	person, ok1 := tx.Kind("person")
	city, ok2 := tx.Kind("city")
	if !ok1 || !ok2 {
		return errors.New("populate: the schema has no person or city")
	}
	name, err := column.Lookup(tx, "name")
	if err != nil {
		return err
	}
	livesIn, err := verb.Lookup(tx, "lives_in")
	if err != nil {
		return err
	}
	knows, err := verb.Lookup(tx, "knows")
	if err != nil {
		return err
	}
	cities := make([]entity.ID, n/100+1)
	for i := range cities {
		if cities[i], err = city.New(tx); err != nil {
			return err
		}
		if err := name.Set(tx, cities[i], fmt.Sprintf("city-%d", i)); err != nil {
			return err
		}
	}
	age, _ := column.Lookup(tx, "age")
	base := int(person.Count(tx))
	var prev entity.ID
	for j := range n {
		i := base + j
		id, err := person.New(tx)
		if err != nil {
			return err
		}
		if err := name.Set(tx, id, fmt.Sprintf("person-%d", i)); err != nil {
			return err
		}
		if age != nil && age.State() == store.Active {
			if err := age.Set(tx, id, int32(i%90)); err != nil {
				return err
			}
		}
		if err := c.sc.pos.Set(tx, id, Vec2{X: float32(i % 1000), Y: float32(i / 1000)}); err != nil {
			return err
		}
		if err := c.sc.vel.Set(tx, id, Vec2{X: 1, Y: float32(i%3) - 1}); err != nil {
			return err
		}
		if err := livesIn.Link(tx, id, cities[i%len(cities)]); err != nil {
			return err
		}
		if prev != 0 {
			if err := knows.Link(tx, id, prev); err != nil {
				return err
			}
		}
		prev = id
		rep.Created = append(rep.Created, id)
	}
	return nil
}

// query runs a query text in one read-only message.
func (c *canister) query(arg []byte) ([]byte, error) {
	c.begin()
	res, err := query.Exec(c.db, string(arg), query.RunOptions{Budget: store.QueryBudget.MaxAccessed})
	if err != nil {
		return nil, err
	}
	rep := QueryReply{Columns: res.Columns, Count: res.Count, Stats: c.stats()}
	rep.Stats.PageReads = c.reads
	for _, row := range res.Rows {
		rep.Rows = append(rep.Rows, []any(row))
	}
	return json.Marshal(rep)
}
