package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// serviceJSON is one service of GET /v1/services.
type serviceJSON struct {
	ID       string `json:"id"`
	BaseURL  string `json:"baseURL"`
	Breaker  string `json:"breaker"`
	Failures int    `json:"failures"`
	// OpenUntil is set only while the breaker is open.
	OpenUntil *time.Time `json:"openUntil,omitempty"`
}

// listServices is GET /v1/services: every configured service with its
// breaker as this instance sees it.
func (s *Server) listServices(c *gin.Context) {
	sts := s.hub.Services()
	out := make([]serviceJSON, len(sts))
	for i, st := range sts {
		out[i] = serviceJSON{ID: st.ID, BaseURL: st.BaseURL, Breaker: st.Breaker, Failures: st.Failures}
		if !st.OpenUntil.IsZero() {
			until := st.OpenUntil.UTC()
			out[i].OpenUntil = &until
		}
	}
	c.JSON(http.StatusOK, gin.H{"code": 0, "msg": "ok", "services": out})
}
