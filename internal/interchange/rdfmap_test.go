package interchange

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/column"
	"github.com/stablegraph/stablegraph/internal/ntriples"
)

func TestBaseName(t *testing.T) {
	for iri, want := range map[string]string{
		"http://xmlns.com/foaf/0.1/name":                  "name",
		"http://www.w3.org/1999/02/22-rdf-syntax-ns#type": "type",
		"http://ex.org/has-part":                          "has-part",
		"http://ex.org/v1.2":                              "v1.2",
		"http://ex.org/Caf%C3%A9":                         "Caf_C3_A9",
		"http://ex.org/Café":                              "Caf_",
		"http://ex.org/42nd":                              "_42nd",
		"http://ex.org/-x":                                "_-x",
		"http://ex.org/":                                  "_",
		"urn:isbn:0451450523":                             "urn_isbn_0451450523",
		"http://ex.org/" + string(make([]byte, 100)):      "_" + string(repeat('_', 63)),
	} {
		assert.Equal(t, want, baseName(iri), iri)
	}
}

func repeat(c byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = c
	}
	return b
}

func TestNamer(t *testing.T) {
	n := namer{taken: map[string]bool{"name": true, "x_2": true}}
	assert.Equal(t, "name_2", n.claim("name"))
	assert.Equal(t, "name_3", n.claim("name"))
	assert.Equal(t, "x", n.claim("x"))
	assert.Equal(t, "x_3", n.claim("x"))
	long := string(repeat('a', maxNameLen))
	assert.Equal(t, long, n.claim(long))
	assert.Equal(t, string(repeat('a', maxNameLen-2))+"_2", n.claim(long))
}

func TestClassifyAndBack(t *testing.T) {
	for _, tc := range []struct {
		lit   ntriples.Term
		class litClass
		value any
	}{
		{ntriples.NewLiteral("x", ""), litClass{column.String, ""}, "x"},
		{ntriples.NewLangLiteral("chat", "fr-CA"), litClass{column.String, ntriples.RDFLangString}, "chat@fr-CA"},
		{ntriples.NewLiteral("42", xsdInteg), litClass{column.Int64, xsdInteg}, int64(42)},
		{ntriples.NewLiteral("-7", xsdLong), litClass{column.Int64, xsdLong}, int64(-7)},
		{ntriples.NewLiteral("2147483647", xsdInt), litClass{column.Int64, xsdInt}, int64(2147483647)},
		{ntriples.NewLiteral("2147483648", xsdInt), litClass{column.String, xsdInt}, "2147483648"},
		{ntriples.NewLiteral("042", xsdInteg), litClass{column.String, xsdInteg}, "042"},
		{ntriples.NewLiteral("+1", xsdInteg), litClass{column.String, xsdInteg}, "+1"},
		{ntriples.NewLiteral("99999999999999999999", xsdInteg), litClass{column.String, xsdInteg}, "99999999999999999999"},
		{ntriples.NewLiteral("0.5", xsdDouble), litClass{column.Float64, xsdDouble}, 0.5},
		{ntriples.NewLiteral("1e+21", xsdDouble), litClass{column.Float64, xsdDouble}, 1e21},
		{ntriples.NewLiteral("1.0", xsdDouble), litClass{column.String, xsdDouble}, "1.0"},
		{ntriples.NewLiteral("NaN", xsdDouble), litClass{column.String, xsdDouble}, "NaN"},
		{ntriples.NewLiteral("INF", xsdFloat), litClass{column.String, xsdFloat}, "INF"},
		{ntriples.NewLiteral("1000000", xsdDec), litClass{column.Float64, xsdDec}, 1e6},
		{ntriples.NewLiteral("true", xsdBool), litClass{column.Bool, xsdBool}, true},
		{ntriples.NewLiteral("0", xsdBool), litClass{column.String, xsdBool}, "0"},
		{ntriples.NewLiteral("P1D", xsdNS+"duration"), litClass{column.String, xsdNS + "duration"}, "P1D"},
	} {
		c, v := classify(tc.lit)
		assert.Equal(t, tc.class, c, tc.lit.String())
		assert.Equal(t, tc.value, v, tc.lit.String())

		// Export turns the value back into the same literal.
		var typ column.Type
		switch c.typ {
		case column.String:
			typ = column.StringType(100)
		default:
			typ = column.ScalarType(c.typ)
		}
		pred, dt, explicit := splitColumnIRI(columnIRI("http://p", c))
		assert.Equal(t, "http://p", pred)
		back, err := literalOf(typ, dt, explicit, v)
		require.NoError(t, err)
		assert.Equal(t, tc.lit, back, tc.lit.String())
	}
}

func TestCompareNatural(t *testing.T) {
	assert.Negative(t, compareNatural("b2", "b10"))
	assert.Positive(t, compareNatural("b10", "b9"))
	assert.Negative(t, compareNatural("a", "b"))
	assert.Negative(t, compareNatural("b", "b1"))
	assert.Negative(t, compareNatural("b01", "b001"))
	assert.Zero(t, compareNatural("node7x", "node7x"))
}
