package entity

import (
	"bytes"
	"fmt"
	"slices"
)

// MaxMetaKey is the longest key of the store's metadata, in bytes.
const MaxMetaKey = 255

// Meta returns the value kept under key in the store's metadata ($meta): notes a program
// keeps in the store with its data, such as how far an import in steps has got, written
// in the same message as what they describe.
func (tx *Tx) Meta(key []byte) ([]byte, bool) {
	return tx.sys(VarMeta, 0).Get(key)
}

// ownMeta are the keys of the metadata the entity layer keeps itself.
var ownMeta = []string{metaScope, metaHoldsFrom}

// SetMeta keeps val under key in the store's metadata. The keys the store keeps itself
// ("scope", "holds-from") cannot be set this way.
func (tx *Tx) SetMeta(key, val []byte) error {
	if len(key) == 0 || len(key) > MaxMetaKey || slices.Contains(ownMeta, string(key)) {
		return fmt.Errorf("set meta %q: want a key of 1 to %d bytes other than %q", key, MaxMetaKey, ownMeta)
	}
	_, err := tx.Must(tx.VarTree(VarMeta, 0, true)).Put(key, val)
	return err
}

// DeleteMeta deletes every key of the store's metadata that starts with prefix, and
// returns how many it deleted. A prefix of a key the store keeps itself is refused.
func (tx *Tx) DeleteMeta(prefix []byte) (int, error) {
	for _, own := range ownMeta {
		if bytes.HasPrefix([]byte(own), prefix) {
			return 0, fmt.Errorf("delete meta %q: the prefix covers the store's %q", prefix, own)
		}
	}
	t := tx.Must(tx.VarTree(VarMeta, 0, true))
	var keys [][]byte
	for k := range t.Ascend(prefix, nil) {
		if !bytes.HasPrefix(k, prefix) {
			break
		}
		keys = append(keys, slices.Clone(k))
	}
	for _, k := range keys {
		if _, err := t.Delete(k); err != nil {
			return 0, err
		}
	}
	return len(keys), nil
}
