package callback

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"github.com/callhub/callhub/hub"
)

// oldForm builds the callback of a request made through the old
// middleware's endpoints the way the old middleware sent it: the fields of
// the reply's data plus cid, as an urlencoded body for POST (returned with
// its content type) or in u's query for GET (nil body). A reply that
// carries a file adds filePath (its URL) unless its data names one; a
// failed one adds code and msg.
func oldForm(u *url.URL, dl Delivery) ([]byte, string) {
	if dl.Method == http.MethodGet {
		q := u.Query()
		addOldFields(q, dl.Reply)
		u.RawQuery = q.Encode()
		return nil, ""
	}
	v := url.Values{}
	addOldFields(v, dl.Reply)
	return []byte(v.Encode()), "application/x-www-form-urlencoded;charset=UTF-8"
}

// addOldFields sets the old form's fields of r on v. Data that is not a
// JSON object travels as the one field data.
func addOldFields(v url.Values, r hub.Reply) {
	var fields map[string]any
	dec := json.NewDecoder(bytes.NewReader(r.Data))
	dec.UseNumber()
	if len(r.Data) > 0 && dec.Decode(&fields) != nil {
		var x any
		dec = json.NewDecoder(bytes.NewReader(r.Data))
		dec.UseNumber()
		_ = dec.Decode(&x) // valid JSON: checked when the reply was posted
		fields = map[string]any{"data": x}
	}
	for k, x := range fields {
		v.Set(k, hub.FormValue(x))
	}
	if r.File != nil && !v.Has("filePath") { // the hub put a saved file's path there
		v.Set("filePath", r.File.URL)
	}
	if r.Code != 0 {
		v.Set("code", strconv.Itoa(r.Code))
		v.Set("msg", r.Msg)
	}
	v.Set("cid", r.CID) // the hub's cid, over the answering client's default one
}
