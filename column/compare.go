package column

import (
	"bytes"
	"cmp"
	"strings"
)

// CompareValues orders two scalar values of the same Go type (int64, uint64, float64, string,
// []byte or bool, as Dyn.Get returns them) the way a column's index orders them: -1, 0 or +1.
// It does not allocate. Values of different types, or of array and struct columns, compare
// as equal; use Dyn.Compare for those.
func CompareValues(a, b Value) int {
	switch a := a.(type) {
	case int64:
		if b, ok := b.(int64); ok {
			return cmp.Compare(a, b)
		}
	case uint64:
		if b, ok := b.(uint64); ok {
			return cmp.Compare(a, b)
		}
	case float64:
		if b, ok := b.(float64); ok {
			return cmp.Compare(a, b)
		}
	case string:
		if b, ok := b.(string); ok {
			return strings.Compare(a, b)
		}
	case []byte:
		if b, ok := b.([]byte); ok {
			return bytes.Compare(a, b)
		}
	case bool:
		if b, ok := b.(bool); ok {
			switch {
			case a == b:
				return 0
			case !a:
				return -1
			}
			return 1
		}
	}
	return 0
}
