package redisstore

import (
	"testing"

	"github.com/callhub/callhub/hub/callback"
)

// BenchmarkDeliveryCodec: what a callback delivered at its first attempt
// costs the hub in its stored delivery: the pending one encoded (Add),
// decoded (Claim), and the delivered one encoded (Save).
func BenchmarkDeliveryCodec(b *testing.B) {
	d := codecCases()[0]
	b.ReportAllocs()
	for b.Loop() {
		s := string(encodeDelivery(d))
		got, err := decodeDelivery("", 0, s)
		if err != nil {
			b.Fatal(err)
		}
		got.State, got.Attempts = callback.Delivered, 1
		encodeDelivery(got)
	}
}
