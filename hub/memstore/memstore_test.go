package memstore_test

import (
	"testing"

	"github.com/callhub/callhub/hub/hubtest"
	"github.com/callhub/callhub/hub/memstore"
)

func TestConformance(t *testing.T) {
	hubtest.Run(t, func(t *testing.T) hubtest.Backend {
		return hubtest.Backend{Store: &memstore.Store{}, Broker: &memstore.Broker{}, Queue: &memstore.Queue{}, Health: &memstore.Health{}}
	})
}
