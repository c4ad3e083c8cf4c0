package api

import (
	"net/http"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/gin-gonic/gin"
)

// ticketTTL is how long a WebSocket ticket may be used to connect.
const ticketTTL = time.Minute

// wsTicket is POST /v1/ws/tickets (admin): a ticket that opens one
// WebSocket as the admin, as /v1/ws?ticket=, for browsers, which cannot
// put a key on a WebSocket.
func (s *Server) wsTicket(c *gin.Context) {
	exp := s.hub.Now().Add(ticketTTL)
	c.JSON(http.StatusOK, gin.H{"code": 0, "msg": "ok", "ticket": s.hub.AdminTicket(exp), "expiresAt": exp.UTC()})
}

// wsPrincipal is who opens a WebSocket: the admin with a valid ?ticket=,
// else whoever r's key or address says.
func (s *Server) wsPrincipal(r *http.Request) (hub.Principal, error) {
	t := r.URL.Query().Get("ticket")
	if t == "" {
		return s.principal(r, "")
	}
	if !s.hub.CheckAdminTicket(t) {
		return hub.Principal{}, hub.Errorf(hub.ErrUnauthorized, "ticket: not valid or expired")
	}
	return hub.Principal{Kind: hub.KindAdmin, ID: "admin"}, nil
}
