package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// binary is the graphctl binary the end-to-end tests drive, built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "graphctl-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "graphctl")
	build := exec.Command("go", "build", "-o", binary, ".")
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building graphctl:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is what one run of the binary did.
type result struct {
	stdout, stderr string
	code           int
}

// gc runs the graphctl binary with args in dir, with stdin as its standard input, and
// GRAPHCTL_DB unset unless env sets it.
func gc(t *testing.T, dir, stdin string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"HOME=" + dir, "PATH=" + os.Getenv("PATH")}, env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		require.True(t, ok, "running graphctl: %v", err)
		code = ee.ExitCode()
	}
	return result{out.String(), errb.String(), code}
}

// ok runs graphctl and requires it to succeed, returning its standard output.
func ok(t *testing.T, dir string, args ...string) string {
	t.Helper()
	r := gc(t, dir, "", nil, args...)
	require.Equal(t, 0, r.code, "graphctl %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.stdout, r.stderr)
	return r.stdout
}

// fails runs graphctl and requires exit code code, returning its standard error.
func fails(t *testing.T, dir string, code int, args ...string) string {
	t.Helper()
	r := gc(t, dir, "", nil, args...)
	require.Equal(t, code, r.code, "graphctl %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.stdout, r.stderr)
	return r.stderr
}

// write writes a file in dir and returns its name.
func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	return name
}

func TestUsageErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"unknown flag", []string{"stats", "--db", "x.sg", "--frob"}, "unknown flag: --frob"},
		{"missing --db", []string{"stats"}, "no store given"},
		{"extra argument", []string{"stats", "--db", "x.sg", "extra"}, `unknown command "extra"`},
		{"missing argument", []string{"get", "--db", "x.sg"}, "accepts 1 arg(s), received 0"},
		{"bad output format", []string{"query", "--db", "x.sg", "-o", "xml", "FIND a"}, `unknown output format "xml"`},
		{"drop without --yes", []string{"schema", "drop", "--db", "x.sg", "health"}, "add --yes"},
		{"import without a format", []string{"import", "--db", "x.sg", "data.txt"}, "give --format"},
		{"csv import without --kind", []string{"import", "--db", "x.sg", "-f", "csv", "a.csv"}, "needs --kind"},
		{"both scopes", []string{"init", "--db", "x.sg", "--canister", "ryjl3-tyaaa-aaaaa-aaaba-cai", "--scope", "6ba7b810-9dad-11d1-80b4-00c04fd430c8"}, "none of the others can be"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stderr := fails(t, dir, exitUsage, tc.args...)
			assert.Contains(t, stderr, tc.want)
			assert.Contains(t, stderr, "graphctl --help")
		})
	}
	assert.NoFileExists(t, filepath.Join(dir, "x.sg"), "a usage error creates no store")
}

func TestHelp(t *testing.T) {
	dir := t.TempDir()
	out := ok(t, dir, "--help")
	for _, cmd := range []string{"demo", "init", "schema", "query", "import", "export", "get", "set", "link", "unlink", "delete", "stats", "verify", "map", "report", "completion"} {
		assert.Contains(t, out, "  "+cmd+" ", "help lists %s", cmd)
	}
	assert.Contains(t, ok(t, dir, "completion", "bash"), "bash completion")
	assert.Contains(t, ok(t, dir, "help", "import"), "FILE:LINE")
}

func TestDBFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	ok(t, dir, "init", "--db", "env.sg")
	r := gc(t, dir, "", []string{"GRAPHCTL_DB=env.sg"}, "stats")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "$kind")
	// --db wins over the environment.
	r = gc(t, dir, "", []string{"GRAPHCTL_DB=env.sg"}, "stats", "--db", "missing.sg")
	assert.Equal(t, exitUser, r.code)
	assert.Contains(t, r.stderr, "missing.sg: no store here")
}

func TestMissingStore(t *testing.T) {
	dir := t.TempDir()
	stderr := fails(t, dir, exitUser, "query", "--db", "nope.sg", "FIND player")
	assert.Contains(t, stderr, "nope.sg: no store here")
	assert.NoFileExists(t, filepath.Join(dir, "nope.sg"))
}

func TestNotAStore(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "notes.txt", "these are my notes, not a store\n")
	stderr := fails(t, dir, exitUser, "stats", "--db", "notes.txt")
	assert.Contains(t, stderr, "not a stablegraph store")
	b, err := os.ReadFile(filepath.Join(dir, "notes.txt"))
	require.NoError(t, err)
	assert.Equal(t, "these are my notes, not a store\n", string(b), "left as it was")
}

func TestExitCode(t *testing.T) {
	// The one mapping from errors to exit codes.
	assert.Equal(t, exitOK, exitCode(nil))
	assert.Equal(t, exitUsage, exitCode(usagef("x")))
	assert.Equal(t, exitUsage, exitCode(fmt.Errorf("wrapped: %w", usagef("x"))))
	assert.Equal(t, exitDamaged, exitCode(fmt.Errorf("page 7: %w", errDamaged)))
	assert.Equal(t, exitUser, exitCode(errNotFound))
	assert.Equal(t, exitUser, exitCode(fmt.Errorf("anything else")))
}

// countMatches counts the matches of a regular expression in s.
func countMatches(s, expr string) int {
	return len(regexp.MustCompile(expr).FindAllStringIndex(s, -1))
}
