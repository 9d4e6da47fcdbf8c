// Package uri parses and formats the names stablegraph gives to stores and
// entities. It is pure text handling: it holds no storage and touches none.
//
// A store's [Scope] is either the [Principal] of the Internet Computer
// canister that holds it, written in the IC's textual principal format
// ("ryjl3-tyaaa-aaaaa-aaaba-cai"), or, for a store that runs elsewhere, a
// UUID in its canonical form ("6ba7b810-9dad-11d1-80b4-00c04fd430c8").
//
// An [EntityURI] names one entity in one store:
//
//	ic://<scope>/<kind>/<id>
//	ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/42
//
// where the kind is a name such as "player" or "Synset" (see [ValidateKind])
// and the id is a decimal uint64 greater than zero.
//
// The query language also writes entities relative to the store being
// queried, as <kind>/<id> ("player/42") or as a bare #<id> ("#42"). [ParseRef]
// accepts all three forms and returns a [Ref], whose zero fields say which
// form it was.
//
// # Canonical text only
//
// Every parser here accepts exactly the text the matching String method
// produces and nothing else: no uppercase principals or UUIDs, no regrouped
// principals, no leading zeros in ids, no percent-encoding. So for every valid
// value x, Parse(x.String()) == x, and for every text s that parses,
// Parse(s).String() == s: two entity URIs name the same entity exactly when
// their strings are equal, which lets them serve as keys as they are.
//
// # Errors
//
// Parse errors are [*SyntaxError] values carrying the byte offset of the
// problem and wrapping one sentinel error (such as [ErrBadChecksum] or
// [ErrBadChar]) that says which rule the text breaks; test for them with
// errors.Is and read the offset with errors.As.
package uri
