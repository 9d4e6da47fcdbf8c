package ichost

import (
	"context"
	"fmt"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// canisterKey carries the Canister a call runs in to the system API's functions.
type canisterKey struct{}

// trapSignal unwinds the guest out of a system-API call that traps.
type trapSignal struct{ msg string }

// trapNow ends the message with a trap that says msg.
func (m *message) trapNow(msg string) {
	m.trap = msg
	panic(trapSignal{msg})
}

// guestBytes returns n bytes of the caller's memory at addr, or traps.
func (m *message) guestBytes(mod api.Module, addr, n uint64) []byte {
	size := uint64(mod.Memory().Size())
	if addr > size || n > size-addr {
		m.trapNow(fmt.Sprintf("%s: heap access out of bounds: address %d, length %d, heap %d bytes", m.entry, addr, n, size))
	}
	b, _ := mod.Memory().Read(uint32(addr), uint32(n))
	return b
}

const (
	i32 = api.ValueTypeI32
	i64 = api.ValueTypeI64
)

// ic0Func is a system-API function: its Wasm signature and what it does.
type ic0Func struct {
	name            string
	params, results []api.ValueType
	fn              func(m *message, mod api.Module, stack []uint64)
}

var ic0Funcs = []ic0Func{
	{"msg_arg_data_size", nil, []api.ValueType{i32}, func(m *message, _ api.Module, s []uint64) {
		s[0] = uint64(len(m.arg))
	}},
	{"msg_arg_data_copy", []api.ValueType{i32, i32, i32}, nil, func(m *message, mod api.Module, s []uint64) {
		dst, off, n := uint64(uint32(s[0])), uint64(uint32(s[1])), uint64(uint32(s[2]))
		if off > uint64(len(m.arg)) || n > uint64(len(m.arg))-off {
			m.trapNow(fmt.Sprintf("msg_arg_data_copy: offset %d, length %d past the argument's %d bytes", off, n, len(m.arg)))
		}
		copy(m.guestBytes(mod, dst, n), m.arg[off:])
	}},
	{"msg_reply_data_append", []api.ValueType{i32, i32}, nil, func(m *message, mod api.Module, s []uint64) {
		if m.replied {
			m.trapNow("msg_reply_data_append: the message has replied")
		}
		m.reply = append(m.reply, m.guestBytes(mod, uint64(uint32(s[0])), uint64(uint32(s[1])))...)
	}},
	{"msg_reply", nil, nil, func(m *message, _ api.Module, _ []uint64) {
		if m.replied {
			m.trapNow("msg_reply: the message has replied")
		}
		m.replied = true
	}},
	{"trap", []api.ValueType{i32, i32}, nil, func(m *message, mod api.Module, s []uint64) {
		m.trapNow(string(m.guestBytes(mod, uint64(uint32(s[0])), uint64(uint32(s[1])))))
	}},
	{"debug_print", []api.ValueType{i32, i32}, nil, func(m *message, mod api.Module, s []uint64) {
		_ = m.guestBytes(mod, uint64(uint32(s[0])), uint64(uint32(s[1])))
	}},
	{"stable64_size", nil, []api.ValueType{i64}, func(m *message, _ api.Module, s []uint64) {
		s[0] = m.stable.size()
	}},
	{"stable64_grow", []api.ValueType{i64}, []api.ValueType{i64}, func(m *message, _ api.Module, s []uint64) {
		s[0] = uint64(m.stable.grow(s[0]))
	}},
	{"stable64_read", []api.ValueType{i64, i64, i64}, nil, func(m *message, mod api.Module, s []uint64) {
		dst := m.guestBytes(mod, s[0], s[2])
		if err := m.stable.readInto(dst, s[1]); err != nil {
			m.trapNow("stable64_read: " + err.Error())
		}
	}},
	{"stable64_write", []api.ValueType{i64, i64, i64}, nil, func(m *message, mod api.Module, s []uint64) {
		src := m.guestBytes(mod, s[1], s[2])
		if err := m.stable.writeFrom(src, s[0]); err != nil {
			m.trapNow("stable64_write: " + err.Error())
		}
	}},
}

// instantiateIC0 adds the module "ic0" to rt. Its functions find the message they serve
// in the call's context; a call outside a message traps.
func instantiateIC0(ctx context.Context, rt wazero.Runtime) error {
	b := rt.NewHostModuleBuilder("ic0")
	for _, f := range ic0Funcs {
		fn := f.fn
		name := f.name
		b.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, mod api.Module, stack []uint64) {
			c, _ := ctx.Value(canisterKey{}).(*Canister)
			if c == nil || c.msg == nil {
				panic(fmt.Errorf("ic0.%s called outside a message", name))
			}
			fn(c.msg, mod, stack)
		}), f.params, f.results).Export(f.name)
	}
	_, err := b.Instantiate(ctx)
	return err
}
