package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stablegraph/stablegraph/internal/ichost"
)

// The guest is built and compiled once per test binary: building it with the Go toolchain
// that runs the tests (GOOS=wasip1 GOARCH=wasm, as a reactor), then compiling it on one
// wazero runtime that every test's canister shares. A failed build fails every test.
var (
	guestWasm   []byte
	guestRT     *ichost.Runtime
	guestModule *ichost.Module
	// The same on a runtime that enforces time limits (its code checks the clock).
	timedRT     *ichost.Runtime
	timedModule *ichost.Module
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	flag.Parse()
	dir, err := os.MkdirTemp("", "canister-guest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	t0 := time.Now()
	if guestWasm, err = buildGuest(dir); err != nil {
		fmt.Fprintln(os.Stderr, "build the guest:", err)
		return 1
	}
	t1 := time.Now()
	ctx := context.Background()
	// Under the race detector wazero's compiler takes most of a minute over the guest: keep
	// what it compiles in the user's cache, where the next run (raced or not) finds it.
	var opts ichost.RuntimeOptions
	if dir, err := os.UserCacheDir(); err == nil {
		opts.CacheDir = filepath.Join(dir, "stablegraph", "wazero")
	}
	if guestRT, err = ichost.NewRuntime(ctx, &opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer guestRT.Close(ctx)
	if guestModule, err = guestRT.Compile(ctx, guestWasm); err != nil {
		fmt.Fprintln(os.Stderr, "compile the guest:", err)
		return 1
	}
	opts.TimeLimits = true
	if timedRT, err = ichost.NewRuntime(ctx, &opts); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer timedRT.Close(ctx)
	if timedModule, err = timedRT.Compile(ctx, guestWasm); err != nil {
		fmt.Fprintln(os.Stderr, "compile the guest with time checks:", err)
		return 1
	}
	if testing.Verbose() {
		fmt.Printf("guest: %d bytes, built in %v, compiled in %v\n", len(guestWasm), t1.Sub(t0).Round(time.Millisecond), time.Since(t1).Round(time.Millisecond))
	}
	return m.Run()
}

// buildGuest builds this package for wasip1 as a reactor into dir and returns the module.
func buildGuest(dir string) ([]byte, error) {
	goBin := filepath.Join(os.Getenv("GOROOT"), "bin", "go")
	if _, err := os.Stat(goBin); err != nil {
		goBin = "go"
	}
	out := filepath.Join(dir, "canister.wasm")
	cmd := exec.Command(goBin, "build", "-buildmode=c-shared", "-o", out, ".")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%w\n%s", err, msg)
	}
	return os.ReadFile(out)
}
