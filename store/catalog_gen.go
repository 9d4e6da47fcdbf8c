package store

// CatalogGeneration returns the generation of the committed catalog: a number that changes
// whenever a message that created or dropped a variable, or changed its state, commits.
// What was decided from the catalog in one message (a query plan binds names to
// variables, say) still holds in a later one if the generation is the same. A message's
// own catalog changes do not count until it commits. Generations are those of this open
// Store: they start again when the store is opened again.
func (tx *Tx) CatalogGeneration() uint64 {
	tx.checkOpen()
	tx.s.catMu.RLock()
	defer tx.s.catMu.RUnlock()
	return tx.s.cat.gen
}
