package hub

// MaxSeq is the highest step and reply number, so every store keeps them
// exact.
const MaxSeq = 1<<31 - 1

const maxSeq = MaxSeq

// SeqExhausted is a store's answer to a reply without seq for a cid whose
// highest seq is MaxSeq: there is no next number to give it.
func SeqExhausted(cid string) error {
	return Errorf(ErrConflict, "seq: cid %s has reached the highest seq %d; no next seq to number the reply", cid, MaxSeq)
}
