//go:build wasip1

package main

import (
	"encoding/json"
	"fmt"
	"unsafe"

	"github.com/stablegraph/stablegraph/store"
)

// The message half of the system API, as a 32-bit canister imports it.

//go:wasmimport ic0 msg_arg_data_size
func msgArgDataSize() uint32

//go:wasmimport ic0 msg_arg_data_copy
func msgArgDataCopy(dst unsafe.Pointer, offset, size uint32)

//go:wasmimport ic0 msg_reply_data_append
func msgReplyDataAppend(src unsafe.Pointer, size uint32)

//go:wasmimport ic0 msg_reply
func msgReply()

//go:wasmimport ic0 trap
func ic0Trap(src unsafe.Pointer, size uint32)

//go:wasmimport ic0 stable64_read
func stable64Read(dst, offset, size uint64)

// state is the canister between messages; canister_init or canister_post_upgrade sets it.
var state *canister

// main is not called: the host instantiates the module as a reactor (-buildmode=c-shared)
// and calls its exports.
func main() {}

// InitArg is the argument of canister_init and canister_post_upgrade: the program version
// whose schema the store is opened with (one binary holds every version's declaration;
// a real release would be a new binary).
type InitArg struct {
	Version int `json:"version"`
}

//go:wasmexport canister_init
func canisterInit() { start() }

//go:wasmexport canister_post_upgrade
func canisterPostUpgrade() { start() }

// start opens the store in stable memory; a refusal (an incompatible schema) traps, so the
// replica keeps the previous version and its stable memory as they were.
func start() {
	var a InitArg
	if err := json.Unmarshal(argData(), &a); err != nil {
		trap(fmt.Sprintf("init argument: %v", err))
	}
	c, err := open(store.NewStableMemory(0), a.Version)
	if err != nil {
		trap(err.Error())
	}
	state = c
}

// The methods. Go cannot export a name with a space, so canister_update_exec stands for
// the IC's "canister_update exec", and so on.

//go:wasmexport canister_update_exec
func updateExec() { handle(state.exec) }

//go:wasmexport canister_query_query
func queryQuery() { handle(state.query) }

// canister_update_trap runs a Command like exec, commits it, then traps: the host must
// discard both the stable memory the commit wrote and the heap it changed.
//
//go:wasmexport canister_update_trap
func updateTrap() {
	handle(state.exec)
	trap("trapped after the commit, on request")
}

// canister_update_panic is canister_update_trap with a Go panic (which exits the module)
// in place of ic0.trap.
//
//go:wasmexport canister_update_panic
func updatePanic() {
	handle(state.exec)
	panic("panicked after the commit, on request")
}

// canister_query_exec runs a Command in a query method: its writes commit as far as the
// guest knows, and the host discards them.
//
//go:wasmexport canister_query_exec
func queryExec() { handle(state.exec) }

// StableReadArg is the argument of canister_query_stable_read.
type StableReadArg struct {
	Offset uint64 `json:"offset"`
	Size   uint64 `json:"size"`
	N      int    `json:"n"`
}

// canister_query_stable_read calls ic0.stable64_read N times, reading Size bytes at Offset,
// with no bounds check of its own: for the host's tests (an access out of bounds traps) and
// its measure of what one call costs. It replies with the first 8 bytes read.
//
//go:wasmexport canister_query_stable_read
func queryStableRead() {
	handle(func(arg []byte) ([]byte, error) {
		var a StableReadArg
		if err := json.Unmarshal(arg, &a); err != nil {
			return nil, err
		}
		buf := make([]byte, max(a.Size, 8))
		for range a.N {
			stable64Read(uint64(uintptr(unsafe.Pointer(unsafe.SliceData(buf)))), a.Offset, a.Size)
		}
		return buf[:8], nil
	})
}

// handle runs a method over the message's argument and replies with its result, or traps
// with its error: a trap leaves no trace of the message.
func handle(fn func([]byte) ([]byte, error)) {
	if state == nil {
		trap("the canister is not initialized")
	}
	out, err := fn(argData())
	if err != nil {
		trap(err.Error())
	}
	if len(out) > 0 {
		msgReplyDataAppend(unsafe.Pointer(unsafe.SliceData(out)), uint32(len(out)))
	}
	msgReply()
}

func argData() []byte {
	b := make([]byte, msgArgDataSize())
	if len(b) > 0 {
		msgArgDataCopy(unsafe.Pointer(unsafe.SliceData(b)), 0, uint32(len(b)))
	}
	return b
}

func trap(msg string) {
	b := []byte(msg)
	ic0Trap(unsafe.Pointer(unsafe.SliceData(b)), uint32(len(b)))
	panic("ic0.trap returned") // the host never returns from a trap
}
