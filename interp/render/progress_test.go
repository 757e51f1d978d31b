package render

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gohpc/gohpc/display"
	"github.com/gohpc/gohpc/internal/testclock"
)

type event struct {
	update bool
	at     time.Time
	d      display.Data
}

type recSink struct {
	clock  *testclock.Clock
	mu     sync.Mutex
	events []event
}

func (s *recSink) Display(d display.Data) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, event{false, s.clock.Now(), d})
}

func (s *recSink) UpdateDisplay(d display.Data) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events = append(s.events, event{true, s.clock.Now(), d})
}

func (s *recSink) ClearOutput(bool) {}

func TestProgressThrottled(t *testing.T) {
	clock := testclock.New()
	sink := &recSink{clock: clock}
	p := NewProgress(sink, WithClock(clock.Now), WithUnits(map[string]string{"Locate": "events"}))
	const total = 256
	// 256 events over 1.28 s: a report every 5 ms.
	for done := 1; done <= total; done++ {
		clock.Advance(5 * time.Millisecond)
		p.Report("Locate", done, total)
	}
	ev := sink.events
	if len(ev) < 3 {
		t.Fatalf("%d events", len(ev))
	}
	if ev[0].update || ev[0].d.DisplayID == "" {
		t.Fatalf("first event must be a display with an id: %+v", ev[0])
	}
	start := time.Unix(1700000000, 0)
	if got := ev[0].at.Sub(start); got < ProgressDelay {
		t.Errorf("first shown after %v, before %v", got, ProgressDelay)
	}
	for i, e := range ev {
		if e.d.DisplayID != ev[0].d.DisplayID {
			t.Errorf("event %d has id %q", i, e.d.DisplayID)
		}
		if i > 0 && !e.update {
			t.Errorf("event %d is not an update", i)
		}
		if _, ok := e.d.Bundle[display.MIMEText]; !ok {
			t.Errorf("event %d lacks text/plain", i)
		}
	}
	// At most 10 a second: in any one-second window, at most 10 events
	// (the final summary excepted).
	bars := ev[:len(ev)-1]
	for i := range bars {
		n := 0
		for j := i; j < len(bars) && bars[j].at.Sub(bars[i].at) < time.Second; j++ {
			n++
		}
		if n > 10 {
			t.Errorf("%d updates within a second from event %d", n, i)
		}
	}
	mid := ev[1].d.Bundle
	if text := mid[display.MIMEText].(string); !strings.HasPrefix(text, "Locate: ") || !strings.Contains(text, "events") || !strings.Contains(text, "ETA") || !strings.Contains(text, "/s") {
		t.Errorf("bar text %q", text)
	}
	if h := mid[display.MIMEHTML].(string); !strings.Contains(h, `<progress value="`) || !strings.Contains(h, `max="256"`) {
		t.Errorf("bar html %q", h)
	}
	last := ev[len(ev)-1]
	if !last.update {
		t.Error("summary is not an update")
	}
	if got, want := last.d.Bundle[display.MIMEText], "Locate: 256/256 events in 1.3 s (201/s)"; got != want {
		t.Errorf("summary %q, want %q", got, want)
	}
}

func TestProgressQuickTaskShowsNothing(t *testing.T) {
	clock := testclock.New()
	sink := &recSink{clock: clock}
	p := NewProgress(sink, WithClock(clock.Now))
	for done := 1; done <= 10; done++ {
		clock.Advance(40 * time.Millisecond)
		p.Report("MatMul", done, 10)
	}
	p.Close()
	if len(sink.events) != 0 {
		t.Errorf("a 0.4 s task produced %d outputs", len(sink.events))
	}
}

func TestProgressRestartAndStop(t *testing.T) {
	clock := testclock.New()
	sink := &recSink{clock: clock}
	p := NewProgress(sink, WithClock(clock.Now))
	run := func(total, upto int) {
		for done := 1; done <= upto; done++ {
			clock.Advance(100 * time.Millisecond)
			p.Report("Pool", done, total)
		}
	}
	run(10, 10) // finished, shown
	run(10, 8)  // a second run of the same task: a new bar, stopped by Close
	p.Close()
	ids := map[string]bool{}
	for _, e := range sink.events {
		ids[e.d.DisplayID] = true
	}
	if len(ids) != 2 {
		t.Errorf("%d bars, want 2", len(ids))
	}
	last := sink.events[len(sink.events)-1].d.Bundle[display.MIMEText].(string)
	if !strings.HasPrefix(last, "Pool: 8/10 in 0.7 s") || !strings.HasSuffix(last, ", stopped") {
		t.Errorf("stopped summary %q", last)
	}
}

func TestProgressConcurrent(t *testing.T) {
	clock := testclock.New()
	sink := &recSink{clock: clock}
	p := NewProgress(sink, WithClock(clock.Now))
	var wg sync.WaitGroup
	var mu sync.Mutex
	done := 0
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 125; i++ {
				clock.Advance(time.Millisecond)
				mu.Lock()
				done++
				d := done
				mu.Unlock()
				p.Report("Locate", d, 1000)
			}
		}()
	}
	wg.Wait()
	last := sink.events[len(sink.events)-1].d.Bundle[display.MIMEText].(string)
	if !strings.HasPrefix(last, "Locate: 1,000/1,000 in 1.0 s") {
		t.Errorf("summary %q", last)
	}
}
