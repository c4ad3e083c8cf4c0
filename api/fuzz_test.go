package api

import (
	"errors"
	"testing"

	"github.com/callhub/callhub/hub"
)

// FuzzDecodeRequest: no input panics the request decoder, and every
// refusal is a 400 naming a field.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"serviceId":"svc","path":"/x"}`,
		`{"serviceId":"svc","method":"post","path":"/x?a=1","form":{"a":[1,"b",null]},"async":true,"callback":{"url":"/cb"}}`,
		`{"serviceId":"svc","path":"/x","body":{"deep":[[[[1]]]]},"seq":-1}`,
		`{"serviceId":1}`, `[]`, `null`, `{"path":"/x","cid":"bad cid!"}`, "{\"serviceId\":\"\xff\"}", `{}{}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := decodeRequest(b)
		if err != nil && !errors.Is(err, hub.ErrInvalid) {
			t.Errorf("decodeRequest(%q) = %v, want nil or ErrInvalid", b, err)
		}
	})
}

// FuzzDecodeFrame: no input panics the WebSocket frame decoder.
func FuzzDecodeFrame(f *testing.F) {
	for _, s := range []string{
		`{"op":"subscribe","cid":"a","token":"t","since":"1-0"}`, `{"op":"subscribe","caller":"shop"}`,
		`{"op":"unsubscribe","cid":"a"}`, `{"op":"ping"}`, `{"op":1}`, `{"op":"subscribe","since":"x-"}`, `]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := decodeFrame(b)
		if err != nil && !errors.Is(err, hub.ErrInvalid) {
			t.Errorf("decodeFrame(%q) = %v, want nil or ErrInvalid", b, err)
		}
	})
}
