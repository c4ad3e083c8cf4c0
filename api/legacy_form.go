package api

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strconv"

	"github.com/callhub/callhub/hub"
)

// legacyForm is one request of the old middleware's wire format
// (seed/async-requests.en.md, "Wire format").
type legacyForm struct {
	ServiceID      string
	URL            string
	Method         string
	Data           map[string]any
	RawData        json.RawMessage
	CID            string
	Seq            int
	IsEnd          bool
	BReq           bool
	Sync           bool
	CallbackURL    string
	CallbackMethod string
	Headers        map[string]string
	// CallbackID is what an old service answers with (bReq=0): the
	// callbackId the hub forwarded with the step it answers.
	CallbackID string
}

// parseLegacyForm reads the old fields with the old client's defaults:
// seq 1, isEnd 1, bReq 1, sync 1, callbackUrl "/", callbackMethod GET.
func parseLegacyForm(v url.Values) (legacyForm, error) {
	f := legacyForm{ServiceID: v.Get("serviceId"), URL: v.Get("url"), Method: v.Get("method"),
		CID: v.Get("cid"), CallbackURL: v.Get("callbackUrl"), CallbackMethod: v.Get("callbackMethod"),
		CallbackID: v.Get("callbackId")}
	var err error
	flags := []struct {
		name string
		dst  *bool
	}{{"isEnd", &f.IsEnd}, {"bReq", &f.BReq}, {"sync", &f.Sync}}
	for _, fl := range flags {
		if *fl.dst, err = legacyFlag(v, fl.name); err != nil {
			return f, err
		}
	}
	for _, name := range []string{"reqSave", "resultSave", "fileSave"} {
		if _, err := legacyFlag(v, name); err != nil { // accepted, stored anyway
			return f, err
		}
	}
	if f.Seq, err = legacySeq(v.Get("seq")); err != nil {
		return f, err
	}
	if f.Data, f.RawData, err = legacyData(v.Get("data")); err != nil {
		return f, err
	}
	f.Headers, err = legacyHeaders(v.Get("headers"))
	return f, err
}

// legacyFlag reads a 1/0 (or true/false) flag; absent means the old
// client's default, which is 1 for every flag but the *Save ones.
func legacyFlag(v url.Values, name string) (bool, error) {
	if !v.Has(name) || v.Get(name) == "" {
		return name != "reqSave" && name != "resultSave" && name != "fileSave", nil
	}
	switch v.Get(name) {
	case "1", "true", "TRUE", "True":
		return true, nil
	case "0", "false", "FALSE", "False":
		return false, nil
	}
	return false, hub.Invalid(name, "must be 1 or 0, got %q", v.Get(name))
}

func legacySeq(s string) (int, error) {
	if s == "" {
		return 1, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return 0, hub.Invalid("seq", "must be an integer ≥ 1, got %q", s)
	}
	return n, nil
}

// legacyData parses data, the form as a JSON string. An object is the
// form; any other JSON value is kept raw (a reply may carry anything).
func legacyData(s string) (map[string]any, json.RawMessage, error) {
	if s == "" {
		return nil, nil, nil
	}
	if !json.Valid([]byte(s)) {
		return nil, nil, hub.Invalid("data", "must be a JSON string of the form, like {\"pageNo\":1}")
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	if dec.Decode(&m) != nil {
		m = nil
	}
	return m, json.RawMessage(s), nil
}

func legacyHeaders(s string) (map[string]string, error) {
	if s == "" {
		return nil, nil
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, hub.Invalid("headers", "must be a JSON object of header names to values")
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if str, ok := v.(string); ok {
			out[k] = str
		} else {
			b, _ := json.Marshal(v)
			out[k] = string(b)
		}
	}
	return out, nil
}

// request maps a bReq=1 form onto a v1 request.
func (f legacyForm) request() (hub.Request, error) {
	switch {
	case f.ServiceID == "":
		return hub.Request{}, hub.Invalid("serviceId", "required")
	case f.URL == "":
		return hub.Request{}, hub.Invalid("url", "required: the path on the service, like /user/async")
	}
	form := make(map[string]any, len(f.Data))
	for k, v := range f.Data {
		if k != "cid" { // the hub sets the cid itself
			form[k] = v
		}
	}
	isEnd := f.IsEnd
	req := hub.Request{ServiceID: f.ServiceID, Method: f.Method, Path: f.URL, Form: form, Headers: f.Headers,
		Async: !f.Sync, CID: f.CID, Seq: f.Seq, IsEnd: &isEnd, Legacy: true}
	if !f.Sync {
		if f.CallbackURL == "" {
			return req, hub.Invalid("callbackUrl", "required when sync=0: where the caller receives the answer")
		}
		if f.CallbackMethod == "" {
			return req, hub.Invalid("callbackMethod", "required when sync=0: GET or POST")
		}
		req.Callback = &hub.Callback{URL: f.CallbackURL, Method: f.CallbackMethod}
	}
	return req, req.Normalize()
}
