package ichost

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// The host restores a module instance's whole state after a trap: its linear memory and
// its globals (Go keeps its stack pointer and current goroutine in Wasm globals). wazero
// reaches only exported globals, so Compile first rewrites the module's export section to
// export every global it defines, as "sg.global.<index>". Nothing else in the module
// changes.

// ErrNotWasm reports a module binary the host cannot read.
var ErrNotWasm = errors.New("not a WebAssembly module")

const globalExportPrefix = "sg.global."

// Section ids of the binary format.
const (
	secImport = 2
	secGlobal = 6
	secExport = 7
)

// exportGlobals returns the module bin with every global it defines exported, and the
// names of those exports.
func exportGlobals(bin []byte) ([]byte, []string, error) {
	if len(bin) < 8 || string(bin[:4]) != "\x00asm" || binary.LittleEndian.Uint32(bin[4:8]) != 1 {
		return nil, nil, fmt.Errorf("%w: no module header (\\0asm, version 1)", ErrNotWasm)
	}
	type section struct {
		id      byte
		payload []byte
	}
	var secs []section
	for p := bin[8:]; len(p) > 0; {
		id := p[0]
		n, k, err := uleb(p[1:])
		if err != nil || uint64(len(p)-1-k) < n {
			return nil, nil, fmt.Errorf("%w: section %d at byte %d is cut short", ErrNotWasm, id, len(bin)-len(p))
		}
		secs = append(secs, section{id, p[1+k : 1+k+int(n)]})
		p = p[1+k+int(n):]
	}
	var importedGlobals, definedGlobals uint64
	exportAt := -1
	for i, s := range secs {
		var err error
		switch s.id {
		case secImport:
			importedGlobals, err = countGlobalImports(s.payload)
		case secGlobal:
			definedGlobals, _, err = uleb(s.payload)
		case secExport:
			exportAt = i
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%w: section %d: %w", ErrNotWasm, s.id, err)
		}
	}
	if exportAt < 0 {
		return nil, nil, fmt.Errorf("%w: the module exports nothing (a canister exports its methods)", ErrNotWasm)
	}
	count, k, err := uleb(secs[exportAt].payload)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: export section: %w", ErrNotWasm, err)
	}
	payload := binary.AppendUvarint(nil, count+definedGlobals)
	payload = append(payload, secs[exportAt].payload[k:]...)
	names := make([]string, definedGlobals)
	for i := range definedGlobals {
		names[i] = fmt.Sprintf("%s%d", globalExportPrefix, i)
		payload = binary.AppendUvarint(payload, uint64(len(names[i])))
		payload = append(payload, names[i]...)
		payload = append(payload, 0x03) // export kind: global
		payload = binary.AppendUvarint(payload, importedGlobals+i)
	}
	secs[exportAt].payload = payload
	out := append([]byte(nil), bin[:8]...)
	for _, s := range secs {
		out = append(out, s.id)
		out = binary.AppendUvarint(out, uint64(len(s.payload)))
		out = append(out, s.payload...)
	}
	return out, names, nil
}

// countGlobalImports returns how many globals an import section imports: they come
// before the defined ones in the global index space.
func countGlobalImports(p []byte) (uint64, error) {
	n, k, err := uleb(p)
	if err != nil {
		return 0, err
	}
	p = p[k:]
	var globals uint64
	skipName := func() error {
		l, k, err := uleb(p)
		if err != nil || uint64(len(p)-k) < l {
			return errors.New("import name cut short")
		}
		p = p[k+int(l):]
		return nil
	}
	skipLEB := func() error {
		_, k, err := uleb(p)
		p = p[k:]
		return err
	}
	skipLimits := func() error {
		if len(p) == 0 {
			return errors.New("limits cut short")
		}
		flags := p[0]
		p = p[1:]
		if err := skipLEB(); err != nil {
			return err
		}
		if flags&1 != 0 {
			return skipLEB()
		}
		return nil
	}
	for range n {
		if err := skipName(); err != nil {
			return 0, err
		}
		if err := skipName(); err != nil {
			return 0, err
		}
		if len(p) == 0 {
			return 0, errors.New("import cut short")
		}
		kind := p[0]
		p = p[1:]
		var err error
		switch kind {
		case 0: // function: type index
			err = skipLEB()
		case 1: // table: reference type, limits
			if len(p) == 0 {
				return 0, errors.New("table import cut short")
			}
			p = p[1:]
			err = skipLimits()
		case 2: // memory: limits
			err = skipLimits()
		case 3: // global: value type, mutability
			if len(p) < 2 {
				return 0, errors.New("global import cut short")
			}
			p = p[2:]
			globals++
		default:
			return 0, fmt.Errorf("unknown import kind %d", kind)
		}
		if err != nil {
			return 0, err
		}
	}
	return globals, nil
}

// uleb decodes an unsigned LEB128 number and returns it with its length in bytes.
func uleb(p []byte) (uint64, int, error) {
	v, n := binary.Uvarint(p)
	if n <= 0 {
		return 0, 0, errors.New("bad LEB128 number")
	}
	return v, n, nil
}
