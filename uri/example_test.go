package uri_test

import (
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/stablegraph/stablegraph/uri"
)

func Example() {
	u, err := uri.ParseEntityURI("ic://ryjl3-tyaaa-aaaaa-aaaba-cai/player/42")
	if err != nil {
		panic(err)
	}
	p, _ := u.Scope.Principal()
	fmt.Printf("canister %s (bytes %x), kind %s, id %d\n", p, p.Bytes(), u.Kind, u.ID)

	// The same entity in a store that does not run on the Internet Computer.
	u.Scope = uri.UUIDScope(uuid.MustParse("6ba7b810-9dad-11d1-80b4-00c04fd430c8"))
	fmt.Println(u)

	// Mistyping one character is caught by the principal's checksum.
	_, err = uri.ParseEntityURI("ic://ryjl3-tyaaa-aaaaa-aaaca-cai/player/42")
	fmt.Println(errors.Is(err, uri.ErrBadChecksum))
	// Output:
	// canister ryjl3-tyaaa-aaaaa-aaaba-cai (bytes 00000000000000020101), kind player, id 42
	// ic://6ba7b810-9dad-11d1-80b4-00c04fd430c8/player/42
	// true
}

func ExampleParsePrincipal() {
	for _, s := range []string{"aaaaa-aa", "2vxsx-fae", "rrkah-fqaaa-aaaaa-aaaaq-cai"} {
		p, err := uri.ParsePrincipal(s)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%-28s [%x]\n", p, p.Bytes())
	}
	// Output:
	// aaaaa-aa                     []
	// 2vxsx-fae                    [04]
	// rrkah-fqaaa-aaaaa-aaaaq-cai  [00000000000000010101]
}

func ExampleParsePrincipal_errors() {
	for _, s := range []string{
		"RYJL3-TYAAA-AAAAA-AAABA-CAI",
		"ryjl3tyaaaaaaaaaaabacai",
		"ryjl3-tyaaa-aaaaa-aaaba-ca1",
		"ryjl3-tyaaa-aaaaa-aaabb-cai",
	} {
		_, err := uri.ParsePrincipal(s)
		fmt.Println(err)
	}
	// Output:
	// uri: parse "RYJL3-TYAAA-AAAAA-AAABA-CAI": offset 0: uppercase character: 'R': principal text is lowercase
	// uri: parse "ryjl3tyaaaaaaaaaaabacai": offset 5: bad grouping: want '-' after each group of 5 characters, found 't'
	// uri: parse "ryjl3-tyaaa-aaaaa-aaaba-ca1": offset 26: bad character: '1' is not a base32 character (a-z, 2-7)
	// uri: parse "ryjl3-tyaaa-aaaaa-aaabb-cai": offset 0: bad checksum: checksum 8e12bdcf does not match c4d0af9e computed from the 10 bytes it precedes
}

func ExamplePrincipalFromBytes() {
	p, err := uri.PrincipalFromBytes([]byte{0, 0, 0, 0, 0, 0, 0, 2, 1, 1})
	if err != nil {
		panic(err)
	}
	fmt.Println(p)
	// Output:
	// ryjl3-tyaaa-aaaaa-aaaba-cai
}

func ExampleParseScope() {
	for _, s := range []string{"ryjl3-tyaaa-aaaaa-aaaba-cai", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"} {
		scope, err := uri.ParseScope(s)
		if err != nil {
			panic(err)
		}
		if p, ok := scope.Principal(); ok {
			fmt.Println("canister", p)
		}
		if u, ok := scope.UUID(); ok {
			fmt.Println("uuid", u, "version", int(u.Version()))
		}
	}
	// Output:
	// canister ryjl3-tyaaa-aaaaa-aaaba-cai
	// uuid 6ba7b810-9dad-11d1-80b4-00c04fd430c8 version 1
}

func ExampleParseEntityURI() {
	u, err := uri.ParseEntityURI("ic://2vxsx-fae/foo.bar-baz_2/7")
	fmt.Printf("%q %q %d %v\n", u.Scope, u.Kind, u.ID, err)

	_, err = uri.ParseEntityURI("ic://2vxsx-fae/foo.bar-baz_2/007")
	var se *uri.SyntaxError
	if errors.As(err, &se) {
		fmt.Println(se.Offset, errors.Is(err, uri.ErrLeadingZero))
	}
	// Output:
	// "2vxsx-fae" "foo.bar-baz_2" 7 <nil>
	// 29 true
}

func ExampleEntityURI_String() {
	p, err := uri.ParsePrincipal("qoctq-giaaa-aaaaa-aaaea-cai")
	if err != nil {
		panic(err)
	}
	u := uri.EntityURI{Scope: uri.PrincipalScope(p), Kind: "Synset", ID: 9001}
	fmt.Println(u, u.Validate())

	u.ID = 0
	fmt.Println(u.Validate())
	// Output:
	// ic://qoctq-giaaa-aaaaa-aaaea-cai/Synset/9001 <nil>
	// uri: zero id: entity URI with id 0, ids start at 1
}

func ExampleParseRef() {
	for _, s := range []string{"ic://aaaaa-aa/guild/3", "guild/3", "#3"} {
		r, err := uri.ParseRef(s)
		if err != nil {
			panic(err)
		}
		switch {
		case r.IsAbsolute():
			fmt.Printf("%-22s absolute: scope %s, kind %s, id %d\n", r, r.Scope, r.Kind, r.ID)
		case r.Kind != "":
			fmt.Printf("%-22s kind-relative: kind %s, id %d\n", r, r.Kind, r.ID)
		default:
			fmt.Printf("%-22s bare: id %d\n", r, r.ID)
		}
	}
	// Output:
	// ic://aaaaa-aa/guild/3  absolute: scope aaaaa-aa, kind guild, id 3
	// guild/3                kind-relative: kind guild, id 3
	// #3                     bare: id 3
}

func ExampleValidateKind() {
	for _, kind := range []string{"player", "Resource", "foo.bar-baz_2", "2fa", "pl ayer"} {
		fmt.Printf("%-15q %v\n", kind, uri.ValidateKind(kind))
	}
	// Output:
	// "player"        <nil>
	// "Resource"      <nil>
	// "foo.bar-baz_2" <nil>
	// "2fa"           uri: parse "2fa": offset 0: bad character: kind starts with '2', want a letter or '_'
	// "pl ayer"       uri: parse "pl ayer": offset 2: bad character: ' ' is not allowed in a kind (ASCII letters, digits, '_', '-', '.')
}

func ExampleSyntaxError() {
	_, err := uri.ParseEntityURI("ic://aaaaa-aa/player/18446744073709551616")
	var se *uri.SyntaxError
	if errors.As(err, &se) {
		fmt.Printf("%s\n%*s^ %v\n", se.Input, se.Offset, "", se.Err)
	}
	// Output:
	// ic://aaaaa-aa/player/18446744073709551616
	//                      ^ id out of range
}
