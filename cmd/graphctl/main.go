// Command graphctl is the command line of stablegraph: it creates stores, applies schemas,
// imports and exports data, runs queries (one at a time or in an interactive shell), edits
// single entities, and reports the store's shape and integrity.
//
// Every command takes --db FILE, or reads the store's path from GRAPHCTL_DB. The exit code
// says what went wrong: 0 success, 1 a user error (a bad query, bad input, something not
// found), 2 a usage error (an unknown command or flag, a missing argument), 3 a damaged
// store.
package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// defaultTimeout is how long a command waits, by default, for a store that another
// process has locked: long enough to outlast a short write, short enough to say soon who
// holds it.
const defaultTimeout = 5 * time.Second

func main() {
	os.Exit(run(os.Args[1:], newEnv()))
}

// run executes graphctl with args and returns its exit code. It is main without os.Exit,
// so that tests can drive it in-process.
func run(args []string, e *env) int {
	root := newRootCmd(e)
	root.SetArgs(args)
	err := root.Execute()
	if err != nil && !e.started {
		// Cobra failed before any command ran: an unknown command, a bad flag, a wrong
		// number of arguments.
		err = &usageError{err}
	}
	code := exitCode(err)
	if err != nil {
		fmt.Fprintf(e.stderr, "graphctl: %v\n", err)
		if code == exitUsage {
			fmt.Fprintln(e.stderr, "Run 'graphctl --help' for usage.")
		}
	}
	return code
}

// env is what the commands see of the world: their streams, the environment variables and
// the global flags. Tests replace it to drive graphctl in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// stdinTTY and stderrTTY say whether the streams are terminals, for the interactive
	// shell and the progress bar.
	stdinTTY, stderrTTY bool

	db        string        // --db
	server    string        // --server
	tokenFile string        // --token-file
	stale     bool          // --stale
	timeout   time.Duration // --timeout
	started   bool          // a command's own code began to run
}

func newEnv() *env {
	return &env{
		stdin:     os.Stdin,
		stdout:    os.Stdout,
		stderr:    os.Stderr,
		getenv:    os.Getenv,
		stdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
	}
}

// newRootCmd builds the command tree.
func newRootCmd(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "graphctl",
		Short: "Build, query and inspect stablegraph stores",
		Long: `graphctl builds, queries and inspects stablegraph stores: entity graphs kept in
B-trees in one stable-memory file, where every message knows how many 4 KiB pages it touched.

Every command works on the store named by --db FILE or, without it, by $GRAPHCTL_DB;
or on the store a 'graphctl serve' serves, with --server URL or $GRAPHCTL_SERVER.

Exit codes: 0 success, 1 user error (bad query, bad input, not found),
2 usage error, 3 store damaged.`,
		Example: `  graphctl demo
  graphctl init --db world.sgdb
  graphctl import --db world.sgdb --format ntriples data.nt
  graphctl query --db world.sgdb 'FIND player WHERE health < 10 SELECT name, health'
  graphctl query --db world.sgdb --explain 'FIND player WHERE member_of -> guild/1'
  graphctl stats --db world.sgdb
  graphctl serve --db world.sgdb --addr 127.0.0.1:7070 &
  graphctl query --server http://127.0.0.1:7070 'FIND player COUNT'`,
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			dbSet, serverSet := cmd.Flags().Changed("db"), cmd.Flags().Changed("server")
			if dbSet && serverSet {
				return usagef("give --db FILE or --server URL, not both")
			}
			if !dbSet {
				e.db = e.getenv("GRAPHCTL_DB")
			}
			if !serverSet && !dbSet {
				e.server = e.getenv("GRAPHCTL_SERVER")
			}
			if e.stale && e.server == "" {
				return usagef("--stale reads a replica's copy: give it with --server URL")
			}
			return nil
		},
	}
	root.SetIn(e.stdin)
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &usageError{err} })
	root.PersistentFlags().StringVar(&e.db, "db", "", "the store file (default $GRAPHCTL_DB)")
	root.PersistentFlags().StringVar(&e.server, "server", "", "use the store a 'graphctl serve' serves at URL (default $GRAPHCTL_SERVER)")
	root.PersistentFlags().StringVar(&e.tokenFile, "token-file", "", "the server's token, for --server (default $GRAPHCTL_TOKEN, or the file serve made)")
	root.PersistentFlags().BoolVar(&e.stale, "stale", false, "with --server URL of a replica: read its own copy even if it is a follower (it may lag its leader; the lag is shown)")
	root.PersistentFlags().DurationVar(&e.timeout, "timeout", defaultTimeout, "how long to wait for a store another process has locked (0: fail at once)")

	root.AddGroup(
		&cobra.Group{ID: "start", Title: "Getting started:"},
		&cobra.Group{ID: "data", Title: "Data:"},
		&cobra.Group{ID: "inspect", Title: "Inspection:"},
	)
	for _, c := range []struct {
		group string
		cmd   *cobra.Command
	}{
		{"start", newDemoCmd(e)},
		{"start", newInitCmd(e)},
		{"start", newSchemaCmd(e)},
		{"data", newQueryCmd(e)},
		{"data", newImportCmd(e)},
		{"data", newExportCmd(e)},
		{"data", newGetCmd(e)},
		{"data", newSetCmd(e)},
		{"data", newLinkCmd(e)},
		{"data", newUnlinkCmd(e)},
		{"data", newDeleteCmd(e)},
		{"inspect", newStatsCmd(e)},
		{"inspect", newVerifyCmd(e)},
		{"inspect", newMapCmd(e)},
		{"inspect", newAnalyzeCmd(e)},
		{"inspect", newReportCmd(e)},
		{"inspect", newServeCmd(e)},
		{"inspect", newClusterCmd(e)},
	} {
		c.cmd.GroupID = c.group
		root.AddCommand(c.cmd)
	}
	markStart(root, e)
	return root
}

// markStart makes every command record, as its own code begins, that cobra's checks of
// the command line passed: an error before that is a usage error.
func markStart(c *cobra.Command, e *env) {
	if run := c.RunE; run != nil {
		c.RunE = func(cmd *cobra.Command, args []string) error {
			e.started = true
			return run(cmd, args)
		}
	}
	for _, sub := range c.Commands() {
		markStart(sub, e)
	}
}

// needDB returns the store path, or a usage error if neither --db nor GRAPHCTL_DB gives one.
func (e *env) needDB() (string, error) {
	if e.db == "" {
		return "", usagef("no store given: use --db FILE or set GRAPHCTL_DB")
	}
	return e.db, nil
}
