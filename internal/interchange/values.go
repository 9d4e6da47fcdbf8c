package interchange

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/stablegraph/stablegraph/column"
)

// ParseText returns the value of a column type written as text on the command line or in a
// CSV cell: numbers and booleans as Go writes them, strings as they are, bytes in hex, and
// arrays and structs as JSON ([1, 2] or {"X": 1, "Y": 2}).
func ParseText(t column.Type, s string) (any, error) {
	switch t.Kind() {
	case column.Bool:
		return strconv.ParseBool(s)
	case column.Int8, column.Int16, column.Int32, column.Int64:
		return strconv.ParseInt(s, 10, 64)
	case column.Uint8, column.Uint16, column.Uint32, column.Uint64:
		return strconv.ParseUint(s, 10, 64)
	case column.Float32, column.Float64:
		return strconv.ParseFloat(s, 64)
	case column.String:
		return s, nil
	case column.Bytes:
		return hex.DecodeString(s)
	case column.Array, column.Struct:
		if t.Kind() == column.Array && t.Elem().Kind() == column.Uint8 && !strings.HasPrefix(strings.TrimSpace(s), "[") {
			return hex.DecodeString(s)
		}
		dec := json.NewDecoder(strings.NewReader(s))
		dec.UseNumber()
		var raw any
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("want JSON for %s: %w", t, err)
		}
		return fromJSON(t, raw)
	}
	return nil, fmt.Errorf("cannot parse a %s", t)
}

// fromJSON returns the value of column type t that a decoded JSON value (decoded with
// UseNumber) stands for. Bytes are hex strings; a float may also be the string "NaN",
// "+Inf" or "-Inf", which JSON cannot write as a number.
func fromJSON(t column.Type, raw any) (any, error) {
	switch t.Kind() {
	case column.Array:
		return arrayFromJSON(t, raw)
	case column.Struct:
		return structFromJSON(t, raw)
	}
	return scalarFromJSON(t, raw)
}

// arrayFromJSON reads an array: a list of its length, or hex text for bytes.
func arrayFromJSON(t column.Type, raw any) (any, error) {
	if s, ok := raw.(string); ok && t.Elem().Kind() == column.Uint8 {
		return hex.DecodeString(s)
	}
	list, ok := raw.([]any)
	if !ok || len(list) != t.Len() {
		return nil, fmt.Errorf("want an array of %d for %s, got %s", t.Len(), t, jsonText(raw))
	}
	out := make([]any, len(list))
	for i, x := range list {
		v, err := fromJSON(t.Elem(), x)
		if err != nil {
			return nil, fmt.Errorf("[%d]: %w", i, err)
		}
		out[i] = v
	}
	return out, nil
}

// structFromJSON reads a struct: an object with exactly its fields, or a list of one
// value per field.
func structFromJSON(t column.Type, raw any) (any, error) {
	fields := t.Fields()
	out := make([]any, len(fields))
	switch r := raw.(type) {
	case map[string]any:
		for i, f := range fields {
			x, ok := r[f.Name]
			if !ok {
				return nil, fmt.Errorf("field %s missing for %s", f.Name, t)
			}
			v, err := fromJSON(f.Type, x)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.Name, err)
			}
			out[i] = v
		}
		if len(r) != len(fields) {
			return nil, fmt.Errorf("want the fields of %s, got %s", t, jsonText(raw))
		}
	case []any:
		if len(r) != len(fields) {
			return nil, fmt.Errorf("want %d fields for %s, got %s", len(fields), t, jsonText(raw))
		}
		for i, f := range fields {
			v, err := fromJSON(f.Type, r[i])
			if err != nil {
				return nil, fmt.Errorf("%s: %w", f.Name, err)
			}
			out[i] = v
		}
	default:
		return nil, fmt.Errorf("want an object for %s, got %s", t, jsonText(raw))
	}
	return out, nil
}

// scalarFromJSON reads a scalar: true or false, a string, bytes as hex text, or a number
// (a float also as "NaN", "+Inf" or "-Inf").
func scalarFromJSON(t column.Type, raw any) (any, error) {
	switch t.Kind() {
	case column.Bool:
		if b, ok := raw.(bool); ok {
			return b, nil
		}
	case column.String:
		if s, ok := raw.(string); ok {
			return s, nil
		}
	case column.Bytes:
		if s, ok := raw.(string); ok {
			return hex.DecodeString(s)
		}
	case column.Float32, column.Float64:
		switch r := raw.(type) {
		case json.Number:
			return r.Float64()
		case string:
			if f, err := strconv.ParseFloat(r, 64); err == nil && (math.IsInf(f, 0) || math.IsNaN(f)) {
				return f, nil
			}
		}
	default: // integers
		if n, ok := raw.(json.Number); ok {
			if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
				return i, nil
			}
			if u, err := strconv.ParseUint(string(n), 10, 64); err == nil {
				return u, nil
			}
		}
	}
	return nil, fmt.Errorf("want a %s, got %s", t, jsonText(raw))
}

// toJSON returns a column value as JSON can hold it: bytes in hex, floats JSON cannot
// write as their text, the elements of arrays and structs likewise.
func toJSON(v any) any {
	switch v := v.(type) {
	case []byte:
		return hex.EncodeToString(v)
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return strconv.FormatFloat(v, 'g', -1, 64)
		}
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = toJSON(x)
		}
		return out
	}
	return v
}

// jsonText returns a decoded JSON value as JSON text, for messages.
func jsonText(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSpace(b.String())
}

// FormatCell returns a value as one CSV cell: a list (the values of a multi column, an
// array) as a JSON array, anything else as FormatText writes it.
func FormatCell(v any) string {
	if l, ok := v.([]any); ok {
		return jsonText(toJSON(l))
	}
	return FormatText(v)
}

// FormatText returns a column value (or any value) as text, for tables and CSV cells: the
// inverse of ParseText for scalars.
func FormatText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		if float64(float32(v)) == v {
			// Most likely a float32 column's value: its shortest float32 text is the
			// number as it was stored ("0.1", not "0.10000000149011612").
			return strconv.FormatFloat(v, 'g', -1, 32)
		}
		return strconv.FormatFloat(v, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(v), 'g', -1, 32)
	case []byte:
		return fmt.Sprintf("%x", v)
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = FormatText(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case fmt.Stringer:
		return v.String()
	default:
		return fmt.Sprint(v)
	}
}
