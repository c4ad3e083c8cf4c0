package hubclient

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"time"
)

// Reply is one reply of a cid as the hub sends it: a WebSocket or SSE
// frame (without its "type"), or the JSON body of a POST callback. It
// mirrors the hub's reply field for field (a test in the hub's api package
// pins the two together).
type Reply struct {
	CID   string          `json:"cid"`
	Seq   int             `json:"seq"`
	IsEnd bool            `json:"isEnd"`
	Code  int             `json:"code"`
	Msg   string          `json:"msg"`
	Data  json.RawMessage `json:"data"`
	File  *File           `json:"file,omitempty"` // a file the reply carries; download it from URL
	// Origin is OriginHub for the reply the hub stored itself to end the
	// cid: code 504 when its deadline passed, 499 when it was canceled.
	// It is "" for a service's reply.
	Origin string    `json:"origin,omitempty"`
	Offset string    `json:"offset"`
	At     time.Time `json:"at"` // when the hub stored the reply
}

// OriginHub is the Origin of a reply the hub stored itself.
const OriginHub = "hub"

// File is a file a reply carries, stored on the hub.
type File struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	URL    string `json:"url"`
}

// ReplyInput is a service's reply. Seq 0 means the next one. IsEnd nil
// means true, as it does for the hub: the reply is the cid's last, and a
// later one is refused (409). Point IsEnd at false for a reply that more
// replies follow.
type ReplyInput struct {
	Seq   int    `json:"seq,omitempty"`
	IsEnd *bool  `json:"isEnd,omitempty"`
	Code  int    `json:"code,omitempty"`
	Msg   string `json:"msg,omitempty"`
	Data  any    `json:"data,omitempty"`
}

// MarshalJSON writes in as the hub reads a reply, with isEnd always
// present: what the SDK sends says what its doc says, whatever a hub's
// default for an absent isEnd.
func (in ReplyInput) MarshalJSON() ([]byte, error) {
	type plain ReplyInput // without this method
	end := in.IsEnd == nil || *in.IsEnd
	in.IsEnd = &end
	return json.Marshal(plain(in))
}

// Reply posts a reply for cid with a reply token (or a service key). A
// reply the hub stored before answers with Msg "duplicate: stored before"
// and no error.
func (c *Client) Reply(ctx context.Context, cid, token string, in ReplyInput) (Answer, error) {
	return postReply(ctx, c.httpClient(), c.replyURL(cid), token, in, nil)
}

// ReplyFile posts a reply for cid that carries a file: the reply as the
// multipart part "reply" and the file, read to its end, as the part
// "file" named name. Subscribers see the stored file as the reply's File.
func (c *Client) ReplyFile(ctx context.Context, cid, token string, in ReplyInput, name string, file io.Reader) (Answer, error) {
	return postReply(ctx, c.httpClient(), c.replyURL(cid), token, in, &upload{name: name, body: file})
}

func (c *Client) replyURL(cid string) string {
	return c.BaseURL + "/v1/replies/" + url.PathEscape(cid)
}

// postReply posts in to the reply URL u: JSON, or multipart with file.
func postReply(ctx context.Context, hc *http.Client, u, token string, in ReplyInput, file *upload) (Answer, error) {
	var a Answer
	if file == nil {
		b, err := json.Marshal(in)
		if err != nil {
			return a, err
		}
		return a, postBody(ctx, hc, u, token, "application/json", bytes.NewReader(b), &a)
	}
	body, ctype, wait := file.multipart(in)
	err := postBody(ctx, hc, u, token, ctype, body, &a)
	body.CloseWithError(errAborted) // the transport may still hold it: unblock the writer
	if werr := wait(); err == nil && werr != nil {
		err = werr
	}
	return a, err
}

func postBody(ctx context.Context, hc *http.Client, u, token, ctype string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, body)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", ctype)
	return send(hc, req, token, out)
}
