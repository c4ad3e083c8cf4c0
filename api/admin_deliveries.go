package api

import (
	"net/http"
	"time"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/callback"
	"github.com/gin-gonic/gin"
)

// deliveryView is a delivery as the admin API shows it: nextAttemptAt
// only while pending, the attempt log only where asked for.
type deliveryView struct {
	ID            string        `json:"id"`
	CID           string        `json:"cid"`
	Seq           int           `json:"seq"`
	Caller        string        `json:"caller"`
	URL           string        `json:"url"`
	Method        string        `json:"method"`
	State         string        `json:"state"`
	Attempts      int           `json:"attempts"`
	LastStatus    int           `json:"lastStatus,omitempty"`
	LastError     string        `json:"lastError,omitempty"`
	NextAttemptAt *time.Time    `json:"nextAttemptAt,omitempty"`
	Replay        bool          `json:"replay,omitempty"`
	CreatedAt     time.Time     `json:"createdAt"`
	UpdatedAt     time.Time     `json:"updatedAt"`
	AttemptLog    []hub.Attempt `json:"attemptLog,omitempty"`
}

func viewDelivery(d callback.Delivery, withLog bool) deliveryView {
	v := deliveryView{ID: d.ID, CID: d.CID, Seq: d.Seq, Caller: d.Caller, URL: d.URL, Method: d.Method,
		State: d.State, Attempts: d.Attempts, LastStatus: d.LastStatus, LastError: d.LastError,
		Replay: d.Replay, CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt}
	if d.State == callback.Pending {
		t := d.NextAttemptAt
		v.NextAttemptAt = &t
	}
	if withLog {
		v.AttemptLog = d.AttemptLog
		if v.AttemptLog == nil {
			v.AttemptLog = []hub.Attempt{}
		}
	}
	return v
}

func viewDeliveries(ds []callback.Delivery) []deliveryView {
	out := make([]deliveryView, len(ds))
	for i, d := range ds {
		out[i] = viewDelivery(d, false)
	}
	return out
}

// getDelivery is GET /v1/deliveries/{id}: the delivery with its attempt log.
func (s *Server) getDelivery(c *gin.Context) {
	id, ok := s.deliveryID(c)
	if !ok {
		return
	}
	d, err := s.deliveries.Get(c.Request.Context(), id)
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"code": 0, "msg": "ok", "delivery": viewDelivery(d, true)})
}

// deliveryID is the {id} of a delivery's path; a malformed one is
// answered 400 naming id, and ok is false.
func (s *Server) deliveryID(c *gin.Context) (id string, ok bool) {
	id = c.Param("id")
	if !callback.ValidDeliveryID(id) {
		s.writeError(c, hub.Invalid("id", "%s, got %q", callback.DeliveryIDRule, id))
		return "", false
	}
	return id, true
}

// listEndpoints is GET /v1/endpoints: every callback endpoint, one page.
func (s *Server) listEndpoints(c *gin.Context) {
	eps, err := s.deliveries.Endpoints(c.Request.Context())
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"code": 0, "msg": "ok", "endpoints": eps, "cursor": ""})
}
