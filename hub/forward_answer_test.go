package hub

import (
	"encoding/json"
	"testing"
)

// TestAnswerData: a service's answer as JSON, the empty one (an async
// 202's, read or not) as what json.Marshal makes of "".
func TestAnswerData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		contentType, body, want string
	}{
		{"", "", `""`},
		{"application/json", "", `""`},
		{"application/json", `{"a":1}`, `{"a":1}`},
		{"application/problem+json; charset=utf-8", `[1]`, `[1]`},
		{"application/json", `{"a":`, `"{\"a\":"`},
		{"text/plain", "hi", `"hi"`},
	}
	for _, tt := range tests {
		var body []byte
		if tt.body != "" {
			body = []byte(tt.body)
		}
		got := answerData(tt.contentType, body)
		if string(got) != tt.want || !json.Valid(got) {
			t.Errorf("answerData(%q, %q) = %s, want %s", tt.contentType, tt.body, got, tt.want)
		}
		if tt.body == "" {
			if want, _ := json.Marshal(""); string(got) != string(want) {
				t.Errorf("answerData(%q, empty) = %s, want json.Marshal(\"\") = %s", tt.contentType, got, want)
			}
		}
	}
}
