package api_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/callhub/callhub/api/hubclient"
	"github.com/callhub/callhub/internal/testwait"
)

// TestSDKAutoAck: with AutoAck, every reply Next returns is acknowledged,
// the isEnd one too (before its connection closes).
func TestSDKAutoAck(t *testing.T) {
	r := newRig(t, rigOptions{})
	c, ans, tok := sdkAsync(t, r)
	ctx := sdkContext(t)
	sub := hubclient.New(r.URL, "").Follow(ans.CID, ans.WSToken, "")
	sub.AutoAck = true
	defer sub.Close()
	for seq := 1; seq <= 2; seq++ {
		end := seq == 2
		if _, err := c.Reply(ctx, ans.CID, tok, hubclient.ReplyInput{Seq: seq, IsEnd: &end}); err != nil {
			t.Fatal(err)
		}
		if got, err := sub.Next(ctx); err != nil || got.Seq != seq {
			t.Fatalf("Next = seq %d, %v; want %d", got.Seq, err, seq)
		}
		testwait.Within(t, 10*time.Second, "reply acknowledged", func() bool {
			rec := r.ackedRecord(ans.CID)
			return len(rec.Replies) == seq && rec.Replies[seq-1].AckedAt != nil
		})
	}
}

// TestSDKAck: without AutoAck nothing is acknowledged; Ack after the
// isEnd reply opens its own connection and returns once the hub took it,
// or with the hub's refusal.
func TestSDKAck(t *testing.T) {
	r := newRig(t, rigOptions{})
	c, ans, tok := sdkAsync(t, r)
	ctx := sdkContext(t)
	sub := hubclient.New(r.URL, "").Follow(ans.CID, ans.WSToken, "")
	defer sub.Close()
	if _, err := c.Reply(ctx, ans.CID, tok, hubclient.ReplyInput{Seq: 1}); err != nil {
		t.Fatal(err)
	}
	got, err := sub.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if rec := r.ackedRecord(ans.CID); rec.Replies[0].AckedAt != nil {
		t.Fatalf("acknowledged without Ack: %+v", rec.Replies)
	}
	if err := sub.Ack(ctx, got.Offset); err != nil {
		t.Fatalf("Ack after the isEnd reply = %v", err)
	}
	if rec := r.ackedRecord(ans.CID); rec.Replies[0].AckedAt == nil {
		t.Errorf("after Ack returned, reply %+v not acknowledged", rec.Replies[0])
	}
	var refused *hubclient.RefusedError
	if err := sub.Ack(ctx, "99999999999999-0"); !errors.As(err, &refused) || refused.Status != http.StatusBadRequest {
		t.Errorf("Ack past the last reply = %v, want a 400 refusal", err)
	}
}
