package main

import (
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// configDoc is the config reference users read.
const configDoc = "../../docs/config.md"

// docRow is one key row of a table in docs/config.md.
type docRow struct {
	typ, env string
	line     int
}

// docKeyRow matches a table row whose first cell is a `key`.
var docKeyRow = regexp.MustCompile("^\\|\\s*`([^`]+)`\\s*\\|")

// readConfigDoc returns the key rows of docs/config.md: key, type and the
// environment cell, from "| `key` | type | default | environment | meaning |".
func readConfigDoc(t *testing.T) map[string]docRow {
	t.Helper()
	raw, err := os.ReadFile(configDoc)
	if err != nil {
		t.Fatalf("read %s: %v", configDoc, err)
	}
	rows := map[string]docRow{}
	for i, line := range strings.Split(string(raw), "\n") {
		m := docKeyRow.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		cells := strings.Split(line, "|")
		if len(cells) < 6 {
			t.Errorf("%s:%d: key row has %d cells, want key | type | default | environment | meaning", configDoc, i+1, len(cells)-2)
			continue
		}
		if _, dup := rows[m[1]]; dup {
			t.Errorf("%s:%d: key %s documented twice", configDoc, i+1, m[1])
		}
		rows[m[1]] = docRow{typ: strings.TrimSpace(cells[2]), env: strings.TrimSpace(cells[4]), line: i + 1}
	}
	return rows
}

// configKeys walks the yaml tags of typ and returns each leaf key with its
// documented type name: "redis.url", "callers[].apiKey", ...
func configKeys(typ reflect.Type, prefix string, out map[string]string) {
	for f := range typ.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" || name == "-" {
			continue
		}
		ft := f.Type
		if ft.Kind() == reflect.Pointer { // an optional section, such as services[].breaker
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.Struct:
			configKeys(ft, prefix+name+".", out)
		case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
			configKeys(ft.Elem(), prefix+name+"[].", out)
		default:
			out[prefix+name] = docType(ft)
		}
	}
}

// docType is how docs/config.md names the type of a config field.
func docType(t reflect.Type) string {
	switch t {
	case reflect.TypeFor[Duration]():
		return "duration"
	case reflect.TypeFor[Size]():
		return "size"
	}
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "bool"
	case reflect.Int:
		return "int"
	case reflect.Float64:
		return "number"
	case reflect.Slice:
		elem := docType(t.Elem())
		if elem == "duration" {
			return "list of durations"
		}
		return "list of " + elem + "s"
	case reflect.Map:
		return "map"
	}
	return t.String()
}

// TestDocsConfigKeys: docs/config.md documents every config key with its
// type, and names no key the config does not have.
func TestDocsConfigKeys(t *testing.T) {
	t.Parallel()
	keys := map[string]string{}
	configKeys(reflect.TypeFor[Config](), "", keys)
	rows := readConfigDoc(t)
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range keys {
			if !yield(k) {
				return
			}
		}
	}) {
		row, ok := rows[k]
		if !ok {
			t.Errorf("config key %s (%s) is not documented in %s", k, keys[k], configDoc)
			continue
		}
		if row.typ != keys[k] {
			t.Errorf("%s:%d: %s has type %q, want %q", configDoc, row.line, k, row.typ, keys[k])
		}
	}
	for k, row := range rows {
		if _, ok := keys[k]; !ok {
			t.Errorf("%s:%d: documents key %s, which the config does not have", configDoc, row.line, k)
		}
	}
}

// envKeys finds the key each CALLHUB_* variable sets, by applying it to
// an empty config and seeing which field changed.
func envKeys(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, s := range envSettings {
		var c Config
		for _, v := range []string{"1", "1s", "x:1"} {
			if s.set(&c, v) == nil {
				break
			}
		}
		changed := changedKeys(reflect.ValueOf(c), "")
		if len(changed) != 1 {
			t.Fatalf("%s sets %v, want one key", s.name, changed)
		}
		out[changed[0]] = s.name
	}
	return out
}

// changedKeys lists the yaml keys of v's fields that are not zero.
func changedKeys(v reflect.Value, prefix string) []string {
	var out []string
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("yaml"), ",")
		f := v.Field(i)
		switch {
		case name == "" || f.IsZero():
		case f.Kind() == reflect.Struct:
			out = append(out, changedKeys(f, prefix+name+".")...)
		default:
			out = append(out, prefix+name)
		}
	}
	return out
}

// TestDocsConfigEnv: each key's environment cell in docs/config.md names
// exactly the CALLHUB_* variable that sets it, and "—" where none does.
func TestDocsConfigEnv(t *testing.T) {
	t.Parallel()
	env := envKeys(t)
	for k, row := range readConfigDoc(t) {
		want, ok := env[k]
		switch {
		case strings.Contains(row.env, "<ID>"):
			// callers[].apiKey and services[].apiKey: one variable per
			// entry, checked by TestLoadConfigEnvOverrides.
			if !strings.HasSuffix(k, "[].apiKey") {
				t.Errorf("%s:%d: %s: per-entry variable %s on a key that has none", configDoc, row.line, k, row.env)
			}
		case ok && row.env != "`"+want+"`":
			t.Errorf("%s:%d: %s: environment %s, want `%s`", configDoc, row.line, k, row.env, want)
		case !ok && row.env != "—":
			t.Errorf("%s:%d: %s: environment %s, but no variable sets it (write —)", configDoc, row.line, k, row.env)
		}
	}
}
