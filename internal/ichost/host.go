// Package ichost runs a canister, a Wasm module built for the Internet Computer's system
// API, on wazero, with the IC's rules for stable memory: it grows in 64 KiB pages up to a
// maximum, an access out of bounds traps, a message that traps leaves no trace (its stable
// writes and its heap changes are discarded), a query's changes never persist, and the
// host counts the distinct 4 KiB pages each message reads and writes. Stable memory is
// kept in a file laid out as a native store's (store.Open), so a canister's state opens
// with graphctl, and a canister can start from a store built natively.
//
// It implements the part of the system API a stablegraph guest imports (ic0.msg_arg_data_*,
// msg_reply*, trap, debug_print, stable64_*), and WASI preview 1 through wazero, which a Go
// guest needs and a real replica does not offer.
package ichost

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"

	"github.com/stablegraph/stablegraph/store"
)

// Errors of the host.
var (
	// ErrTrap reports a message that trapped; the error is a *TrapError.
	ErrTrap = errors.New("canister trapped")
	// ErrNoMethod reports a method the module does not export.
	ErrNoMethod = errors.New("canister has no such method")
	// ErrNoReply reports an update that returned without replying; as on the IC, its
	// changes are kept.
	ErrNoReply = errors.New("canister did not reply")
	// ErrNotInstalled reports a message to a canister with no module installed.
	ErrNotInstalled = errors.New("no module installed")
)

// TrapError is a trapped message: which entry point, and what the trap said.
type TrapError struct {
	Entry   string // the export called: canister_update_exec, canister_post_upgrade, …
	Message string
}

// Error says where the canister trapped and why.
func (e *TrapError) Error() string {
	return fmt.Sprintf("%v in %s: %s", ErrTrap, e.Entry, e.Message)
}

// Unwrap makes errors.Is(err, ErrTrap) hold.
func (e *TrapError) Unwrap() error { return ErrTrap }

// Limits are the host's per-message limits on stable memory, in 4 KiB pages; a message
// that passes one traps. Zero means no limit.
type Limits struct {
	MaxWrittenPages  uint64
	MaxAccessedPages uint64
}

// Config configures a Canister. The zero value is a canister whose stable memory may
// grow to store.DefaultMaxWasmPages, with no per-message limits, not synced.
type Config struct {
	// MaxStablePages is the stable memory's maximum in 64 KiB pages; 0 means
	// store.DefaultMaxWasmPages.
	MaxStablePages uint64
	Limits         Limits
	// Sync makes every committed message fsync the stable-memory file.
	Sync bool
	// MaxMessageTime, if set, traps a message that runs longer: wazero counts no
	// instructions, so this wall-clock bound stands in for the IC's instruction limit.
	// The runtime must have been made with RuntimeOptions.TimeLimits.
	MaxMessageTime time.Duration
}

// Runtime is a wazero runtime with the system API and WASI: one per process is enough,
// and the modules it compiles serve every Canister opened on it.
type Runtime struct {
	rt    wazero.Runtime
	timed bool // RuntimeOptions.TimeLimits
}

// ErrNoTimeLimits reports a time limit asked of a runtime made without
// RuntimeOptions.TimeLimits.
var ErrNoTimeLimits = errors.New("the runtime cannot enforce time limits: make it with RuntimeOptions.TimeLimits")

// RuntimeOptions configures NewRuntime; the zero value compiles modules to machine code
// (where wazero can: amd64, arm64) each time.
type RuntimeOptions struct {
	// TimeLimits makes the compiled code check, at function calls and loops, whether its
	// message's time is up, so that Config.MaxMessageTime can stop it. The checks cost:
	// guest compute ran 5 to 10 times slower with them (examples/canister/RESULTS.md).
	TimeLimits bool
	// CacheDir, if set, keeps compiled modules in this directory, so that a module compiled
	// once (by any runtime, in any process) is loaded, not compiled again.
	CacheDir string
}

// NewRuntime returns a runtime ready to compile canisters; opts may be nil.
func NewRuntime(ctx context.Context, opts *RuntimeOptions) (*Runtime, error) {
	cfg := wazero.NewRuntimeConfig()
	timed := opts != nil && opts.TimeLimits
	if timed {
		// Closing on a done context is what lets a message's time limit stop it.
		cfg = cfg.WithCloseOnContextDone(true)
	}
	if opts != nil && opts.CacheDir != "" {
		cache, err := wazero.NewCompilationCacheWithDir(opts.CacheDir)
		if err != nil {
			return nil, fmt.Errorf("compilation cache: %w", err)
		}
		cfg = cfg.WithCompilationCache(cache)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	if _, err := wasi_snapshot_preview1.Instantiate(ctx, rt); err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("wasi: %w", err)
	}
	if err := instantiateIC0(ctx, rt); err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("ic0: %w", err)
	}
	return &Runtime{rt: rt, timed: timed}, nil
}

// Close releases the runtime and every module compiled on it.
func (r *Runtime) Close(ctx context.Context) error { return r.rt.Close(ctx) }

// Module is a compiled canister module.
type Module struct {
	compiled wazero.CompiledModule
	globals  []string
	exports  map[string]bool
}

// Compile compiles a canister module (a Wasm reactor: no _start; _initialize, if exported,
// runs at each instantiation).
func (r *Runtime) Compile(ctx context.Context, wasm []byte) (*Module, error) {
	bin, globals, err := exportGlobals(wasm)
	if err != nil {
		return nil, err
	}
	cm, err := r.rt.CompileModule(ctx, bin)
	if err != nil {
		return nil, fmt.Errorf("compile: %w", err)
	}
	m := &Module{compiled: cm, globals: globals, exports: map[string]bool{}}
	for name := range cm.ExportedFunctions() {
		m.exports[name] = true
	}
	return m, nil
}

// instance is one instantiation of a module: its heap (memory 0) and globals.
type instance struct {
	mod     api.Module
	globals []api.MutableGlobal
	out     *tail
}

// heap is a copy of an instance's state between messages.
type heap struct {
	mem     []byte
	globals []uint64
}

func (r *Runtime) instantiate(ctx context.Context, m *Module) (*instance, error) {
	out := &tail{}
	cfg := wazero.NewModuleConfig().WithName("").WithStartFunctions().WithStdout(out).WithStderr(out)
	mod, err := r.rt.InstantiateModule(ctx, m.compiled, cfg)
	if err != nil {
		return nil, fmt.Errorf("instantiate: %w", err)
	}
	in := &instance{mod: mod, out: out}
	for _, name := range m.globals {
		g, ok := mod.ExportedGlobal(name).(api.MutableGlobal)
		if !ok {
			continue // an immutable global cannot change: nothing to restore
		}
		in.globals = append(in.globals, g)
	}
	return in, nil
}

// save copies the instance's heap and globals into h.
func (in *instance) save(h *heap) {
	mem := in.mod.Memory()
	data, _ := mem.Read(0, mem.Size())
	h.mem = append(h.mem[:0], data...)
	h.globals = h.globals[:0]
	for _, g := range in.globals {
		h.globals = append(h.globals, g.Get())
	}
}

// Canister is a canister on the host: its stable memory, and the instance of its module.
type Canister struct {
	r      *Runtime
	cfg    Config
	stable *stableMemory
	mod    *Module
	inst   *instance
	saved  heap
	msg    *message // the message under way
}

// message is the state of one call into the canister.
type message struct {
	entry   string
	arg     []byte
	reply   []byte
	replied bool
	trap    string // set by a trap the host raised
	stable  *stableMemory
}

// Open opens the canister whose stable memory is kept in the file at path (created empty
// if missing). The file must be a whole number of 64 KiB pages, as a native store's file
// is; one whose store log beside it (path+"-wal") still holds messages is refused with
// ErrWALPending.
func (r *Runtime) Open(path string, cfg Config) (*Canister, error) {
	if cfg.MaxStablePages == 0 {
		cfg.MaxStablePages = store.DefaultMaxWasmPages
	}
	if cfg.MaxMessageTime > 0 && !r.timed {
		return nil, ErrNoTimeLimits
	}
	sm, err := openStable(path, cfg.MaxStablePages, cfg.Limits)
	if err != nil {
		return nil, err
	}
	return &Canister{r: r, cfg: cfg, stable: sm}, nil
}

// Close stops the canister's instance and closes its stable-memory file.
func (c *Canister) Close(ctx context.Context) error {
	var err error
	if c.inst != nil {
		err = c.inst.mod.Close(ctx)
		c.inst = nil
	}
	return errors.Join(err, c.stable.close())
}

// SetLimits changes the per-message page limits from the next message on.
func (c *Canister) SetLimits(l Limits) { c.cfg.Limits, c.stable.lim = l, l }

// SetMaxMessageTime changes the per-message time limit (Config.MaxMessageTime) from the
// next message on.
func (c *Canister) SetMaxMessageTime(d time.Duration) error {
	if d > 0 && !c.r.timed {
		return ErrNoTimeLimits
	}
	c.cfg.MaxMessageTime = d
	return nil
}

// Heap returns a copy of the instance's heap (memory 0) and its globals, as they are
// between messages; nil if no module is installed.
func (c *Canister) Heap() (mem []byte, globals []uint64) {
	if c.inst == nil {
		return nil, nil
	}
	var h heap
	c.inst.save(&h)
	return h.mem, h.globals
}

// StableMemory returns a copy of the canister's stable memory.
func (c *Canister) StableMemory() []byte { return append([]byte(nil), c.stable.bytes()...) }

// Install instantiates m as the canister's module and calls its canister_init with arg.
// If canister_init traps, nothing is installed and stable memory is as it was.
func (c *Canister) Install(ctx context.Context, m *Module, arg []byte) error {
	if c.inst != nil {
		return errors.New("install: a module is installed: upgrade it")
	}
	_, err := c.start(ctx, m, "canister_init", arg)
	return err
}

// UpgradeStats says how long the steps of an upgrade took, and what it did to stable
// memory.
type UpgradeStats struct {
	Pages       Pages
	Instantiate time.Duration // a fresh instance of the new module
	Initialize  time.Duration // its _initialize: the Go runtime and package init
	PostUpgrade time.Duration // canister_post_upgrade: the program opening its store
}

// Upgrade replaces the canister's module with m as the IC does: the old instance's
// canister_pre_upgrade (if it has one) runs, then a fresh instance of m, with a fresh heap,
// runs canister_post_upgrade with arg over the same stable memory. If any step traps, the
// upgrade is undone: the old instance and its heap stay, and stable memory is as it was.
func (c *Canister) Upgrade(ctx context.Context, m *Module, arg []byte) (UpgradeStats, error) {
	if c.inst == nil {
		return UpgradeStats{}, fmt.Errorf("upgrade: %w", ErrNotInstalled)
	}
	old, oldMod := c.inst, c.mod
	c.stable.begin()
	if c.mod.exports["canister_pre_upgrade"] {
		old.save(&c.saved)
		if _, err := c.invoke(ctx, "canister_pre_upgrade", nil); err != nil {
			c.stable.rollback()
			return UpgradeStats{}, errors.Join(err, c.restore(ctx))
		}
	}
	c.inst = nil
	times, err := c.startJournaled(ctx, m, "canister_post_upgrade", arg)
	if err != nil {
		c.stable.rollback()
		c.inst, c.mod = old, oldMod
		if c.mod.exports["canister_pre_upgrade"] {
			err = errors.Join(err, c.restore(ctx))
		}
		return times, err
	}
	times.Pages = c.stable.counts()
	if err := c.stable.commit(c.cfg.Sync); err != nil {
		return times, err
	}
	return times, old.mod.Close(ctx)
}

// start instantiates m and runs its entry (canister_init) as one journaled message.
func (c *Canister) start(ctx context.Context, m *Module, entry string, arg []byte) (UpgradeStats, error) {
	c.stable.begin()
	times, err := c.startJournaled(ctx, m, entry, arg)
	times.Pages = c.stable.counts()
	if err != nil {
		c.stable.rollback()
		return times, err
	}
	return times, c.stable.commit(c.cfg.Sync)
}

// startJournaled instantiates m, initializes it and calls entry, inside a message the
// caller began; on success m is the canister's module.
func (c *Canister) startJournaled(ctx context.Context, m *Module, entry string, arg []byte) (UpgradeStats, error) {
	var times UpgradeStats
	t0 := time.Now()
	in, err := c.r.instantiate(ctx, m)
	if err != nil {
		return times, err
	}
	times.Instantiate = time.Since(t0)
	prev, prevMod := c.inst, c.mod
	c.inst, c.mod = in, m
	fail := func(err error) (UpgradeStats, error) {
		in.mod.Close(ctx)
		c.inst, c.mod = prev, prevMod
		return times, err
	}
	t1 := time.Now()
	if m.exports["_initialize"] {
		if _, err := c.invoke(ctx, "_initialize", nil); err != nil {
			return fail(err)
		}
	}
	times.Initialize = time.Since(t1)
	t2 := time.Now()
	if m.exports[entry] {
		if _, err := c.invoke(ctx, entry, arg); err != nil {
			return fail(err)
		}
	}
	times.PostUpgrade = time.Since(t2)
	return times, nil
}

// Reply is a method's answer and what the message did to stable memory.
type Reply struct {
	Data  []byte
	Pages Pages
}

// Update calls the update method (export canister_update_<method>; Go cannot export the
// IC's "canister_update <method>") with arg. If it traps, stable memory and the heap are
// as before the call and the error is a *TrapError; the Reply's Pages say what the
// message touched before it trapped.
func (c *Canister) Update(ctx context.Context, method string, arg []byte) (Reply, error) {
	return c.message(ctx, "canister_update_"+method, arg, false)
}

// Query calls the query method (export canister_query_<method>) with arg. Whatever it
// writes, to stable memory or the heap, is discarded when it returns.
func (c *Canister) Query(ctx context.Context, method string, arg []byte) (Reply, error) {
	return c.message(ctx, "canister_query_"+method, arg, true)
}

func (c *Canister) message(ctx context.Context, entry string, arg []byte, query bool) (Reply, error) {
	if c.inst == nil {
		return Reply{}, ErrNotInstalled
	}
	if !c.mod.exports[entry] {
		return Reply{}, fmt.Errorf("%w: %s", ErrNoMethod, entry)
	}
	c.stable.begin()
	c.inst.save(&c.saved)
	msg, err := c.invoke(ctx, entry, arg)
	rep := Reply{Pages: c.stable.counts()}
	if err != nil || query {
		c.stable.rollback()
		if rerr := c.restore(ctx); rerr != nil {
			return rep, errors.Join(err, rerr)
		}
		if err != nil {
			return rep, err
		}
	} else if err := c.stable.commit(c.cfg.Sync); err != nil {
		return rep, err
	}
	rep.Data = msg.reply
	if !msg.replied {
		return rep, fmt.Errorf("%s: %w", entry, ErrNoReply)
	}
	return rep, nil
}

// invoke calls export entry of the current instance as a message with arg.
func (c *Canister) invoke(ctx context.Context, entry string, arg []byte) (*message, error) {
	msg := &message{entry: entry, arg: arg, stable: c.stable}
	c.msg = msg
	defer func() { c.msg = nil }()
	c.inst.out.reset()
	ctx = context.WithValue(ctx, canisterKey{}, c)
	if c.cfg.MaxMessageTime > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.cfg.MaxMessageTime)
		defer cancel()
	}
	_, err := c.inst.mod.ExportedFunction(entry).Call(ctx)
	if err == nil {
		return msg, nil
	}
	te := &TrapError{Entry: entry, Message: msg.trap}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) && te.Message == "" {
		te.Message = fmt.Sprintf("the message ran past the time limit of %v", c.cfg.MaxMessageTime)
	}
	if te.Message == "" {
		te.Message = err.Error()
		if s := c.inst.out.String(); s != "" {
			te.Message += "\n" + s
		}
	}
	return msg, te
}

// restore puts back the heap saved before the message: in place if the instance is
// intact and its memory did not grow; else into a fresh instance of the same module (Wasm
// memory cannot shrink, and Go's runtime refuses a memory larger than it grew it).
func (c *Canister) restore(ctx context.Context) error {
	in := c.inst
	if in.mod.IsClosed() || in.mod.Memory().Size() != uint32(len(c.saved.mem)) {
		in.mod.Close(ctx)
		fresh, err := c.r.instantiate(ctx, c.mod)
		if err != nil {
			return fmt.Errorf("restore the heap: %w", err)
		}
		mem := fresh.mod.Memory()
		if need := uint32(len(c.saved.mem)) / store.WasmPageSize; need > mem.Size()/store.WasmPageSize {
			if _, ok := mem.Grow(need - mem.Size()/store.WasmPageSize); !ok {
				fresh.mod.Close(ctx)
				return errors.New("restore the heap: cannot grow a fresh instance's memory")
			}
		}
		in, c.inst = fresh, fresh
	}
	data, _ := in.mod.Memory().Read(0, uint32(len(c.saved.mem)))
	copy(data, c.saved.mem)
	for i, g := range in.globals {
		g.Set(c.saved.globals[i])
	}
	return nil
}

// tail keeps the last 4 KiB the guest printed, for trap messages.
type tail struct{ b []byte }

func (t *tail) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > 4096 {
		t.b = append(t.b[:0], t.b[len(t.b)-4096:]...)
	}
	return len(p), nil
}

func (t *tail) reset()         { t.b = t.b[:0] }
func (t *tail) String() string { return string(t.b) }
