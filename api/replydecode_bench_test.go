package api

import (
	"strings"
	"testing"
)

// BenchmarkDecodeReply decodes the JSON body of POST /v1/replies/{cid}.
func BenchmarkDecodeReply(b *testing.B) {
	const body = `{"seq":3,"isEnd":false,"code":0,"msg":"ok","data":{"n":1,"items":["a b","c"]}}`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeReply(strings.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
}
