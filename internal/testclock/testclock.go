package testclock

import (
	"sync"
	"time"
)

// Clock is a manual clock, safe for concurrent use. It starts at a fixed
// instant, so that tests are reproducible.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock at 2023-11-14 22:13:20 UTC (Unix 1700000000).
func New() *Clock { return &Clock{t: time.Unix(1700000000, 0)} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}
