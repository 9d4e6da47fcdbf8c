package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseAddress(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want AddressParts
	}{
		{"Baker Street 221b, NW1 6XE", AddressParts{"Baker Street", "221b", "NW1 6XE"}},
		{"Main St 1, 10115", AddressParts{"Main St", "1", "10115"}},
		{"Rue de Rivoli, 75001", AddressParts{Street: "Rue de Rivoli, 75001"}},                 // no number
		{"the lighthouse, pier 3", AddressParts{Street: "the lighthouse, pier 3"}},             // number not before the comma
		{"Flat 3, above the old bakery", AddressParts{Street: "Flat 3, above the old bakery"}}, // postal code too long
		{"A, B 1, 2", AddressParts{"A, B", "1", "2"}},                                          // the last comma splits
		{"12, 10115", AddressParts{Street: "12, 10115"}},                                       // no street
		{"", AddressParts{}},
	} {
		got := parseAddress(tc.in)
		assert.Equal(t, tc.want, got, "parseAddress(%q)", tc.in)
		assert.Equal(t, tc.in, got.String(), "round trip of %q", tc.in)
	}
}

// FuzzParseAddress checks that splitting an address never loses a byte and that the parts
// fit their columns: the migration's promise that nothing is lost.
func FuzzParseAddress(f *testing.F) {
	for i := range 20 {
		f.Add(testPlayer(i).Address)
	}
	f.Add("x 1, ")
	f.Add(" 1, y")
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > maxAddress {
			return
		}
		a := parseAddress(s)
		if a.String() != s {
			t.Fatalf("parseAddress(%q) = %#v, which formats as %q", s, a, a.String())
		}
		if len(a.Street) > maxAddress || len(a.Number) > maxNumber || len(a.PostalCode) > maxPostal {
			t.Fatalf("parseAddress(%q) = %#v: a part does not fit its column", s, a)
		}
	})
}
