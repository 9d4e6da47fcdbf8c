package uri_test

import (
	"encoding/base32"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash/crc32"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/stablegraph/stablegraph/internal/testutil"
	"github.com/stablegraph/stablegraph/uri"
)

// referenceText formats a principal with the standard library's base32 and
// crc32, independently of the package's own encoder.
func referenceText(b []byte) string {
	enc := base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)
	s := enc.EncodeToString(append(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(b)), b...))
	var groups []string
	for len(s) > 5 {
		groups = append(groups, s[:5])
		s = s[5:]
	}
	return strings.Join(append(groups, s), "-")
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

// knownPrincipals are real principals with their raw bytes.
var knownPrincipals = []struct {
	name, text, hex string
}{
	{"management canister", "aaaaa-aa", ""},
	{"anonymous", "2vxsx-fae", "04"},
	{"ICP ledger", "ryjl3-tyaaa-aaaaa-aaaba-cai", "00000000000000020101"},
	{"NNS governance", "rrkah-fqaaa-aaaaa-aaaaq-cai", "00000000000000010101"},
	{"NNS UI", "qoctq-giaaa-aaaaa-aaaea-cai", "00000000000000080101"},
	{"NNS registry", "rwlgt-iiaaa-aaaaa-aaaaa-cai", "00000000000000000101"},
	// Bytes as an independent Candid encoder writes them: 4449444c 00 01 68 01 0a <bytes>.
	{"application subnet canister", "gvbup-jyaaa-aaaah-qcdwa-cai", "0000000000f010ec0101"},
	// The "good one" of Motoko's actor-reference tests.
	{"opaque test principal", "bfozs-kwa73-7nadi", "c0fefed00d"},
	// A self-authenticating principal (class 02): 29 bytes, the longest.
	{"self-authenticating", "g42pg-k3n7u-4sals-ufza4-34yrp-mmvkt-psecp-7do7x-snvq4-llwrj-2ae",
		"6dfd39202e542e41cdf3117b19554df2209ff1bbf7936b0e2d768a7402"},
}

func TestParsePrincipalKnown(t *testing.T) {
	for _, tc := range knownPrincipals {
		t.Run(tc.name, func(t *testing.T) {
			want := mustHex(t, tc.hex)
			p, err := uri.ParsePrincipal(tc.text)
			require.NoError(t, err)
			assert.Equal(t, tc.hex, hex.EncodeToString(p.Bytes()))
			assert.Equal(t, tc.text, p.String())

			q, err := uri.PrincipalFromBytes(want)
			require.NoError(t, err)
			assert.Equal(t, p, q)
			assert.Equal(t, tc.text, referenceText(want))
		})
	}
}

func TestPrincipalChecksumOfDiagram(t *testing.T) {
	// The worked example at the top of principal.go.
	assert.Equal(t, uint32(0xd56f2b94), crc32.ChecksumIEEE([]byte{0x04}))
	p, err := uri.PrincipalFromBytes([]byte{0x04})
	require.NoError(t, err)
	assert.Equal(t, "2vxsx-fae", p.String())
}

func TestPrincipalZeroIsManagementCanister(t *testing.T) {
	var p uri.Principal
	assert.Equal(t, "aaaaa-aa", p.String())
	assert.Empty(t, p.Bytes())
	q, err := uri.ParsePrincipal("aaaaa-aa")
	require.NoError(t, err)
	assert.Equal(t, p, q)
}

func TestPrincipalEveryLength(t *testing.T) {
	seed := testutil.Seed(t, 1)
	rng := rand.New(rand.NewPCG(seed, 0))
	for n := 0; n <= uri.MaxPrincipalLen; n++ {
		for range 50 {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(rng.Uint32())
			}
			p, err := uri.PrincipalFromBytes(b)
			require.NoError(t, err)
			text := p.String()
			require.Equal(t, referenceText(b), text, "bytes %x (seed %d)", b, seed)
			q, err := uri.ParsePrincipal(text)
			require.NoError(t, err, "seed %d", seed)
			require.Equal(t, p, q)
			require.Equal(t, hex.EncodeToString(b), hex.EncodeToString(q.Bytes()))
		}
	}
}

func TestPrincipalIsComparable(t *testing.T) {
	a, err := uri.PrincipalFromBytes([]byte{1, 2, 3})
	require.NoError(t, err)
	b, err := uri.PrincipalFromBytes([]byte{1, 2, 3})
	require.NoError(t, err)
	c, err := uri.PrincipalFromBytes([]byte{1, 2, 3, 0})
	require.NoError(t, err)
	assert.True(t, a == b)
	assert.False(t, a == c, "a trailing zero byte makes a different principal")
	m := map[uri.Principal]int{a: 1}
	assert.Equal(t, 1, m[b])
}

func TestPrincipalBytesIsACopy(t *testing.T) {
	src := []byte{1, 2, 3}
	p, err := uri.PrincipalFromBytes(src)
	require.NoError(t, err)
	src[0] = 9
	b := p.Bytes()
	b[1] = 9
	assert.Equal(t, []byte{1, 2, 3}, p.Bytes())
}

func TestPrincipalFromBytesTooLong(t *testing.T) {
	_, err := uri.PrincipalFromBytes(make([]byte, uri.MaxPrincipalLen+1))
	assert.ErrorIs(t, err, uri.ErrTooLong)
	assert.EqualError(t, err, "uri: too long: principal of 30 bytes, longest is 29")
}

func TestParsePrincipalErrors(t *testing.T) {
	long30 := referenceText(make([]byte, 30))
	for _, tc := range []errorCase{
		{"", uri.ErrBadLength, 0},

		{"AAAAA-AA", uri.ErrUppercase, 0},
		{"aaaaa-aA", uri.ErrUppercase, 7},
		{"RYJL3-TYAAA-AAAAA-AAABA-CAI", uri.ErrUppercase, 0},

		{"aaaaa-a1", uri.ErrBadChar, 7},
		{"aaaaa-a0", uri.ErrBadChar, 7},
		{"aaaaa-a8", uri.ErrBadChar, 7},
		{"aaaaa-a9", uri.ErrBadChar, 7},
		{"aaaaa-aa=", uri.ErrBadChar, 8},
		{"aaaaa-a=", uri.ErrBadChar, 7},
		{" aaaaa-aa", uri.ErrBadChar, 0},
		{"aaaaa-aa ", uri.ErrBadChar, 8},
		{"aaaaa-aa\n", uri.ErrBadChar, 8},
		{"aaaaa-aé", uri.ErrBadChar, 7},
		{"aaaaa-a\xff", uri.ErrBadChar, 7},
		{"aaaaa_aa", uri.ErrBadGrouping, 5},
		{"aa\x00aa-aa", uri.ErrBadChar, 2},

		{"aaaaaaa", uri.ErrBadGrouping, 5},
		{"aaaa-aaa", uri.ErrBadGrouping, 4},
		{"-aaaaa-aa", uri.ErrBadGrouping, 0},
		{"aaaaa--aa", uri.ErrBadGrouping, 6},
		{"aaaaa-aa-", uri.ErrBadGrouping, 8},
		{"2vxsx-", uri.ErrBadGrouping, 5},
		{"2vxsx-fae-", uri.ErrBadGrouping, 9},
		{"ryjl3tyaaaaaaaaaaabacai", uri.ErrBadGrouping, 5},
		{"ryjl3-tyaa-aaaaaa-aaaba-cai", uri.ErrBadGrouping, 10},
		{"ryjl3-tyaaa-aaaaa-aaaba-ca-i", uri.ErrBadGrouping, 26},
		{"ryjl3-tyaaa-aaaaa-aaaba-cai-", uri.ErrBadGrouping, 27},
		{"ryjl3-tyaaa-aaaaa-aaaba-caiaa-", uri.ErrBadGrouping, 29},

		{"a", uri.ErrBadLength, 0},
		{"aaaa", uri.ErrBadLength, 0},
		{"aaaaa-a", uri.ErrBadLength, 0},
		{"aaaaa-aaaa", uri.ErrBadLength, 0},    // 9 characters: 45 bits
		{"aaaaa-aaaaa-a", uri.ErrBadLength, 0}, // 11
		{"aaaaa-aaaaa-aaaa", uri.ErrBadLength, 0},

		{long30, uri.ErrTooLong, 0},
		{strings.Repeat("aaaaa-", 10) + "aaaa", uri.ErrTooLong, 0},
		{strings.Repeat("x", 1<<20), uri.ErrTooLong, 0},

		{"aaaaa-ab", uri.ErrNonCanonical, 7},
		{"aaaaa-ah", uri.ErrNonCanonical, 7},
		{"ryjl3-tyaaa-aaaaa-aaaba-caj", uri.ErrNonCanonical, 26},
	} {
		t.Run(tc.in[:min(len(tc.in), 40)], func(t *testing.T) {
			_, err := uri.ParsePrincipal(tc.in)
			requireSyntaxError(t, err, tc)
		})
	}
}

func TestParsePrincipalBadChecksum(t *testing.T) {
	for _, in := range []string{
		"aaaaa-ai",
		"aaaaa-aaa", // a one-byte principal 00 with a zero checksum
		"2vxsx-fab",
		"ryjl3-tyaaa-aaaaa-aaaaa-cai",
		"ryjl3-tyaaa-aaaaa-aaaba-caq",
		"5h74t-uga73-7nadi", // bfozs-kwa73-7nadi with another checksum
	} {
		t.Run(in, func(t *testing.T) {
			_, err := uri.ParsePrincipal(in)
			requireSyntaxError(t, err, errorCase{in, uri.ErrBadChecksum, 0})
			assert.Contains(t, err.Error(), "does not match")
		})
	}
}

// TestParsePrincipalRejectsEverySubstitution checks that no one-character
// typo in a real principal yields another principal: CRC-32 catches every
// error confined to 32 bits, and a character is 5.
func TestParsePrincipalRejectsEverySubstitution(t *testing.T) {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	for _, tc := range knownPrincipals {
		for i := range len(tc.text) {
			if tc.text[i] == '-' {
				continue
			}
			for _, c := range []byte(alphabet) {
				if c == tc.text[i] {
					continue
				}
				typo := tc.text[:i] + string(c) + tc.text[i+1:]
				_, err := uri.ParsePrincipal(typo)
				require.Error(t, err, "typo %q of %q", typo, tc.text)
				require.True(t, errors.Is(err, uri.ErrBadChecksum) || errors.Is(err, uri.ErrNonCanonical),
					"typo %q: %v", typo, err)
			}
		}
	}
}

func TestPrincipalText(t *testing.T) {
	p, err := uri.ParsePrincipal("ryjl3-tyaaa-aaaaa-aaaba-cai")
	require.NoError(t, err)

	b, err := json.Marshal(map[string]uri.Principal{"ledger": p})
	require.NoError(t, err)
	assert.JSONEq(t, `{"ledger":"ryjl3-tyaaa-aaaaa-aaaba-cai"}`, string(b))

	var back map[string]uri.Principal
	require.NoError(t, json.Unmarshal(b, &back))
	assert.Equal(t, p, back["ledger"])

	var q uri.Principal
	err = q.UnmarshalText([]byte("ryjl3-tyaaa-aaaaa-aaaba-cab"))
	assert.ErrorIs(t, err, uri.ErrNonCanonical)
	err = q.UnmarshalText(nil)
	assert.ErrorIs(t, err, uri.ErrBadLength)
}

func FuzzParsePrincipal(f *testing.F) {
	for _, tc := range knownPrincipals {
		f.Add(tc.text)
	}
	for _, s := range []string{
		"", "a", "aaaaa-a", "aaaaa-ab", "aaaaa-ai", "AAAAA-AA", "aaaaa--aa", "aaaaaaa", "2vxsx-",
		"5h74t-uga73-7nadi", "aaaaa-aa=", "aaaaa-a\xff", strings.Repeat("aaaaa-", 11),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := uri.ParsePrincipal(s)
		if err != nil {
			checkParseError(t, s, err)
			return
		}
		// Only canonical text parses, so formatting gives back the input.
		require.Equal(t, s, p.String())
		require.Equal(t, s, referenceText(p.Bytes()))
		q, err := uri.PrincipalFromBytes(p.Bytes())
		require.NoError(t, err)
		require.Equal(t, p, q)
	})
}

func FuzzPrincipalFromBytes(f *testing.F) {
	for _, tc := range knownPrincipals {
		f.Add(mustHex(f, tc.hex))
	}
	f.Add(make([]byte, 30))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := uri.PrincipalFromBytes(b)
		if len(b) > uri.MaxPrincipalLen {
			require.ErrorIs(t, err, uri.ErrTooLong)
			return
		}
		require.NoError(t, err)
		text := p.String()
		require.Equal(t, referenceText(b), text)
		q, err := uri.ParsePrincipal(text)
		require.NoError(t, err)
		require.Equal(t, p, q)
		require.Equal(t, hex.EncodeToString(b), hex.EncodeToString(q.Bytes()))
	})
}
