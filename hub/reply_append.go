package hub

// For stores that embed a reply in JSON of their own (redisstore's
// delivery queue), the reply's hand-made encoder.

// AppendJSON appends r's JSON form, byte for byte what json.Marshal makes
// of r, to b. ok is false, and b unchanged, when json.Marshal would fail.
func (r *Reply) AppendJSON(b []byte) (_ []byte, ok bool) { return r.appendJSON(b) }

// AppendJSONString appends s quoted as encoding/json quotes it.
func AppendJSONString(b []byte, s string) []byte { return appendJSONString(b, s) }
