package column

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/stablegraph/stablegraph/entity"
	"github.com/stablegraph/stablegraph/store"
)

// Limits of string and bytes columns.
const (
	// MaxIndexedLen is the largest MaxLen of an indexed string or bytes column: an index key
	// is the escaped value (up to 2×MaxLen+2 bytes) and the 8-byte ID, at most
	// store.MaxKeySize bytes.
	MaxIndexedLen = (store.MaxKeySize - entity.KeySize - 2) / 2
	// MaxMultiLen is the largest MaxLen of a Multi string or bytes column without an index:
	// its keys are the 8-byte ID and the value.
	MaxMultiLen = store.MaxKeySize - entity.KeySize
	// MaxFixedSize is the largest encoded size of a fixed-size column type; an indexed or
	// Multi column, whose keys hold the value and the ID, allows MaxFixedIndexedSize.
	MaxFixedSize = store.MaxFixedValueSize
	// MaxFixedIndexedSize is the largest encoded size of a fixed-size type in an indexed or
	// Multi column.
	MaxFixedIndexedSize = store.MaxKeySize - entity.KeySize
)

// attrs returns the catalog's attribute text of a configuration: "indexed", "multi" or both.
func (c config) attrs() string {
	var a []string
	if c.indexed {
		a = append(a, "indexed")
	}
	if c.multi {
		a = append(a, "multi")
	}
	return strings.Join(a, ",")
}

func parseAttrs(s string) (config, error) {
	var c config
	if s == "" {
		return c, nil
	}
	for _, a := range strings.Split(s, ",") {
		switch a {
		case "indexed":
			c.indexed = true
		case "multi":
			c.multi = true
		default:
			return c, fmt.Errorf("unknown column attribute %q", a)
		}
	}
	return c, nil
}

// check reports whether a column of type t can have configuration c.
func check(t Type, c config) error {
	if err := t.validate(); err != nil {
		return err
	}
	f := t.FixedSize()
	switch {
	case f > MaxFixedSize:
		return fmt.Errorf("%w: %s takes %d bytes, at most %d", ErrType, t, f, MaxFixedSize)
	case f > MaxFixedIndexedSize && (c.indexed || c.multi):
		return fmt.Errorf("%w: %s takes %d bytes, at most %d in an indexed or multi column", ErrType, t, f, MaxFixedIndexedSize)
	case f == 0 && c.indexed && t.n > MaxIndexedLen:
		return fmt.Errorf("%w: MaxLen(%d) of an indexed column exceeds %d", ErrTooLong, t.n, MaxIndexedLen)
	case f == 0 && c.multi && t.n > MaxMultiLen:
		return fmt.Errorf("%w: MaxLen(%d) of a multi column exceeds %d", ErrTooLong, t.n, MaxMultiLen)
	case f == 0 && t.n > store.MaxValueSize:
		return fmt.Errorf("%w: MaxLen(%d) exceeds %d", ErrTooLong, t.n, store.MaxValueSize)
	}
	return nil
}

// layouts returns the trees of a column: its values, then its index if it has one.
func layouts(t Type, c config) []store.Layout {
	f := t.FixedSize()
	var ls []store.Layout
	switch {
	case !c.multi && f > 0:
		ls = append(ls, store.Layout{KeySize: entity.KeySize, ValueSize: f})
	case !c.multi:
		ls = append(ls, store.Layout{KeySize: entity.KeySize, ValueSize: store.Variable})
	case f > 0:
		ls = append(ls, store.Layout{KeySize: entity.KeySize + f, ValueSize: 0})
	default:
		ls = append(ls, store.Layout{KeySize: store.Variable, MaxKey: entity.KeySize + t.n, ValueSize: 0})
	}
	if c.indexed {
		if f > 0 {
			ls = append(ls, store.Layout{KeySize: f + entity.KeySize, ValueSize: 0})
		} else {
			ls = append(ls, store.Layout{KeySize: store.Variable, MaxKey: 2*t.n + 2 + entity.KeySize, ValueSize: 0})
		}
	}
	return ls
}

// indexValue appends the index form of an encoded value: the value itself for a fixed-size
// type; for String and Bytes, the value with each 0x00 written 0x00 0xFF, then 0x00 0x00,
// so that a shorter value orders before its extensions and the ID that follows cannot be
// taken for part of the value.
func indexValue(dst, enc []byte, fixed bool) []byte {
	if fixed {
		return append(dst, enc...)
	}
	for {
		i := bytes.IndexByte(enc, 0)
		if i < 0 {
			break
		}
		dst = append(append(dst, enc[:i]...), 0, 0xFF)
		enc = enc[i+1:]
	}
	return append(append(dst, enc...), 0, 0)
}

// indexKey appends the index key (value, id) of an encoded value.
func indexKey(dst, enc []byte, fixed bool, id entity.ID) []byte {
	return entity.AppendKey(indexValue(dst, enc, fixed), id)
}

// splitIndexKey returns the encoded value and the ID of an index key.
func splitIndexKey(key []byte, fixed bool) ([]byte, entity.ID) {
	n := len(key) - entity.KeySize
	id := entity.FromKey(key[n:])
	key = key[:n]
	if fixed {
		return key, id
	}
	key = key[:len(key)-2]
	if bytes.IndexByte(key, 0) < 0 {
		return key, id
	}
	out := make([]byte, 0, len(key))
	for i := 0; i < len(key); i++ {
		out = append(out, key[i])
		if key[i] == 0 {
			i++ // skip the 0xFF of the escape
		}
	}
	return out, id
}

// afterValue is appended to an index value to make a key greater than every (value, id)
// key: eight 0xFF bytes stand above any ID, and the extra byte above the largest.
var afterValue = []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0}
