package kernel

import (
	"testing"
	"time"
)

func TestAbortMarkCovers(t *testing.T) {
	errorAt := time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC)
	var mark abortMark
	mark.set(7, errorAt, 500*time.Millisecond)
	date := func(d time.Duration) string { return errorAt.Add(d).Format(time.RFC3339Nano) }
	tests := []struct {
		name    string
		seq     uint64
		arrived time.Duration // after errorAt
		date    string
		want    string
	}{
		{"queued before the error", 7, -time.Millisecond, date(-time.Second), "queued"},
		{"queued, dated after (skewed clock)", 3, -time.Millisecond, date(time.Hour), "queued"},
		{"in flight: sent before the error", 8, 2 * time.Millisecond, date(-time.Millisecond), "sent before the error"},
		{"sent after the error reply", 8, 2 * time.Millisecond, date(time.Millisecond), ""},
		{"sent at the same instant", 8, time.Millisecond, date(0), ""},
		{"dated before, arriving after the window", 9, 501 * time.Millisecond, date(-time.Millisecond), ""},
		{"no date", 8, time.Millisecond, "", ""},
		{"unparsable date", 8, time.Millisecond, "yesterday", ""},
		{"date with an offset", 8, time.Millisecond, errorAt.Add(-time.Millisecond).In(time.FixedZone("X", 3600)).Format(time.RFC3339Nano), "sent before the error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &request{seq: tt.seq, arrived: errorAt.Add(tt.arrived), msg: &message{header: header{Date: tt.date}}}
			if got := mark.covers(r); got != tt.want {
				t.Errorf("covers = %q, want %q", got, tt.want)
			}
		})
	}
	var unset abortMark
	if why := unset.covers(&request{seq: 1, arrived: errorAt, msg: &message{header: header{Date: date(-time.Hour)}}}); why != "" {
		t.Errorf("no error yet, yet a request is aborted: %s", why)
	}
}

// TestStopOnErrorAbortsRequestsInFlight: a request the client sent before
// the error reply existed is aborted even when it reaches the kernel after
// the failed cell finished, as "Run all" requests do when a cell fails fast.
func TestStopOnErrorAbortsRequestsInFlight(t *testing.T) {
	h := newHarness(t, newFake(), func(c *harnessConfig) { c.cfg.abortWindow = 300 * time.Millisecond })
	sentEarly := time.Now().UTC().Format(time.RFC3339Nano)
	if r, _ := h.execute("fail first", nil); r.content["status"] != "error" {
		t.Fatalf("first cell: %v", r.content)
	}
	inFlight := h.sendDated(shellChannel, "c", "execute_request", map[string]any{"code": "value a"}, sentEarly)
	if r := h.reply(shellChannel); r.parent.MsgID != inFlight || r.content["status"] != "aborted" {
		t.Errorf("request sent before the error: %v, want aborted", r.content)
	}
	if r, _ := h.execute("value b", nil); r.content["status"] != "ok" {
		t.Errorf("request sent after the error reply: %v, want ok", r.content)
	}
	time.Sleep(350 * time.Millisecond)
	late := h.sendDated(shellChannel, "c", "execute_request", map[string]any{"code": "value c"}, sentEarly)
	if r := h.reply(shellChannel); r.parent.MsgID != late || r.content["status"] != "ok" {
		t.Errorf("request arriving after the window: %v, want ok", r.content)
	}
}
