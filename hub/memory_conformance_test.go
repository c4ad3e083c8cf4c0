package hub_test

import (
	"testing"

	"github.com/callhub/callhub/hub"
	"github.com/callhub/callhub/hub/hubtest"
)

func TestMemoryConformance(t *testing.T) {
	hubtest.Run(t, func(t *testing.T) hubtest.Backend {
		return hubtest.Backend{Store: &hub.MemoryStore{}, Broker: &hub.MemoryBroker{}, Queue: &hub.MemoryQueue{}, Health: &hub.MemoryHealth{}}
	})
}
