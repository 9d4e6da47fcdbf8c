// Command benchreport runs the benchmarks of package bench and writes their results as
// bench/RESULTS.md: per workload and scale, the time of each system and its ratio to our
// store's, and our store's pages per operation beside their physical minimum. Every number
// in the file comes from the run it starts, and the file records the exact command.
//
// Usage, from anywhere in the module:
//
//	go run ./bench/cmd/benchreport                     # 1e4, 1e5 and 1e6 players
//	go run ./bench/cmd/benchreport -short              # 1e4 only, quickly
//	go run ./bench/cmd/benchreport -scales 1e4,1e7 -benchtime 1s
//	go run ./bench/cmd/benchreport -large 1e7 -large-systems ours,gobheap,heapecs,arche
//	go run ./bench/cmd/benchreport -kuzu-only           # only the comparison with Kùzu
//
// -large runs a second go test over larger worlds with only the systems named, for scales at
// which loading every baseline would take too long; its rows join the same tables.
//
// A full run also compares the store with Kùzu at 10^5 players (kuzu.go): it needs Node.js and
// npm, runs `npm ci` in bench/kuzu, and says in its section when they are missing; -short
// leaves it out unless -kuzu is given. -kuzu-only runs that comparison alone and replaces
// its section of the existing file, leaving the others as they are.
//
// The go test output streams to standard error as it runs.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

// config is what the flags say.
type config struct {
	short     bool
	scales    string
	benchtime string
	bench     string
	out       string
	timeout   string
	large     string
	largeSys  string
	count     int
	kuzu      bool
	kuzuOnly  bool
	kuzuWarm  int
	kuzuRuns  int
}

func run(args []string, progress io.Writer) error {
	var c config
	fs := flag.NewFlagSet("benchreport", flag.ContinueOnError)
	fs.BoolVar(&c.short, "short", false, "quick run: pass -short to go test (1e4 players unless -scales says otherwise)")
	fs.StringVar(&c.scales, "scales", "", "comma-separated numbers of players (default: 1e4,1e5,1e6; 1e4 with -short)")
	fs.StringVar(&c.benchtime, "benchtime", "200ms", "go test -benchtime for each sub-benchmark")
	fs.StringVar(&c.bench, "bench", ".", "go test -bench pattern")
	fs.StringVar(&c.out, "o", "", "file to write (default: RESULTS.md in the bench package's directory)")
	fs.StringVar(&c.timeout, "timeout", "90m", "go test -timeout")
	fs.IntVar(&c.count, "count", 1, "go test -count: run each sub-benchmark this many times and report the medians")
	fs.StringVar(&c.large, "large", "", "comma-separated larger scales to run in a second go test, with only -large-systems")
	fs.StringVar(&c.largeSys, "large-systems", "ours,gobheap,heapecs,arche", "the systems of the -large run")
	fs.BoolVar(&c.kuzu, "kuzu", true, "compare with Kùzu at 1e5 players (needs node and npm; off with -short unless given)")
	fs.BoolVar(&c.kuzuOnly, "kuzu-only", false, "run only the comparison with Kùzu and replace its section of the -o file")
	fs.IntVar(&c.kuzuWarm, "kuzu-warm", 50, "untimed warm-up runs of each query in the comparison with Kùzu")
	fs.IntVar(&c.kuzuRuns, "kuzu-runs", 500, "timed runs of each query in the comparison with Kùzu")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.kuzuWarm < 0 || c.kuzuRuns < 1 {
		return errors.New("-kuzu-warm must be at least 0 and -kuzu-runs at least 1")
	}
	kuzuSet := false
	fs.Visit(func(f *flag.Flag) { kuzuSet = kuzuSet || f.Name == "kuzu" })
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	if c.out == "" {
		c.out = filepath.Join(root, "bench", "RESULTS.md")
	}
	if c.kuzuOnly {
		return runKuzuOnly(root, c, progress)
	}

	base := []string{"test", "-run", "^$", "-bench", c.bench, "-benchtime", c.benchtime, "-timeout", c.timeout}
	if c.count > 1 {
		base = append(base, "-count", strconv.Itoa(c.count))
	}
	if c.short {
		base = append(base, "-short")
	}
	base = append(base, "./bench/")
	main := slices.Clone(base)
	if c.scales != "" {
		main = append(main, "-args", "-scales", c.scales)
	}
	runs := [][]string{main}
	if c.large != "" {
		runs = append(runs, append(slices.Clone(base), "-args", "-scales", c.large, "-systems", c.largeSys))
	}
	self := "go run ./bench/cmd/benchreport"
	if len(args) > 0 {
		self += " " + quoteArgs(args)
	}

	env := environment(root)
	env.loadBefore = loadavg()
	start := time.Now()
	var out bytes.Buffer
	var commands []string
	for _, goArgs := range runs {
		commands = append(commands, "go "+quoteArgs(goArgs))
		fmt.Fprintf(progress, "benchreport: running go %s\n", quoteArgs(goArgs))
		cmd := exec.Command("go", goArgs...)
		cmd.Dir = root
		cmd.Stdout = io.MultiWriter(&out, progress)
		cmd.Stderr = progress
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go %s: %w", quoteArgs(goArgs), err)
		}
	}
	env.elapsed = time.Since(start)
	env.loadAfter = loadavg()

	var kz kuzuRun
	switch {
	case !c.kuzu:
		kz.skipped = "`-kuzu=false` was given."
	case c.short && !kuzuSet:
		kz.skipped = "`-short` was given (the comparison is at 10^5 players); `-kuzu` runs it with `-short` too."
	default:
		kz = runKuzu(root, c.kuzuWarm, c.kuzuRuns, progress)
	}

	res, err := parse(&out)
	if err != nil {
		return err
	}
	if len(res) == 0 {
		return errors.New("go test reported no benchmark results")
	}
	var kept []string
	if old, err := os.ReadFile(c.out); err == nil {
		kept = handWritten(string(old))
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	doc := render(report{
		kept:    kept,
		self:    self,
		goTest:  commands,
		env:     env,
		results: merge(res),
		raw:     out.String(),
		kuzu:    renderKuzu(kz),
	})
	if err := os.WriteFile(c.out, []byte(doc), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(progress, "benchreport: wrote %s\n", c.out)
	if kz.err != nil {
		return fmt.Errorf("%w: %w", errKuzuFailed, kz.err)
	}
	return nil
}

// runKuzuOnly runs the comparison with Kùzu alone and writes its section into c.out in place
// of the one there (a file with that section alone if there is none). Without node or npm it
// fails, saying so, and leaves the file as it was.
func runKuzuOnly(root string, c config, progress io.Writer) error {
	old, err := os.ReadFile(c.out)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	k := runKuzu(root, c.kuzuWarm, c.kuzuRuns, progress)
	if k.skipped != "" {
		// Asked for this section alone: say why it cannot run, and keep the file's old one.
		return fmt.Errorf("-kuzu-only: %s", strings.ReplaceAll(k.skipped, "`", ""))
	}
	doc := replaceSection(string(old), renderKuzu(k))
	if err := os.WriteFile(c.out, []byte(doc), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(progress, "benchreport: wrote the comparison with Kùzu into %s\n", c.out)
	if k.err != nil {
		return fmt.Errorf("%w: %w", errKuzuFailed, k.err)
	}
	return nil
}

// moduleRoot returns the directory of the go.mod that holds the working directory.
func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside a Go module: run benchreport from the stablegraph module")
	}
	return filepath.Dir(mod), nil
}

// quoteArgs joins args as a shell would need them typed.
func quoteArgs(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " $^*?'\"\\|&;<>()[]{}") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		q[i] = a
	}
	return strings.Join(q, " ")
}

// env describes the machine and the run.
type env struct {
	date                  time.Time
	goVersion             string
	cpu                   string
	cores                 int
	memory                string
	kernel                string
	commit                string
	loadBefore, loadAfter string
	elapsed               time.Duration
}

func environment(root string) env {
	e := env{date: time.Now().UTC(), cores: runtime.NumCPU(), cpu: "unknown", memory: "unknown", kernel: runtime.GOOS}
	if out, err := exec.Command("go", "version").Output(); err == nil {
		e.goVersion = strings.TrimSpace(string(out))
	} else {
		e.goVersion = runtime.Version()
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				e.cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			var kb int64
			if _, err := fmt.Sscanf(sc.Text(), "MemTotal: %d kB", &kb); err == nil {
				e.memory = fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		e.kernel = "Linux " + strings.TrimSpace(string(b))
	}
	cmd := exec.Command("git", "describe", "--always", "--dirty")
	cmd.Dir = root
	if out, err := cmd.Output(); err == nil {
		e.commit = strings.TrimSpace(string(out))
	}
	return e
}

// loadavg returns the 1-, 5- and 15-minute load averages, or "" where there are none.
func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}
