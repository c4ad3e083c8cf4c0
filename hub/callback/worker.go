package callback

import "time"

// workerIdle is how long a worker with nothing to attempt waits for the
// next delivery before it ends.
const workerIdle = 10 * time.Second

// job is one claimed delivery for a worker, holding a slot of ep.
type job struct {
	ep string
	dl Delivery
}

// run attempts dl, which holds a slot of ep, on an idle worker, or on a
// new one when none is idle: about as many workers stay as attempts ran
// at once in the last workerIdle, never many more than Workers.
func (p *dispatch) run(ep string, dl Delivery) {
	select {
	case p.jobs <- job{ep, dl}:
	default:
		p.spawn(job{ep, dl})
	}
}

// spawn starts a worker on j. A function of its own, so that only the
// new worker's job goes to the heap, not each one handed over.
func (p *dispatch) spawn(j job) {
	p.wg.Go(func() { p.work(j) })
}

// work attempts j, then the jobs handed to it, until it has been idle
// for workerIdle or Run ends.
func (p *dispatch) work(j job) {
	idle := time.NewTimer(workerIdle)
	defer idle.Stop()
	for {
		p.attempt(j.ep, j.dl)
		idle.Reset(workerIdle)
		select {
		case j = <-p.jobs:
		case <-idle.C:
			return
		case <-p.quit:
			return
		}
	}
}

// stop sends idle workers away; busy ones end after their attempt.
func (p *dispatch) stop() { close(p.quit) }
