package ntriples

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"unicode/utf8"
)

// Random and generated data shared by the tests, the fuzz seeds and the
// benchmarks.

// randRune returns a rune biased towards the characters N-Triples treats
// specially: escapes, IRIREF's forbidden set, controls, and multi-byte UTF-8
// of every length.
func randRune(rng *rand.Rand) rune {
	switch rng.IntN(6) {
	case 0:
		const special = "\"\\\n\r\t\b\f'<>{}|^` #@._:-\x00\x7f"
		return rune(special[rng.IntN(len(special))])
	case 1:
		return rune(rng.IntN(utf8.RuneSelf))
	case 2:
		for {
			if r := rune(0x80 + rng.IntN(0x10000-0x80)); r < 0xD800 || r > 0xDFFF {
				return r
			}
		}
	case 3:
		return rune(0x10000 + rng.IntN(utf8.MaxRune+1-0x10000))
	}
	return rune('a' + rng.IntN(26))
}

func randString(rng *rand.Rand, maxLen int, pick func(*rand.Rand) rune) string {
	var b strings.Builder
	for range rng.IntN(maxLen + 1) {
		b.WriteRune(pick(rng))
	}
	return b.String()
}

func randIRI(rng *rand.Rand) string {
	schemes := []string{"http", "urn", "a+b-c.d", "X"}
	return schemes[rng.IntN(len(schemes))] + ":" + randString(rng, 12, randRune)
}

// labelRunes are characters of every class a blank node label may hold.
var labelRunes = []rune("abzAZ09_-.\u00B7\u00C0\u00D6\u00D8\u00F6\u00F8\u02FF\u0300\u036F\u0370\u037D\u037F\u1FFF" +
	"\u200C\u200D\u203F\u2040\u2070\u218F\u2C00\u2FEF\u3001\uD7FF\uF900\uFDCF\uFDF0\uFFFD\U00010000\U000EFFFF")

func randLabel(rng *rand.Rand) string {
	for {
		s := randString(rng, 8, func(rng *rand.Rand) rune { return labelRunes[rng.IntN(len(labelRunes))] })
		if validLabel(s) {
			return s
		}
	}
}

func randLang(rng *rand.Rand) string {
	letters := func(rng *rand.Rand) rune { return rune("abcXYZ"[rng.IntN(6)]) }
	alnum := func(rng *rand.Rand) rune { return rune("aZ09"[rng.IntN(4)]) }
	s := string(letters(rng)) + randString(rng, 3, letters)
	for range rng.IntN(3) {
		s += "-" + string(alnum(rng)) + randString(rng, 3, alnum)
	}
	return s
}

func randSubject(rng *rand.Rand) Term {
	if rng.IntN(2) == 0 {
		return NewIRI(randIRI(rng))
	}
	return NewBlankNode(randLabel(rng))
}

func randObject(rng *rand.Rand) Term {
	switch rng.IntN(5) {
	case 0:
		return NewIRI(randIRI(rng))
	case 1:
		return NewBlankNode(randLabel(rng))
	case 2:
		return NewLangLiteral(randString(rng, 12, randRune), randLang(rng))
	case 3:
		return NewLiteral(randString(rng, 12, randRune), randIRI(rng))
	}
	return NewLiteral(randString(rng, 12, randRune), "")
}

func randTriple(rng *rand.Rand) Triple {
	return Triple{Subject: randSubject(rng), Predicate: NewIRI(randIRI(rng)), Object: randObject(rng)}
}

// genDocument returns a document of n triples shaped like real data: few
// predicates and datatypes, many subjects, mostly ASCII, some escapes and
// language tags.
func genDocument(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	preds := []string{
		"http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
		"http://xmlns.com/foaf/0.1/name",
		"http://xmlns.com/foaf/0.1/knows",
		"http://purl.org/dc/terms/description",
		"http://example.org/ontology/age",
		"http://example.org/ontology/weight",
	}
	var b strings.Builder
	for i := range n {
		s := rng.IntN(n/4 + 1)
		if i%10 == 0 {
			fmt.Fprintf(&b, "_:b%d", s)
		} else {
			fmt.Fprintf(&b, "<http://example.org/resource/%d>", s)
		}
		p := preds[rng.IntN(len(preds))]
		fmt.Fprintf(&b, " <%s> ", p)
		switch p {
		case preds[0]:
			fmt.Fprintf(&b, "<http://example.org/class/C%d>", rng.IntN(50))
		case preds[1]:
			fmt.Fprintf(&b, "\"Person number %d\"@en-GB", s)
		case preds[2]:
			fmt.Fprintf(&b, "<http://example.org/resource/%d>", rng.IntN(n/4+1))
		case preds[3]:
			fmt.Fprintf(&b, "\"A \\\"quoted\\\" description of r%d,\\nwith a line break and caf\u00e9 \\u00E9t\u00e9 \U0001F600.\"", s)
		case preds[4]:
			fmt.Fprintf(&b, "\"%d\"^^<http://www.w3.org/2001/XMLSchema#integer>", rng.IntN(100))
		default:
			fmt.Fprintf(&b, "\"%d.%d\"^^<http://www.w3.org/2001/XMLSchema#decimal>", rng.IntN(100), rng.IntN(10))
		}
		b.WriteString(" .\n")
	}
	return []byte(b.String())
}
