package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/callhub/callhub/hub"
)

// Exit statuses of the binary.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitInterrupted = 130 // 128 + SIGINT, as shells report Ctrl-C
)

// errHelp reports that a verb printed its usage on request: exit 0.
var errHelp = errors.New("help requested")

// errInterrupted reports that a client verb was stopped (Ctrl-C, SIGTERM)
// before it finished: exit 130, so a script tells it from a complete run.
var errInterrupted = errors.New("interrupted")

// usageError is a command line the verb cannot run: exit 2.
type usageError struct {
	verb string // "" for the binary itself
	msg  string
}

func (e *usageError) Error() string {
	if e.verb == "" {
		return e.msg
	}
	return e.verb + ": " + e.msg
}

// usageErrorf returns a *usageError for verb.
func usageErrorf(verb, format string, args ...any) error {
	return &usageError{verb: verb, msg: fmt.Sprintf(format, args...)}
}

// exitCode is the one place an error becomes an exit status. It prints
// err to stderr, unless it is nil or errHelp.
func exitCode(err error, stderr io.Writer) int {
	var ue *usageError
	switch {
	case err == nil, errors.Is(err, errHelp):
		return exitOK
	case errors.Is(err, errInterrupted):
		return exitInterrupted
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, "callhub:", err)
		if ue.verb != "" {
			fmt.Fprintf(stderr, "Run 'callhub %s --help' for usage.\n", ue.verb)
		}
		return exitUsage
	}
	fmt.Fprintln(stderr, "callhub:", err)
	return exitFailed
}

// flagSet is a verb's flags and the usage text --help prints.
type flagSet struct {
	*flag.FlagSet
	verb  string
	usage string // the synopsis and what the verb does
}

// newFlagSet returns the flags of verb. The flag package prints nothing:
// parse turns its errors into usage errors and --help into usage.
func newFlagSet(verb, usage string) *flagSet {
	fs := flag.NewFlagSet(verb, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return &flagSet{FlagSet: fs, verb: verb, usage: usage}
}

// parse parses flags anywhere among args ("--" ends them) and returns
// the positional arguments. On -h or --help it prints the usage to
// stdout and returns errHelp.
func (fs *flagSet) parse(args []string, stdout io.Writer) ([]string, error) {
	var pos []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fs.printUsage(stdout)
			return nil, errHelp
		}
		if err != nil {
			return nil, usageErrorf(fs.verb, "%v", err)
		}
		used := len(args) - fs.NArg()
		if fs.NArg() == 0 || (used > 0 && args[used-1] == "--") {
			return append(pos, fs.Args()...), nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// printUsage writes the usage text and the flags' defaults.
func (fs *flagSet) printUsage(w io.Writer) {
	fmt.Fprint(w, fs.usage)
	fmt.Fprintln(w, "\nFlags:")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// wantArgs refuses a positional argument count other than n.
func (fs *flagSet) wantArgs(pos []string, n int, what string) error {
	switch {
	case len(pos) < n:
		return usageErrorf(fs.verb, "missing %s", what)
	case len(pos) > n:
		return usageErrorf(fs.verb, "unexpected argument %q", pos[n])
	}
	return nil
}

// flagErrors is the usage error of verb for err, the hub's own refusal
// of a value (one *hub.FieldError, or several joined), with each field
// named by its flag in flags: "--path must start with /". A field with a
// name of its own under a flag ("headers.X-A") is looked up by its prefix
// ("headers."). nil when err is.
func flagErrors(verb string, err error, flags map[string]string) error {
	if err == nil {
		return nil
	}
	errs := []error{err}
	if many, ok := err.(interface{ Unwrap() []error }); ok {
		errs = many.Unwrap()
	}
	msgs := make([]string, len(errs))
	for i, e := range errs {
		var fe *hub.FieldError
		if !errors.As(e, &fe) {
			msgs[i] = e.Error()
			continue
		}
		prefix, name, _ := strings.Cut(fe.Field, ".")
		switch flag, ok := flags[fe.Field]; {
		case ok:
			msgs[i] = flag + " " + fe.Reason
		case flags[prefix+"."] != "":
			msgs[i] = fmt.Sprintf("%s %q: %s", flags[prefix+"."], name, fe.Reason)
		default:
			msgs[i] = fe.Error()
		}
	}
	return usageErrorf(verb, "%s", strings.Join(msgs, "; "))
}

// writeJSON writes v as one line of JSON. A json.RawMessage is compacted
// as it is, so the hub's own documents pass through unchanged.
func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s\n", b)
	return err
}

// keyValues collects repeated KEY=VALUE flags.
type keyValues map[string]any

func (kv keyValues) String() string { return "" }

func (kv keyValues) Set(s string) error {
	k, v, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("want KEY=VALUE, got %q", s)
	}
	kv[k] = v
	return nil
}

// subcommand runs the sub-verb args[0] of group (deliveries, endpoints).
// Without one, or with --help, it prints usage.
func subcommand(ctx context.Context, group, usage string, subs map[string]verbFunc, args []string,
	getenv func(string) string, stdout, stderr io.Writer) error {
	switch {
	case len(args) == 0:
		return usageErrorf(group, "missing sub-verb\n%s", usage)
	case isHelpFlag(args[0]) || args[0] == "help":
		fmt.Fprint(stdout, usage)
		return errHelp
	}
	f, ok := subs[args[0]]
	if !ok {
		return usageErrorf(group, "unknown sub-verb %q", args[0])
	}
	return f(ctx, args[1:], getenv, stdout, stderr)
}
