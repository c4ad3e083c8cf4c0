package redisstore

import (
	"slices"
	"strconv"
)

// Shared indexes (the delivery queue, the request list) are split into
// partitions, each under its own hash tag, so that on a Redis Cluster
// each lives in its own slot and the partitions spread over the masters.
// A cid belongs to one partition, the one whose slot range holds the
// cid's own slot: every delivery of a cid is in one partition, so one
// script can store, order and schedule them.
//
// Partition p's hash tag is the first "q<p>.<k>" (k = 0, 1, …) whose slot
// falls in the p-th of Partitions equal slot ranges. A Cluster assigns
// each master contiguous slot ranges, so the partitions fall evenly on
// masters that hold even shares of the slots.

// Partitions is the number of partitions. Changing it moves every cid to
// another partition: it is part of the key layout.
const Partitions = 16

// partitionTags are the hash tags of the partitions, in order.
var partitionTags = func() [Partitions]string {
	var tags [Partitions]string
	for p := range tags {
		for k := 0; ; k++ {
			tag := "q" + strconv.Itoa(p) + "." + strconv.Itoa(k)
			if keySlot(tag)*Partitions/slotCount == p {
				tags[p] = tag
				break
			}
		}
	}
	return tags
}()

// partitionOf is the partition of cid.
func partitionOf(cid string) int {
	return int(crc16(cid)) % slotCount * Partitions / slotCount
}

// pkey is key name of partition p, under the store's prefix. The names
// every request and callback uses come from the store's table (see
// partKeyTable), not from a new string each time.
func (s *Store) pkey(p int, name string) string {
	if s.pkeys != nil {
		if i := slices.Index(partKeyNames[:], name); i >= 0 {
			return s.pkeys[i][p]
		}
	}
	return s.prefix + "{" + partitionTags[p] + "}:" + name
}

// partKeyNames are the partition keys pkey answers from a table.
var partKeyNames = [...]string{"due", "list", "pend", "dead", "reqs", "timers"}

// partKeyTable holds the key of each name of partKeyNames in each
// partition.
type partKeyTable [len(partKeyNames)][Partitions]string

func newPartKeyTable(prefix string) *partKeyTable {
	var t partKeyTable
	for i, name := range partKeyNames {
		for p := range Partitions {
			t[i][p] = prefix + "{" + partitionTags[p] + "}:" + name
		}
	}
	return &t
}
