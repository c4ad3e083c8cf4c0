package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"

	"github.com/callhub/callhub/hub"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// decodeJSON reads one JSON object into v, rejecting unknown fields, and
// turns every decoding failure into a hub.FieldError naming the field; the
// object itself is "body".
func decodeJSON(r io.Reader, v any) error { return decodeNamed("body", r, v) }

// decodeNamed is decodeJSON for an object the client knows by another
// name than "body": a multipart part ("request", "reply") or a WebSocket
// frame ("frame"). The bytes read are kept to name a bad field.
func decodeNamed(name string, r io.Reader, v any) error {
	var doc bytes.Buffer
	return decodeFrom(name, io.TeeReader(r, &doc), v, doc.Bytes)
}

// decodeBytes is decodeNamed for a document already in memory, b, which
// it does not copy.
func decodeBytes(name string, b []byte, v any) error {
	return decodeFrom(name, bytes.NewReader(b), v, func() []byte { return b })
}

// decodeFrom decodes the one JSON object r holds into v; doc returns the
// bytes read so far, to name a bad field.
func decodeFrom(name string, r io.Reader, v any, doc func() []byte) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return jsonError(name, err, reflect.TypeOf(v), doc())
	}
	if bytes.HasPrefix(bytes.TrimLeft(doc(), " \t\r\n"), []byte("null")) {
		return hub.Invalid(name, "must be a JSON object, got JSON null") // encoding/json takes null for nothing
	}
	if dec.More() {
		return hub.Invalid(name, "must hold exactly one JSON object")
	}
	return nil
}

// readBody reads a whole request body. A body that cannot be read to its
// end (malformed chunking, shorter than its Content-Length) is bad input
// in the field "body"; a body over the limit stays a MaxBytesError.
func readBody(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(r)
	var tooBig *http.MaxBytesError
	if err != nil && !errors.As(err, &tooBig) {
		return nil, hub.Invalid("body", "unreadable: %v", err)
	}
	return b, err
}

// jsonError turns an error decoding doc into root (a pointer type) into
// a hub.FieldError naming the field as the client wrote it and what it
// must be, never a Go type. name is the whole object's.
func jsonError(name string, err error, root reflect.Type, doc []byte) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return err
	case errors.As(err, &typeErr):
		return typeError(name, typeErr, root, doc)
	case errors.As(err, &syntaxErr):
		return hub.Invalid(name, "malformed JSON at byte %d: %v", syntaxErr.Offset, err)
	case errors.Is(err, io.EOF):
		return hub.Invalid(name, "required: a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return hub.Invalid(name, "truncated JSON")
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		key := strings.Trim(f, `"`)
		if path, ok := unknownPath(doc, indirect(root), key); ok {
			return hub.Invalid(path, "unknown field")
		}
		return hub.Invalid(key, "unknown field")
	}
	return hub.Invalid(name, "%v", err)
}

// intRanges are the documented ranges of integer fields, by JSON name.
var intRanges = map[string]string{"seq": "from 1 to " + itoa(hub.MaxSeq),
	"timeoutMs": "from 0 to " + itoa(hub.MaxTimeoutMs)}

func typeError(name string, e *json.UnmarshalTypeError, root reflect.Type, doc []byte) error {
	field, jsonName := fieldPath(root, e.Field, e.Type, doc)
	if field == "" {
		field = name
	}
	got, lit, _ := strings.Cut(e.Value, " ") // "number 1.5"
	t := indirect(e.Type)
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		want := "an integer"
		if r, ok := intRanges[jsonName]; ok {
			want += " " + r
		} else if lit != "" && !strings.ContainsAny(lit, ".eE") {
			// An integer that does not fit: say which do.
			bits := t.Bits()
			want += " from " + itoa(-1<<(bits-1)) + " to " + itoa(1<<(bits-1)-1)
		}
		if got == "number" { // a fraction, an exponent, or out of range
			return hub.Invalid(field, "must be %s", want)
		}
		return hub.Invalid(field, "must be %s, got JSON %s", want, got)
	}
	return hub.Invalid(field, "must be %s, got JSON %s", typeName(t), got)
}

// typeName says what a value of type t is in JSON, for a client.
func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return "a JSON object"
	case reflect.Slice, reflect.Array:
		return "a JSON array"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Float32, reflect.Float64:
		return "a number"
	}
	return "another JSON value"
}

// fieldPath turns the path encoding/json gives a value of type bad that
// does not fit (Go's: "Request.callback.url", "Request.headers") into the
// client's ("callback.url", "headers.X-Trace"): without the names of
// embedded structs, and with the key of a map's bad value, which
// encoding/json leaves out, found in doc. jsonName is the JSON name of the
// last struct field on the path.
func fieldPath(root reflect.Type, goPath string, bad reflect.Type, doc []byte) (path, jsonName string) {
	var elems, keys []string
	if goPath != "" {
		elems = strings.Split(goPath, ".")
	}
	t := indirect(root)
	for i, c := range elems {
		switch t.Kind() {
		case reflect.Struct:
			f, named := structField(t, c)
			if f == nil { // a path without embedded names, as encoding/json v2 gives
				return strings.Join(append(keys, elems[i:]...), "."), jsonName
			}
			if named {
				keys, jsonName = append(keys, c), jsonFieldName(*f)
			}
			t = indirect(f.Type)
		case reflect.Map:
			keys, t = append(keys, c), indirect(t.Elem()) // a key: encoding/json v2 names it
		default:
			keys = append(keys, c)
		}
	}
	if t.Kind() == reflect.Map && t != indirect(bad) {
		if k, ok := badKey(doc, keys, t.Elem()); ok {
			keys = append(keys, k)
		}
	}
	return strings.Join(keys, "."), jsonName
}

func indirect(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// structField finds the path element c in struct t: a field by its JSON
// name (named), or an embedded struct by its Go name, which encoding/json
// puts in paths.
func structField(t reflect.Type, c string) (_ *reflect.StructField, named bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		jn := jsonFieldName(f)
		if jn != "" && strings.EqualFold(jn, c) || jn == "" && f.Anonymous && f.Name == c {
			return &f, jn != ""
		}
	}
	return nil, false
}

// jsonFieldName is the JSON name of struct field f: none for a field
// encoding/json leaves alone, or for an untagged embedded struct, whose
// fields are the outer struct's.
func jsonFieldName(f reflect.StructField) string {
	name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
	switch {
	case name == "-":
		return ""
	case name != "":
		return name
	case f.Anonymous && indirect(f.Type).Kind() == reflect.Struct:
		return ""
	}
	return f.Name
}

// unknownPath is the path ("callback.foo") of the first key named key, in
// the order doc has them, that no field of the struct it sits in takes:
// encoding/json names an unknown field without its path.
func unknownPath(doc []byte, t reflect.Type, key string) (string, bool) {
	t = indirect(t)
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		var elems []json.RawMessage
		if json.Unmarshal(doc, &elems) != nil {
			return "", false
		}
		for _, e := range elems {
			if p, ok := unknownPath(e, t.Elem(), key); ok {
				return p, true
			}
		}
		return "", false
	case reflect.Struct, reflect.Map:
	default:
		return "", false
	}
	var path string
	var found bool
	eachMember(doc, func(k string, raw json.RawMessage) bool {
		var ft reflect.Type
		if t.Kind() == reflect.Map {
			ft = t.Elem()
		} else if f, ok := promotedField(t, k); ok {
			ft = f.Type
		} else { // a key no field takes: the unknown one, if it is named so
			path, found = k, k == key
			return found
		}
		if p, ok := unknownPath(raw, ft, key); ok {
			path, found = k+"."+p, true
		}
		return found
	})
	return path, found
}

// eachMember calls fn with each key and value of the JSON object doc, in
// order, until fn returns true. A doc that is not an object has none.
func eachMember(doc []byte, fn func(key string, value json.RawMessage) bool) {
	dec := json.NewDecoder(bytes.NewReader(doc))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return
	}
	for dec.More() {
		tok, err := dec.Token()
		var raw json.RawMessage
		if err != nil || dec.Decode(&raw) != nil {
			return
		}
		key, _ := tok.(string)
		if fn(key, raw) {
			return
		}
	}
}

// promotedField finds the field of struct t that JSON key k decodes into,
// looking into embedded structs as encoding/json does.
func promotedField(t reflect.Type, k string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if jn := jsonFieldName(f); jn != "" {
			if strings.EqualFold(jn, k) {
				return f, true
			}
		} else if f.Anonymous && indirect(f.Type).Kind() == reflect.Struct && f.Tag.Get("json") != "-" {
			if g, ok := promotedField(indirect(f.Type), k); ok {
				return g, true
			}
		}
	}
	return reflect.StructField{}, false
}

// badKey is the first key, in the order doc has them, of the object at
// path (keys matched ignoring case, as encoding/json matches them) whose
// value does not decode into elem.
func badKey(doc []byte, path []string, elem reflect.Type) (string, bool) {
	var bad string
	var found bool
	eachMember(doc, func(key string, raw json.RawMessage) bool {
		switch {
		case len(path) == 0:
			bad, found = key, json.Unmarshal(raw, reflect.New(elem).Interface()) != nil
		case strings.EqualFold(key, path[0]):
			bad, found = badKey(raw, path[1:], elem)
		}
		return found
	})
	return bad, found
}

// decodeRequest parses the body of POST /v1/requests and names every bad
// field in one error.
func decodeRequest(body []byte) (hub.Request, error) {
	var in requestJSON
	if err := decodeBytes("body", body, &in); err != nil {
		return in.Request, err
	}
	req, seqErr := in.request()
	return req, hub.JoinInvalid(seqErr, req.Normalize())
}

// requestJSON is a request as a client sends it, as JSON or as an
// upload's request part. An explicit "seq": 0 is refused, where an absent
// seq means 1; the outer Seq shadows hub.Request's to tell them apart.
type requestJSON struct {
	hub.Request
	Seq *int `json:"seq"`
}

// request returns the request, and an error naming seq when it was an
// explicit 0.
func (in requestJSON) request() (hub.Request, error) {
	req := in.Request
	if in.Seq == nil {
		return req, nil
	}
	req.Seq = *in.Seq
	if req.Seq == 0 {
		return req, hub.Invalid("seq", "must be ≥ 1; leave it out for 1")
	}
	return req, nil
}
