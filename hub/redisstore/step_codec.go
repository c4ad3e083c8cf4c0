package redisstore

import (
	"encoding/json"
	"strconv"

	"github.com/callhub/callhub/hub"
)

// encodeStep is json.Marshal(st), written by hand for the steps every
// async request stores: no error, and no data or the empty answer ("" as
// JSON) of a 202 without a body. Any other step goes to json.Marshal,
// whose escaping and compacting of the data and error it then keeps.
func encodeStep(st hub.Step) []byte {
	_, off := st.At.Zone()
	if st.Error != "" || (st.Data != nil && string(st.Data) != `""`) ||
		st.At.Year() < 0 || st.At.Year() > 9999 || off <= -24*3600 || off >= 24*3600 {
		b, _ := json.Marshal(st)
		return b
	}
	b := make([]byte, 0, 128)
	b = strconv.AppendInt(append(b, `{"seq":`...), int64(st.Seq), 10)
	b = strconv.AppendBool(append(b, `,"isEnd":`...), st.IsEnd)
	b = strconv.AppendBool(append(b, `,"done":`...), st.Done)
	if st.Status != 0 {
		b = strconv.AppendInt(append(b, `,"status":`...), int64(st.Status), 10)
	}
	if st.Data != nil {
		b = append(append(b, `,"data":`...), st.Data...)
	}
	if st.TimedOut {
		b = append(b, `,"timedOut":true`...)
	}
	b = st.At.AppendFormat(append(b, `,"at":"`...), "2006-01-02T15:04:05.999999999Z07:00")
	return append(b, `"}`...)
}
