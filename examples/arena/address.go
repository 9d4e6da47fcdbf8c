package main

import "strings"

// AddressParts is a postal address split the way version 2 of the arena stores it.
type AddressParts struct {
	Street     string `json:"street,omitempty"`
	Number     string `json:"number,omitempty"`
	PostalCode string `json:"postal_code,omitempty"`
}

// parseAddress splits a free-form address of the form "<street> <number>, <postal code>"
// ("Baker Street 221b, NW1 6XE"). Text that does not have that shape, or whose parts
// would not fit their columns, goes into Street whole, so the split never loses a byte:
// for every s, parseAddress(s).String() == s.
func parseAddress(s string) AddressParts {
	whole := AddressParts{Street: s}
	i := strings.LastIndex(s, ", ")
	if i < 0 {
		return whole
	}
	head, postal := s[:i], s[i+2:]
	j := strings.LastIndexByte(head, ' ')
	if j <= 0 {
		return whole
	}
	street, number := head[:j], head[j+1:]
	if number == "" || number[0] < '0' || number[0] > '9' || postal == "" ||
		len(number) > maxNumber || len(postal) > maxPostal {
		return whole
	}
	return AddressParts{Street: street, Number: number, PostalCode: postal}
}

// String returns the address as one line, the inverse of parseAddress.
func (a AddressParts) String() string {
	if a.Number == "" && a.PostalCode == "" {
		return a.Street
	}
	return a.Street + " " + a.Number + ", " + a.PostalCode
}

// IsZero reports whether a has no part at all.
func (a AddressParts) IsZero() bool { return a == AddressParts{} }
