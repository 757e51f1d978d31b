package testclock_test

import (
	"fmt"
	"time"

	"github.com/gohpc/gohpc/internal/testclock"
)

func ExampleClock() {
	c := testclock.New()
	start := c.Now()
	c.Advance(1500 * time.Millisecond)
	fmt.Println(c.Now().Sub(start))
	// Output: 1.5s
}
