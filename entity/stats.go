package entity

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/stablegraph/stablegraph/store"
)

// VarStats holds the statistics that an explicit analysis made of other variables (a
// column's histogram, say): key the variable's name, value the bytes its package encodes.
// It is created by the first PutVarStats, so a store never analyzed has none. Reading it
// is metered like any variable, under its own name.
const VarStats = "$stats"

var statsDef = store.VarDef{Name: VarStats, Role: store.RoleInternal, Type: "bytes", Trees: []store.Layout{
	{KeySize: store.Variable, MaxKey: store.MaxVarName, ValueSize: store.Variable},
}}

// PutVarStats keeps b as the statistics of the variable called name, in place of any it
// had, creating VarStats if the store has none.
func (tx *Tx) PutVarStats(name string, b []byte) error {
	if _, ok := tx.Var(name); !ok {
		return fmt.Errorf("statistics of %q: %w", name, store.ErrNoVar)
	}
	if _, ok := tx.Var(VarStats); !ok {
		if _, err := tx.CreateVar(statsDef); err != nil {
			return err
		}
	}
	t, err := tx.VarTree(VarStats, 0, true)
	if err != nil {
		return err
	}
	_, err = t.Put([]byte(name), b)
	return err
}

// VarStatsOf returns the statistics kept for the variable called name, if any. The bytes
// are a copy.
func (tx *Tx) VarStatsOf(name string) ([]byte, bool) {
	if _, ok := tx.Var(VarStats); !ok {
		return nil, false
	}
	t, err := tx.VarTree(VarStats, 0, false)
	if err != nil {
		return nil, false
	}
	v, ok := t.Get([]byte(name))
	if !ok {
		return nil, false
	}
	return append([]byte(nil), v...), true
}

// KindSpan is what an analysis keeps of a kind: the lowest and highest ID of its members,
// which tell how much of the ID space (and so of a column's tree) its members spread over.
//
// Encoded (KindSpan.Encode): a version byte (1), when it was made (Unix nanoseconds,
// 8 bytes little-endian), then the first ID, the last ID and the members as uvarints.
type KindSpan struct {
	Made        time.Time
	First, Last ID
	Members     uint64
}

const kindSpanVersion = 1

// ErrStatsVersion reports statistics of a version this code does not read.
var ErrStatsVersion = errors.New("unknown statistics version")

// Span reads the first and last member of kind k (a path down each end of its tree).
func (k *Kind) Span(tx *Tx) KindSpan {
	t := k.Tree(tx)
	s := KindSpan{Made: time.Now(), Members: t.Len()}
	if first, _, ok := t.First(); ok {
		s.First = FromKey(first)
	}
	if last, _, ok := t.Last(); ok {
		s.Last = FromKey(last)
	}
	return s
}

// Encode returns the span's bytes.
func (s KindSpan) Encode() []byte {
	b := []byte{kindSpanVersion}
	b = binary.LittleEndian.AppendUint64(b, uint64(s.Made.UnixNano()))
	b = binary.AppendUvarint(b, uint64(s.First))
	b = binary.AppendUvarint(b, uint64(s.Last))
	return binary.AppendUvarint(b, s.Members)
}

// DecodeKindSpan decodes a KindSpan.
func DecodeKindSpan(b []byte) (KindSpan, error) {
	var s KindSpan
	if len(b) < 9 {
		return s, fmt.Errorf("kind statistics: %w: %d bytes", store.ErrCorrupt, len(b))
	}
	if b[0] != kindSpanVersion {
		return s, fmt.Errorf("kind statistics: %w %d (this code reads version %d)", ErrStatsVersion, b[0], kindSpanVersion)
	}
	s.Made = time.Unix(0, int64(binary.LittleEndian.Uint64(b[1:9])))
	b = b[9:]
	var vals [3]uint64
	for i := range vals {
		n, k := binary.Uvarint(b)
		if k <= 0 {
			return s, fmt.Errorf("kind statistics: %w: truncated", store.ErrCorrupt)
		}
		vals[i], b = n, b[k:]
	}
	if len(b) != 0 {
		return s, fmt.Errorf("kind statistics: %w: trailing bytes", store.ErrCorrupt)
	}
	s.First, s.Last, s.Members = ID(vals[0]), ID(vals[1]), vals[2]
	return s, nil
}
