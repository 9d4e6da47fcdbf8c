package ichost

import (
	"context"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tetratelabs/wazero"
)

// module assembles a module from sections.
func module(secs ...[]byte) []byte {
	out := []byte("\x00asm\x01\x00\x00\x00")
	for _, s := range secs {
		out = append(out, s...)
	}
	return out
}

func section(id byte, payload ...byte) []byte {
	return append(binary.AppendUvarint([]byte{id}, uint64(len(payload))), payload...)
}

// A module that imports one function and one global, defines two globals and exports a
// function.
var sample = module(
	section(1, 1, 0x60, 0, 0), // types: () -> ()
	section(secImport, 2,
		1, 'm', 1, 'f', 0, 0, // func m.f, type 0
		1, 'm', 1, 'g', 3, 0x7f, 0), // global m.g: i32, immutable
	section(3, 1, 0), // functions: one, type 0
	section(secGlobal, 2,
		0x7f, 1, 0x41, 0, 0x0b, // i32 mutable = 0
		0x7e, 1, 0x42, 0, 0x0b), // i64 mutable = 0
	section(secExport, 1, 3, 'r', 'u', 'n', 0, 1), // "run": func 1
	section(10, 1, 2, 0, 0x0b),                    // code: one empty body
)

func TestExportGlobals(t *testing.T) {
	out, names, err := exportGlobals(sample)
	require.NoError(t, err)
	assert.Equal(t, []string{"sg.global.0", "sg.global.1"}, names)
	exports := []byte{3, 3, 'r', 'u', 'n', 0, 1}                          // three exports now; "run" as it was
	exports = append(append(append(exports, 11), "sg.global.0"...), 3, 1) // global 1: after the imported one
	exports = append(append(append(exports, 11), "sg.global.1"...), 3, 2)
	want := module(
		section(1, 1, 0x60, 0, 0),
		section(secImport, 2, 1, 'm', 1, 'f', 0, 0, 1, 'm', 1, 'g', 3, 0x7f, 0),
		section(3, 1, 0),
		section(secGlobal, 2, 0x7f, 1, 0x41, 0, 0x0b, 0x7e, 1, 0x42, 0, 0x0b),
		section(secExport, exports...),
		section(10, 1, 2, 0, 0x0b),
	)
	assert.Equal(t, want, out)

	// wazero accepts it and sees the globals exported.
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	cm, err := rt.CompileModule(ctx, out)
	require.NoError(t, err)
	assert.Len(t, cm.ExportedFunctions(), 1)
}

func TestExportGlobalsRefuses(t *testing.T) {
	for name, bin := range map[string][]byte{
		"empty":      nil,
		"no magic":   []byte("\x00wsm\x01\x00\x00\x00"),
		"version 2":  []byte("\x00asm\x02\x00\x00\x00"),
		"cut short":  sample[:len(sample)-1],
		"no exports": module(section(1, 1, 0x60, 0, 0)),
		"bad import": module(section(secImport, 1, 1, 'm', 1, 'f', 9), section(secExport, 0)),
	} {
		_, _, err := exportGlobals(bin)
		assert.ErrorIs(t, err, ErrNotWasm, name)
	}
}

func FuzzExportGlobals(f *testing.F) {
	f.Add(sample)
	f.Fuzz(func(t *testing.T, bin []byte) {
		out, names, err := exportGlobals(bin)
		if err != nil {
			return
		}
		// The output is a module again, with the same globals to export.
		_, again, err := exportGlobals(out)
		require.NoError(t, err)
		assert.Equal(t, names, again)
	})
}
