// Package memstore implements hub.Store, hub.Broker, callback.Queue and
// callback.Health in this process's memory: the dev-mode backend, for one
// instance, and the mirror of hub/redisstore. Both pass the conformance
// suite in hub/hubtest. The zero value of each type is ready to use.
package memstore
