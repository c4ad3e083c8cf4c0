package callback

import (
	"context"
	"time"
)

// Health tracks how long each callback endpoint (scheme and host) has been
// failing without a success in between, for every instance at once, so an
// endpoint disabled by one instance is disabled for all.
type Health interface {
	// Record notes an attempt's outcome at t: a success ends the failure
	// streak; a failure starts one unless one is running.
	Record(ctx context.Context, endpoint string, ok bool, t time.Time) error
	// FailingSince returns when the running failure streak began, or the
	// zero time while the endpoint is healthy.
	FailingSince(ctx context.Context, endpoint string) (time.Time, error)
	// Seen notes an attempt to endpoint for caller at t that the endpoint
	// answered with status (0: no answer).
	Seen(ctx context.Context, endpoint, caller string, status int, t time.Time) error
	// List returns every endpoint seen or failing, by endpoint.
	List(ctx context.Context) ([]EndpointHealth, error)
}

// EndpointHealth is what Health knows of one endpoint.
type EndpointHealth struct {
	Endpoint     string
	Callers      []string  // sorted
	FailingSince time.Time // zero while healthy
	LastStatus   int       // of the last attempt seen; 0: no answer
	LastAt       time.Time // of the last attempt seen; zero if none
}
