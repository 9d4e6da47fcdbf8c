package column

// Value is a column value without its Go type, as the query engine and the CLI handle it:
//
//	bool                           for bool
//	int64                          for int8 … int64
//	uint64                         for uint8 … uint64
//	float64                        for float32, float64
//	string                         for string(n)
//	[]byte                         for bytes(n) and [N]byte
//	[]Value                        for other arrays and for structs, element by element
type Value = any

// Bound is one end of a value range. The zero Bound is open: no limit on that side.
type Bound struct {
	Value Value
	// Kind says whether Value is included, excluded, or no limit at all.
	Kind BoundKind
}

// BoundKind says how a Bound limits a range.
type BoundKind uint8

// The kinds of Bound.
const (
	Unbounded BoundKind = iota // no limit
	Inclusive                  // values equal to the bound are in the range
	Exclusive                  // values equal to the bound are not
)

// Incl returns the bound that includes v.
func Incl(v Value) Bound { return Bound{Value: v, Kind: Inclusive} }

// Excl returns the bound that excludes v.
func Excl(v Value) Bound { return Bound{Value: v, Kind: Exclusive} }

// Open is the bound without a limit.
var Open = Bound{}
