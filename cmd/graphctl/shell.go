package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/peterh/liner"

	"github.com/stablegraph/stablegraph/query"
)

// lineReader reads the shell's input one line at a time. The terminal's is a liner.State;
// tests give a scripted one.
type lineReader interface {
	Prompt(prompt string) (string, error)
	AppendHistory(item string)
	Close() error
}

// linerReader is the terminal's line editor, with history kept in ~/.graphctl_history.
type linerReader struct {
	*liner.State
	history string
}

func newLinerReader() *linerReader {
	l := &linerReader{State: liner.NewLiner()}
	l.SetCtrlCAborts(true)
	l.SetMultiLineMode(true)
	if home, err := os.UserHomeDir(); err == nil {
		l.history = filepath.Join(home, ".graphctl_history")
		if f, err := os.Open(l.history); err == nil {
			_, _ = l.ReadHistory(f)
			f.Close()
		}
	}
	l.SetWordCompleter(completeWord)
	return l
}

func (l *linerReader) Close() error {
	if l.history != "" {
		if f, err := os.Create(l.history); err == nil {
			_, _ = l.WriteHistory(f)
			f.Close()
		}
	}
	return l.State.Close()
}

// completeWord completes keywords and dot commands at the cursor.
func completeWord(line string, pos int) (head string, completions []string, tail string) {
	start := strings.LastIndexAny(line[:pos], " \t(") + 1
	head, word, tail := line[:start], line[start:pos], line[pos:]
	if word == "" {
		return head, nil, tail
	}
	words := []string{"FIND", "WHERE", "SELECT", "COUNT", "ORDER BY", "ASC", "DESC", "LIMIT", "BUDGET",
		"EXPLAIN", "AND", "OR", "NOT", "HAS", "BETWEEN", "ANY", "IRI"}
	if start == 0 {
		words = append(words, ".help", ".mode", ".explain", ".iri", ".budget", ".schema", ".stats", ".quit")
	}
	for _, w := range words {
		if strings.HasPrefix(strings.ToUpper(w), strings.ToUpper(word)) {
			if word == strings.ToLower(word) && !strings.HasPrefix(w, ".") {
				w = strings.ToLower(w)
			}
			completions = append(completions, w)
		}
	}
	return head, completions, tail
}

const shellHelp = `Enter a query, ended by ';' or an empty line; it may span lines:
  FIND kind [WHERE cond] [SELECT col, … | COUNT] [ORDER BY col [ASC|DESC]] [LIMIT n] [BUDGET n]
  EXPLAIN FIND …        the plan and its estimated pages, without running

Dot commands:
  .help                 this text
  .mode table|json|csv  how results are printed
  .explain on|off       print plans instead of running queries
  .iri on|off           start rows with the entity's IRI (or _:b<id>) instead of its URI
  .budget N             stop queries that would read more than N pages (0: no limit)
  .schema               the kinds, columns and verbs of the store
  .stats                the shape of every variable
  .quit                 leave (or Ctrl-D)
`

// runShell reads queries and dot commands until the input ends or .quit.
func runShell(e *env, b backend, in lineReader, qs querySettings) error {
	defer in.Close()
	if l, ok := b.(local); ok {
		fmt.Fprintf(e.stdout, "graphctl %s (scope %s). Enter .help for help.\n", l.h.path, l.h.db.Scope())
	} else {
		fmt.Fprintf(e.stdout, "graphctl %s. Enter .help for help.\n", e.server)
	}
	var buf []string
	for {
		prompt := "graphctl> "
		if len(buf) > 0 {
			prompt = "     ...> "
		}
		line, err := in.Prompt(prompt)
		switch {
		case errors.Is(err, liner.ErrPromptAborted):
			buf = nil
			continue
		case errors.Is(err, io.EOF):
			fmt.Fprintln(e.stdout)
			return nil
		case err != nil:
			return err
		}
		trimmed := strings.TrimSpace(line)
		if len(buf) == 0 && strings.HasPrefix(trimmed, ".") {
			in.AppendHistory(trimmed)
			quit, err := shellCommand(e, b, trimmed, &qs)
			if err != nil {
				fmt.Fprintf(e.stderr, "error: %v\n", err)
			}
			if quit {
				return nil
			}
			continue
		}
		if trimmed == "" && len(buf) == 0 {
			continue
		}
		buf = append(buf, line)
		if trimmed != "" && !strings.HasSuffix(trimmed, ";") {
			continue
		}
		text := strings.Join(buf, "\n")
		buf = nil
		in.AppendHistory(strings.Join(strings.Fields(text), " "))
		for _, q := range query.Split(text) {
			if err := runQuery(context.Background(), e, b, q, qs); err != nil {
				fmt.Fprintf(e.stderr, "error: %v\n", err)
			}
		}
	}
}

// shellCommand runs a dot command and reports whether it ends the shell.
func shellCommand(e *env, b backend, line string, qs *querySettings) (quit bool, err error) {
	fields := strings.Fields(line)
	arg := ""
	if len(fields) > 1 {
		arg = fields[1]
	}
	switch fields[0] {
	case ".help":
		fmt.Fprint(e.stdout, shellHelp)
	case ".quit", ".exit":
		return true, nil
	case ".mode":
		if arg == "" {
			fmt.Fprintln(e.stdout, qs.format)
			return false, nil
		}
		f, err := parseFormat(arg)
		if err != nil {
			return false, err
		}
		qs.format = f
	case ".iri":
		return false, onOff(e, ".iri", arg, &qs.iri)
	case ".explain":
		return false, onOff(e, ".explain", arg, &qs.explain)
	case ".budget":
		if arg == "" {
			fmt.Fprintln(e.stdout, qs.budget)
			return false, nil
		}
		n, err := strconv.ParseUint(arg, 10, 64)
		if err != nil {
			return false, fmt.Errorf(".budget N: %w", err)
		}
		qs.budget = n
	case ".schema":
		sc, err := b.Schema(context.Background())
		if err != nil {
			return false, err
		}
		return false, writeSchemaTable(e.stdout, schemaFileOf(sc), sc.Values, sc.Statistics, formatTable)
	case ".stats":
		s, err := b.Stats(context.Background())
		if err != nil {
			return false, err
		}
		return false, writeTable(e.stdout, statsColumns, statsRows(s))
	default:
		return false, fmt.Errorf("unknown command %s; enter .help for help", fields[0])
	}
	return false, nil
}

// onOff sets a shell setting from "on" or "off", or prints it when arg is empty.
func onOff(e *env, name, arg string, setting *bool) error {
	switch arg {
	case "on":
		*setting = true
	case "off":
		*setting = false
	case "":
		fmt.Fprintln(e.stdout, map[bool]string{true: "on", false: "off"}[*setting])
	default:
		return fmt.Errorf("%s on|off, not %q", name, arg)
	}
	return nil
}
