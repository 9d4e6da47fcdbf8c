package entity

import "github.com/stablegraph/stablegraph/store"

// kindCache maps the catalog IDs of kind variables to their Kind, so that each kind is one
// *Kind for the life of a DB and KindOf finds an entity's kind without reading the catalog.
//
// The DB's cache holds only what committed catalogs hold: Views add to it directly, while
// an Update collects the kinds it finds in its own cache, which the DB merges when the
// message commits. A kind created by a message that rolls back is thus never remembered,
// and the catalog ID it had, which the next message reuses, maps to the next kind.
type kindCache struct {
	byID map[uint32]*Kind
}

func (c *kindCache) get(id uint32) (*Kind, bool) {
	k, ok := c.byID[id]
	return k, ok
}

func (c *kindCache) put(id uint32, k *Kind) {
	if c.byID == nil {
		c.byID = map[uint32]*Kind{}
	}
	c.byID[id] = k
}

// merge adds the kinds of o.
func (c *kindCache) merge(o *kindCache) {
	for id, k := range o.byID {
		c.put(id, k)
	}
}

// kindOf returns the Kind of catalog variable v, a kind: the declared one of that name, or
// one made from the catalog's definition.
func (tx *Tx) kindOf(v store.Var) *Kind {
	if tx.kinds != nil {
		if k, ok := tx.kinds.get(v.ID); ok && k.name == v.Name {
			return k
		}
	}
	db := tx.db
	db.mu.Lock()
	k, ok := db.kinds.get(v.ID)
	db.mu.Unlock()
	if ok && k.name == v.Name {
		return k
	}
	k, ok = db.declared[v.Name]
	if !ok {
		k = &Kind{name: v.Name, def: v.VarDef}
	}
	if tx.kinds != nil {
		tx.kinds.put(v.ID, k)
	} else {
		db.mu.Lock()
		db.kinds.put(v.ID, k)
		db.mu.Unlock()
	}
	return k
}

// kindByVarID returns the kind whose catalog variable has the given ID, as the message
// sees the catalog.
func (tx *Tx) kindByVarID(id uint32) (*Kind, bool) {
	if tx.kinds != nil {
		if k, ok := tx.kinds.get(id); ok {
			return k, true
		}
	}
	tx.db.mu.Lock()
	k, ok := tx.db.kinds.get(id)
	tx.db.mu.Unlock()
	if ok {
		return k, true
	}
	for _, v := range tx.stx.Vars() {
		if v.Role == store.RoleKind && v.ID == id {
			return tx.kindOf(v), true
		}
	}
	return nil, false
}
