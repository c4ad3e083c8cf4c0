package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// withLines prefixes each *keyError in errs with "line N: ", N being the
// line of its key in doc, when the file has that key. A key on a line
// whose ${VAR} could not be expanded is dropped: the variable is the
// problem, and is reported.
func withLines(errs []error, doc *yaml.Node) []error {
	varLines := map[int]bool{}
	for _, err := range errs {
		var ve *varError
		if errors.As(err, &ve) {
			varLines[ve.Line] = true
		}
	}
	var out []error
	for _, err := range errs {
		var ke *keyError
		if errors.As(err, &ke) {
			line := ke.Line
			if line == 0 {
				line = keyLine(doc, ke.Key)
			}
			if varLines[line] {
				continue
			}
			if line > 0 {
				err = fmt.Errorf("line %d: %w", line, err)
			}
		}
		out = append(out, err)
	}
	return out
}

// keyLine returns the line of the setting at path ("limits.wsSendBuffer",
// "callers[1].apiKey", "redis.addrs[0]") in doc, or 0 when doc does not
// hold it.
func keyLine(doc *yaml.Node, path string) int {
	if doc == nil || doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return 0
	}
	n, line := doc.Content[0], 0
	for _, part := range strings.Split(path, ".") {
		name, index, hasIndex := splitIndex(part)
		if n, line = mapValue(n, name); n == nil {
			return 0
		}
		if hasIndex {
			if n.Kind != yaml.SequenceNode || index >= len(n.Content) {
				return 0
			}
			n = n.Content[index]
			line = n.Line
		}
	}
	return line
}

// splitIndex splits "callers[1]" into "callers" and 1.
func splitIndex(part string) (name string, index int, ok bool) {
	name, rest, ok := strings.Cut(part, "[")
	if !ok {
		return part, 0, false
	}
	index, err := strconv.Atoi(strings.TrimSuffix(rest, "]"))
	return name, index, err == nil && index >= 0
}

// mapValue returns the value of key in mapping n, and the key's line.
func mapValue(n *yaml.Node, key string) (*yaml.Node, int) {
	if n.Kind != yaml.MappingNode {
		return nil, 0
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1], n.Content[i].Line
		}
	}
	return nil, 0
}

// keyAt returns the path ("retention", "callers[1].apiKey") of the scalar
// value at line and column of doc, or "" when there is none. Column 0
// matches any column of the line, and then value, when not "", the
// scalar's value: one value must match.
func keyAt(doc *yaml.Node, line, col int, value string) string {
	if doc == nil || doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return ""
	}
	var found []string
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(n.Content[i+1], strings.TrimPrefix(path+"."+n.Content[i].Value, "."))
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(c, fmt.Sprintf("%s[%d]", path, i))
			}
		default:
			if n.Line == line && (n.Column == col || col == 0 && (value == "" || n.Value == value)) {
				found = append(found, path)
			}
		}
	}
	walk(doc.Content[0], "")
	if len(found) != 1 {
		return ""
	}
	return found[0]
}
