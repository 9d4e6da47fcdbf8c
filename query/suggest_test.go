package query

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSuggest(t *testing.T) {
	columns := []string{"health", "name", "member_of", "mana", "Level", "id", "ID"}
	tests := []struct {
		name       string
		candidates []string
		want       string // "" for no suggestion
	}{
		{"helth", columns, "health"},       // deletion
		{"healht", columns, "health"},      // transposition
		{"heallth", columns, "health"},     // insertion
		{"hEalth", columns, "health"},      // case only
		{"level", columns, "Level"},        // case only
		{"memberof", columns, "member_of"}, // deletion in a longer name
		{"membr_fo", columns, "member_of"}, // two edits in a name of 8
		{"nmae", columns, "name"},          // transposition
		{"mame", columns, "name"},          // one substitution; "mana" needs two
		{"Id", columns, "ID"},              // ties at 0: the better case match (both differ by one), then lexical
		{"id", columns, "id"},              // an exact match
		{"xyz", columns, ""},               // nothing close
		{"hp", columns, ""},                // too short to be a typo of anything here
		{"a", []string{"b", "A"}, "A"},     // one letter: only a case change
		{"a", []string{"b"}, ""},           // one letter: no substitutions
		{"ab", []string{"ba"}, "ba"},       // two letters: one edit
		{"", columns, ""},                  // nothing to match
		{"health", nil, ""},                // no candidates
		{"FNID", []string{"EXPLAIN", "FIND"}, "FIND"},
		{"fnid", []string{"EXPLAIN", "FIND"}, "FIND"},
		{"DSC", []string{"ASC", "DESC", "LIMIT"}, "DESC"},
		{"straße", []string{"STRASSE", "Straße"}, "Straße"},
		{"日本語", []string{"日本", "本語"}, "日本"}, // runes, not bytes
	}
	for _, tt := range tests {
		got, ok := Suggest(tt.name, tt.candidates)
		assert.Equal(t, tt.want, got, "Suggest(%q)", tt.name)
		assert.Equal(t, tt.want != "", ok, "Suggest(%q)", tt.name)
	}
}

func TestSuggestOrderIndependent(t *testing.T) {
	a := []string{"mana", "name", "nome"}
	b := []string{"nome", "name", "mana"}
	for _, s := range []string{"mame", "nane", "nmae"} {
		x, _ := Suggest(s, a)
		y, _ := Suggest(s, b)
		assert.Equal(t, x, y, s)
	}
}

func TestOSADistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"", "abc", 3},
		{"abc", "", 3},
		{"abc", "abc", 0},
		{"abc", "acb", 1},
		{"ca", "abc", 3}, // OSA, unlike full Damerau-Levenshtein (2), edits no substring twice
		{"kitten", "sitting", 3},
		{"héllo", "hello", 1},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, osaDistance([]rune(tt.a), []rune(tt.b)), "%q %q", tt.a, tt.b)
		assert.Equal(t, tt.want, osaDistance([]rune(tt.b), []rune(tt.a)), "%q %q", tt.b, tt.a)
	}
}

func TestNearest(t *testing.T) {
	kinds := []string{"Class", "Plugin_2", "Project", "Person", "PluginSet", "Resource", "Release", "Property"}
	assert.Equal(t, []string{"Plugin_2", "PluginSet", "Person", "Class", "Project"}, Nearest("plugin", kinds, 5))
	assert.Equal(t, []string{"Class"}, Nearest("Clas", kinds, 1))
	assert.Empty(t, Nearest("x", nil, 3))
	assert.Len(t, Nearest("x", kinds, 20), len(kinds))

	many := make([]string, 0, 30)
	for i := range 30 {
		many = append(many, fmt.Sprintf("Kind%02d", i))
	}
	assert.Equal(t, "; the nearest of its 30 kinds are Kind00, Kind01, Kind02, Kind03, Kind04, Kind05, Kind06, Kind07",
		kindList("Plugin", many))
	assert.Equal(t, "; the store has no kinds", kindList("Plugin", nil))
	assert.Equal(t, "; the kinds are a, b", kindList("Plugin", []string{"b", "a"}))
}
