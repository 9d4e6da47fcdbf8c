//go:build !wasip1

package main

import (
	"fmt"
	"os"
)

// main says how to build the canister: natively this package is only its tests.
func main() {
	fmt.Fprintln(os.Stderr, "canister: build it as a Wasm guest: GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o canister.wasm ./examples/canister")
	os.Exit(2)
}
