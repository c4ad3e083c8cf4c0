package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/callhub/callhub/hub"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// decodeJSON reads one JSON object into v, rejecting unknown fields, and
// turns every decoding failure into a hub.FieldError naming the field.
func decodeJSON(r io.Reader, v any) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if dec.More() {
		return hub.Invalid("body", "must hold exactly one JSON object")
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

func jsonError(err error) error {
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return err
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			field = "body"
		}
		return hub.Invalid(field, "must be %s, got JSON %s", typeName(typeErr.Type.String()), typeErr.Value)
	case errors.As(err, &syntaxErr):
		return hub.Invalid("body", "malformed JSON at byte %d: %v", syntaxErr.Offset, err)
	case errors.Is(err, io.EOF):
		return hub.Invalid("body", "required: a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return hub.Invalid("body", "truncated JSON")
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return hub.Invalid(strings.Trim(f, `"`), "unknown field")
	}
	return hub.Invalid("body", "%v", err)
}

func typeName(goType string) string {
	switch {
	case strings.HasPrefix(goType, "map["), strings.HasPrefix(goType, "*hub."), strings.HasPrefix(goType, "hub."):
		return "an object"
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case strings.HasPrefix(goType, "int"), strings.HasPrefix(goType, "float"):
		return "a number"
	case goType == "bool", goType == "*bool":
		return "true or false"
	case goType == "string":
		return "a string"
	}
	return goType
}

// decodeRequest parses the body of POST /v1/requests and names every bad
// field in one error.
func decodeRequest(body []byte) (hub.Request, error) {
	var in requestJSON
	if err := decodeJSON(bytes.NewReader(body), &in); err != nil {
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
