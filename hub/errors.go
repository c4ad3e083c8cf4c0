package hub

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Sentinel errors callers branch on with errors.Is. The api package maps each
// to one HTTP status in one place.
var (
	ErrInvalid      = errors.New("invalid input")
	ErrUnauthorized = errors.New("missing or bad key")
	ErrForbidden    = errors.New("not allowed")
	ErrNotFound     = errors.New("not found")
	ErrConflict     = errors.New("conflict")
	ErrTooLarge     = errors.New("too large")
	ErrRateLimited  = errors.New("rate limited")
	ErrBadGateway   = errors.New("service unreachable")
	ErrUnavailable  = errors.New("store unavailable")
	// ErrNotReceiving is Store.Ping's error, besides ErrUnavailable,
	// while the store takes writes but this instance's broker does not
	// receive everything it subscribed (a deaf pub/sub connection).
	ErrNotReceiving = errors.New("pub/sub not receiving")
	ErrTimeout      = errors.New("service timeout")
	ErrStorageFull  = errors.New("hub storage full")
	ErrClosed       = errors.New("hub: closed")
	ErrSlow         = errors.New("hub: subscriber too slow")
)

// FieldError is bad input in one named field. It matches ErrInvalid.
type FieldError struct {
	Field  string // the field's path as the client sent it, e.g. "callback.url"
	Reason string
}

func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Is reports that a FieldError is an ErrInvalid.
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

// Invalid returns a FieldError for field with a formatted reason.
func Invalid(field, format string, args ...any) error {
	return &FieldError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// kindError is a sentinel with a message for the client.
type kindError struct {
	kind error
	msg  string
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// Errorf returns an error that matches kind and reads as the formatted
// message alone, so clients see "cid abc is completed", not the sentinel.
func Errorf(kind error, format string, args ...any) error {
	return &kindError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

// JoinInvalid returns one error naming every bad field of errs: nil when
// all are nil, the error itself when there is one, else an error that
// matches ErrInvalid and each FieldError it holds (errors.As finds the
// first). Nested joins are flattened and only a field's first error kept.
func JoinInvalid(errs ...error) error {
	if !slices.ContainsFunc(errs, func(err error) bool { return err != nil }) {
		return nil // valid input, which most is, costs no map
	}
	var out fieldErrors
	seen := map[string]bool{}
	for _, err := range errs {
		var inner fieldErrors
		switch {
		case err == nil:
			continue
		case errors.As(err, &inner):
		default:
			inner = fieldErrors{err}
		}
		for _, e := range inner {
			var fe *FieldError
			if errors.As(e, &fe) {
				if seen[fe.Field] {
					continue
				}
				seen[fe.Field] = true
			}
			out = append(out, e)
		}
	}
	switch len(out) {
	case 0:
		return nil
	case 1:
		return out[0]
	}
	return out
}

// fieldErrors is bad input in several fields.
type fieldErrors []error

func (e fieldErrors) Error() string {
	msgs := make([]string, len(e))
	for i, err := range e {
		msgs[i] = err.Error()
	}
	return strings.Join(msgs, "; ")
}

func (e fieldErrors) Unwrap() []error { return e }

// RenameFields returns err with the fields of its FieldErrors renamed by
// names (from the hub's name to the front end's); fields missing from
// names keep theirs, and other errors are returned as they are. It is for
// front ends with field names of their own, such as the old form API.
func RenameFields(err error, names map[string]string) error {
	rename := func(e error) error {
		if fe, ok := e.(*FieldError); ok {
			if to, ok := names[fe.Field]; ok {
				return &FieldError{Field: to, Reason: fe.Reason}
			}
		}
		return e
	}
	many, ok := err.(fieldErrors)
	if !ok {
		return rename(err)
	}
	out := make(fieldErrors, len(many))
	for i, e := range many {
		out[i] = rename(e)
	}
	return out
}
