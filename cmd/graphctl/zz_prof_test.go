package main

import (
	"os"
	"path/filepath"
	"testing"
)

func TestZZProf(t *testing.T) {
	doc := os.Getenv("PROF_DOC")
	if doc == "" {
		t.Skip()
	}
	dir := t.TempDir()
	args := []string{"import", "-q", "--db", filepath.Join(dir, "p.sg"), doc}
	if b := os.Getenv("PROF_BATCH"); b != "" {
		args = append(args, "--batch", b)
	}
	if code := run(args, newEnv()); code != 0 {
		t.Fatal(code)
	}
}
