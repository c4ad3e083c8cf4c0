package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"testing"
	"testing/iotest"

	"github.com/callhub/callhub/hub"
)

// decodeReplyWant is the reference decoder of a reply body: decodeJSON
// straight over the body into a replyJSON, as postReply did before
// parseReply.
func decodeReplyWant(r io.Reader) (hub.ReplyInput, error) {
	var in replyJSON
	if err := decodeJSON(r, &in); err != nil {
		in.File = nil
		return in.ReplyInput, err
	}
	return in.reply()
}

// sameDecode fails t unless decodeReply and the reference agree on body,
// each read through wrap: the same value, or the same error.
func sameDecode(t *testing.T, body []byte, wrap func(io.Reader) io.Reader) {
	t.Helper()
	got, gotErr := decodeReply(wrap(bytes.NewReader(body)))
	want, wantErr := decodeReplyWant(wrap(bytes.NewReader(body)))
	if fmt.Sprint(gotErr) != fmt.Sprint(wantErr) || errors.Is(gotErr, hub.ErrInvalid) != errors.Is(wantErr, hub.ErrInvalid) ||
		statusOf(gotErr) != statusOf(wantErr) {
		t.Fatalf("body %q: err = %v, want %v", body, gotErr, wantErr)
	}
	if gotErr == nil && !reflect.DeepEqual(got, want) {
		t.Fatalf("body %q: decoded %#v, want %#v", body, got, want)
	}
}

func whole(r io.Reader) io.Reader { return r }

// limited reads through the limit postReply's body has.
func limited(n int64) func(io.Reader) io.Reader {
	return func(r io.Reader) io.Reader { return http.MaxBytesReader(nil, io.NopCloser(r), n) }
}

// cut ends the body with err after n bytes, read one at a time.
func cut(n int, err error) func(io.Reader) io.Reader {
	return func(r io.Reader) io.Reader {
		return iotest.OneByteReader(io.MultiReader(io.LimitReader(r, int64(n)), iotest.ErrReader(err)))
	}
}

var replyBodies = []string{
	`{"seq":3,"isEnd":false,"code":0,"msg":"ok","data":{"n":1,"items":["a b","c"]}}`,
	` { "SEQ" : 7 , "IsEnd" : true , "CODE":-0,"Msg":"中文 ok","DATA" : [ 1 , "x" ] } ` + "\n",
	`{}`, `{"isEnd":null}`, `{"isEnd":true,"isEnd":null}`, `{"seq":1,"seq":null}`, `{"msg":"a","msg":null}`, `{"seq":null}`,
	`{"data":null}`, `{"data":"s"}`, `{"data":-1.5e3}`, `{"data":true}`, `{"data":{"a":"}"},"seq":2}`,
	`{"data":[]} `, `{"data":1,"data":{"b":[{}]}}`, `{"msg":""}`, `{"seq":999999999999999999}`,
	// What parseReply leaves to decodeJSON.
	``, ` `, `null`, `[]`, `"x"`, `{`, `{"seq":1}{}`, `{"seq":1} }`, `{"seq":1} ]x`, `{"seq":1} x`, `{"seq":1},`,
	`{"seq":1.0}`, `{"seq":1e3}`, `{"seq":9223372036854775808}`, `{"seq":1234567890123456789}`, `{"seq":01}`,
	`{"seq":"1"}`, `{"seq":true}`, `{"seq":-}`, `{"code":1.5,"bogus":1}`, `{"bogus":1,"code":1.5}`,
	`{"isEnd":1}`, `{"isEnd":"true"}`, `{"isEnd":truex}`, `{"msg":1}`, `{"msg":"a\nb"}`, `{"msg":"\u003c"}`,
	"{\"msg\":\"\xff\"}", "{\"msg\":\"a\tb\"}", `{"data":}`, `{"data":{"a":}}`, `{"data":[1,]}`, `{"data":1"x"}`,
	`{"data":tru}`, `{"data":"\x"}`, `{"file":null}`, `{"file":{"id":"f"}}`, `{"file":{"id":1}}`, `{"file":1}`,
	`{"traceParent":"x"}`, `{"-":1}`, `{"ſeq":1}`, `{"\u0073eq":1}`, "{\"seq\":1}\x00", "\ufeff{}",
	`{"seq":1,}`, `{,"seq":1}`, `{"seq" 1}`, `{"seq":1 "code":2}`, `{"data":{"a":1}}}`,
	`{"seq":0}`, `{"seq":-0}`, `{"seq":0,"seq":2}`, `{"seq":2,"seq":0}`, `{"SEQ":0,"data":{}}`,
	`{"code":9223372036854775808}`, `{"seq":-9223372036854775809}`, `{"code":1e3}`, `{"file":[]}`,
}

// TestDecodeReplyEdges: decodeReply decides every body as decodeJSON
// does, read whole, over the limit, or cut short by a broken read.
func TestDecodeReplyEdges(t *testing.T) {
	for _, body := range replyBodies {
		t.Run(body, func(t *testing.T) {
			sameDecode(t, []byte(body), whole)
			for n := range len(body) + 2 {
				sameDecode(t, []byte(body), limited(int64(n)))
				sameDecode(t, []byte(body), cut(n, io.ErrUnexpectedEOF))
			}
		})
	}
}

// TestParseReplyTakesTheUsualBodies: the hand decoder, not the fallback,
// reads the bodies services send.
func TestParseReplyTakesTheUsualBodies(t *testing.T) {
	for _, body := range replyBodies[:16] {
		if _, ok := parseReply([]byte(body)); !ok {
			t.Errorf("parseReply(%q) left it to decodeJSON", body)
		}
	}
}

// FuzzReplyInputDecode: for any body, over any limit or cut short,
// decodeReply decodes what decodeJSON decodes, or refuses it with the
// same error, in the client's words.
func FuzzReplyInputDecode(f *testing.F) {
	for _, b := range replyBodies {
		f.Add([]byte(b), -1)
	}
	f.Add([]byte(`{"seq":1}   `), 10)
	f.Fuzz(func(t *testing.T, body []byte, n int) {
		if in, ok := parseReply(body); ok {
			want, err := decodeReplyWant(bytes.NewReader(body))
			if err != nil || !reflect.DeepEqual(in, want) {
				t.Fatalf("parseReply(%q) = %#v, decodeJSON = %#v, %v", body, in, want, err)
			}
		}
		sameDecode(t, body, whole)
		_, err := decodeReply(bytes.NewReader(body))
		noGoNames(t, body, err)
		if n >= 0 {
			n %= len(body) + 2
			sameDecode(t, body, limited(int64(n)))
			sameDecode(t, body, cut(n, errors.New("read: connection reset")))
		}
	})
}
