// Canister is stablegraph inside a Wasm guest: a Go program built as a WASI reactor
// (GOOS=wasip1 GOARCH=wasm, -buildmode=c-shared) that exports a canister's entry points
// with go:wasmexport, and whose whole state is a store in the Internet Computer's stable
// memory (store.StableMemory, over ic0.stable64_*), reached through the entity, column,
// verb and query packages exactly as natively.
//
//	canister_init, canister_post_upgrade  {"version":N}: open the store with version N's schema
//	canister_update_exec                  a JSON Command, run as one message; replies with the IDs created
//	canister_query_query                  a query text; replies with the rows
//
// Each reply carries the pages the request's store messages touched, as the store's meter
// counted them, so a host can compare them with its own count. The tests run it on
// internal/ichost, a wazero host with the IC's rules, against the same program run natively.
//
// Build it with:
//
//	GOOS=wasip1 GOARCH=wasm go build -buildmode=c-shared -o canister.wasm ./examples/canister
package main
