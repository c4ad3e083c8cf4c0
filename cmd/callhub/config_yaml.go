package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// varRef matches a ${VAR} reference; $VAR alone is left as written.
var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// decodeConfig expands ${VAR} references in raw and decodes it into cfg,
// refusing keys the Config does not have. It returns the document's node
// tree, for the lines of keys, with every problem it found; the tree is
// nil when raw is not YAML at all, and cfg is then left as it was.
func decodeConfig(raw []byte, getenv func(string) string, cfg *Config) (*yaml.Node, error) {
	expanded, envErr := expandEnv(raw, getenv)
	doc := &yaml.Node{}
	if err := yaml.Unmarshal(expanded, doc); err != nil {
		return nil, errors.Join(envErr, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(expanded))
	dec.KnownFields(true)
	err := dec.Decode(cfg)
	if errors.Is(err, io.EOF) { // an empty file, or only comments
		err = nil
	}
	return doc, errors.Join(envErr, yamlError(err, doc))
}

// expandEnv replaces each ${VAR} with getenv(VAR), line by line, so that
// YAML errors keep their line numbers. A variable that is unset (or empty)
// or holds a newline is an error naming it and its line, and expands to
// nothing, so the rest of the file can still be checked. Whole-line
// comments are left alone.
func expandEnv(raw []byte, getenv func(string) string) ([]byte, error) {
	lines := bytes.Split(raw, []byte("\n"))
	var errs []error
	for i, line := range lines {
		if bytes.HasPrefix(bytes.TrimSpace(line), []byte("#")) {
			continue
		}
		lines[i] = varRef.ReplaceAllFunc(line, func(ref []byte) []byte {
			name := string(ref[2 : len(ref)-1])
			v := getenv(name)
			switch {
			case v == "":
				errs = append(errs, &varError{Line: i + 1, Name: name, Why: "is not set in the environment"})
			case strings.ContainsAny(v, "\r\n"):
				errs = append(errs, &varError{Line: i + 1, Name: name, Why: "holds a newline"})
				v = ""
			}
			return []byte(v)
		})
	}
	return bytes.Join(lines, []byte("\n")), errors.Join(errs...)
}

// varError is a ${VAR} reference that cannot be expanded.
type varError struct {
	Line int
	Name string
	Why  string
}

func (e *varError) Error() string { return fmt.Sprintf("line %d: ${%s} %s", e.Line, e.Name, e.Why) }

// unknownField matches yaml.v3's error for a key the struct lacks.
var unknownField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type main\.(\w+)$`)

// sections maps each config type to the key path its fields live under
// ("Config": "", "RedisConfig": "redis.", "CallerConfig": "callers[]."),
// read off Config's yaml tags so that a new section is named without
// being listed here.
var sections = func() map[string]string {
	m := map[string]string{}
	var walk func(t reflect.Type, path string)
	walk = func(t reflect.Type, path string) {
		m[t.Name()] = path
		for f := range t.Fields() {
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			ft, suffix := f.Type, "."
			if ft.Kind() == reflect.Slice {
				ft, suffix = ft.Elem(), "[]."
			}
			if ft.Kind() == reflect.Struct && name != "" && name != "-" && ft.PkgPath() == t.PkgPath() {
				walk(ft, path+name+suffix)
			}
		}
	}
	walk(reflect.TypeFor[Config](), "")
	return m
}()

// valueError matches a bad value's error: yaml.v3's ("line N: cannot
// unmarshal …") or lineError's, which adds the column.
var valueError = regexp.MustCompile(`^line (\d+)(?: column (\d+))?: (.*)$`)

// quotedValue is the value yaml.v3 quotes in a type error: "cannot
// unmarshal !!str `abc` into int".
var quotedValue = regexp.MustCompile("`([^`]*)`")

// yamlError splits a yaml.TypeError into one error per problem, words an
// unknown field as `line N: unknown key "section.key"`, and names the key
// of a bad value, found in doc: `line N: retention: invalid duration`.
func yamlError(err error, doc *yaml.Node) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return err
	}
	errs := make([]error, len(te.Errors))
	for i, msg := range te.Errors {
		if m := unknownField.FindStringSubmatch(msg); m != nil {
			msg = fmt.Sprintf("line %s: unknown key %q", m[1], sections[m[3]]+m[2])
		} else if m := valueError.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			col, _ := strconv.Atoi(m[2]) // 0 when yaml.v3 gave none, but the value
			var value string
			if v := quotedValue.FindStringSubmatch(m[3]); v != nil {
				value = v[1]
			}
			if key := keyAt(doc, line, col, value); key != "" {
				errs[i] = &keyError{Key: key, Why: m[3], Line: line}
				continue
			}
			msg = fmt.Sprintf("line %d: %s", line, m[3])
		}
		errs[i] = errors.New(msg)
	}
	return errors.Join(errs...)
}
