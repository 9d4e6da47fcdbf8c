package query

import (
	"cmp"
	"slices"
	"strings"
)

// Suggest returns the candidate closest to name, for a "did you mean"
// hint, and whether any is close enough to be worth suggesting. Closeness is
// the optimal string alignment distance (Levenshtein with transpositions of
// adjacent characters) between the lower-cased strings; a candidate is close
// enough when that distance is at most a third of the length of name (at
// least 1) and less than its length, so that "helth" suggests "health" but
// "x" suggests nothing but "X". Ties go to the candidate whose case matches
// name better, then to the one sharing a longer prefix with it ("DSC"
// suggests "DESC" rather than "ASC"), then to the first in lexical order, so
// the answer does not depend on the order of candidates.
func Suggest(name string, candidates []string) (string, bool) {
	n := []rune(strings.ToLower(name))
	limit := min(max(len(n), 3)/3, len(n)-1)
	if limit < 0 {
		return "", false
	}
	nameRunes := []rune(name)
	best, bestDist, bestCase, bestPrefix := "", limit+1, 0, 0
	for _, c := range candidates {
		cr := []rune(strings.ToLower(c))
		if abs(len(cr)-len(n)) > limit {
			continue
		}
		d := osaDistance(n, cr)
		if d > limit || d > bestDist {
			continue
		}
		caseDist := osaDistance(nameRunes, []rune(c))
		prefix := commonPrefix(n, cr)
		better := cmp.Or(
			cmp.Compare(d, bestDist),
			cmp.Compare(caseDist, bestCase),
			-cmp.Compare(prefix, bestPrefix),
			strings.Compare(c, best),
		) < 0
		if better {
			best, bestDist, bestCase, bestPrefix = c, d, caseDist, prefix
		}
	}
	return best, bestDist <= limit
}

// Nearest returns up to n of candidates, the closest to name first: by the distance
// Suggest uses, ties to the candidate that contains name or shares a longer prefix with
// it, then in lexical order.
func Nearest(name string, candidates []string, n int) []string {
	type scored struct {
		c              string
		d, sub, prefix int
	}
	lname := strings.ToLower(name)
	nr := []rune(lname)
	all := make([]scored, 0, len(candidates))
	for _, c := range candidates {
		lc := strings.ToLower(c)
		sub := 1
		if strings.Contains(lc, lname) || strings.Contains(lname, lc) {
			sub = 0
		}
		cr := []rune(lc)
		all = append(all, scored{c, osaDistance(nr, cr), sub, commonPrefix(nr, cr)})
	}
	slices.SortFunc(all, func(a, b scored) int {
		return cmp.Or(cmp.Compare(a.sub, b.sub), cmp.Compare(a.d, b.d), -cmp.Compare(a.prefix, b.prefix), strings.Compare(a.c, b.c))
	})
	out := make([]string, 0, min(n, len(all)))
	for _, s := range all[:min(n, len(all))] {
		out = append(out, s.c)
	}
	return out
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// osaDistance is the optimal string alignment distance between a and b: the
// fewest insertions, deletions, substitutions and transpositions of
// adjacent runes that turn a into b, editing no substring twice.
func osaDistance(a, b []rune) int {
	// Three rows of the dynamic programming table: i-2, i-1 and i.
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// commonPrefix returns the length of the longest common prefix of a and b.
func commonPrefix(a, b []rune) int {
	n := 0
	for n < len(a) && n < len(b) && a[n] == b[n] {
		n++
	}
	return n
}
