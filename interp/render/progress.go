package render

import (
	"fmt"
	"html"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/gohpc/gohpc/display"
)

// Progress timing: a task shows nothing until ProgressDelay after its first
// report, then a bar updated at most once per ProgressInterval (10 a second).
const (
	ProgressDelay    = 500 * time.Millisecond
	ProgressInterval = 100 * time.Millisecond
)

// Progress shows live progress bars for long-running native calls. Its
// Report method has the signature of hpc.ProgressFunc:
//
//	p := render.NewProgress(sink)
//	prev := hpc.SetProgress(p.Report)
//	defer func() { hpc.SetProgress(prev); p.Close() }()
//
// Each task (by name) gets its own bar: one display_data with a display id
// once the task has run for ProgressDelay, then update_display_data in place
// at most every ProgressInterval, with count, percentage, rate and ETA in
// HTML (a <progress> bar) and text. When a task reports done == total its bar
// becomes a one-line summary, "Locate: 256/256 events in 1.2 s (213/s)". A
// task that finishes within ProgressDelay shows nothing at all. A report for
// a finished task, or with a different total, starts a new bar.
//
// Report is safe for concurrent use and returns quickly; reports may arrive
// out of order (the largest done counts).
type Progress struct {
	sink  display.Sink
	now   func() time.Time
	units map[string]string

	mu    sync.Mutex
	tasks map[string]*progressBar
}

type progressBar struct {
	task        string
	id          string
	start, last time.Time
	done, total int
	shown       bool
	finished    bool
}

// ProgressOption configures a Progress.
type ProgressOption func(*Progress)

// WithClock makes the Progress read time from now instead of time.Now (for tests).
func WithClock(now func() time.Time) ProgressOption {
	return func(p *Progress) { p.now = now }
}

// WithUnits names the units of tasks, e.g. {"Locate": "events"}, shown after
// the counts.
func WithUnits(units map[string]string) ProgressOption {
	return func(p *Progress) {
		for k, v := range units {
			p.units[k] = v
		}
	}
}

// NewProgress returns a Progress that shows its bars on sink; a nil sink
// means the sink current at each report (display.CurrentSink).
func NewProgress(sink display.Sink, opts ...ProgressOption) *Progress {
	p := &Progress{sink: sink, now: time.Now, units: map[string]string{}, tasks: map[string]*progressBar{}}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Report records that task has done units of total; see Progress.
func (p *Progress) Report(task string, done, total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	b := p.tasks[task]
	if b != nil && !b.finished && b.total != total {
		p.stop(b, now)
		b = nil
	}
	if b == nil || b.finished {
		b = &progressBar{task: task, id: display.NewHandle().ID(), start: now, total: total}
		p.tasks[task] = b
	}
	b.done = max(b.done, done)
	if b.done >= b.total {
		b.finished = true
		if b.shown {
			p.sinkFor().UpdateDisplay(display.Data{Bundle: p.summary(b, now, ""), DisplayID: b.id})
		}
		return
	}
	if now.Sub(b.start) < ProgressDelay {
		return
	}
	if !b.shown {
		b.shown, b.last = true, now
		p.sinkFor().Display(display.Data{Bundle: p.bar(b, now), DisplayID: b.id})
		return
	}
	if now.Sub(b.last) >= ProgressInterval {
		b.last = now
		p.sinkFor().UpdateDisplay(display.Data{Bundle: p.bar(b, now), DisplayID: b.id})
	}
}

// Close ends the bars of unfinished tasks (the cell was interrupted or the
// call failed) with a summary marked "stopped". Call it when the cell ends.
func (p *Progress) Close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	for _, b := range p.tasks {
		if !b.finished {
			p.stop(b, now)
		}
	}
}

func (p *Progress) stop(b *progressBar, now time.Time) {
	b.finished = true
	if b.shown {
		p.sinkFor().UpdateDisplay(display.Data{Bundle: p.summary(b, now, ", stopped"), DisplayID: b.id})
	}
}

func (p *Progress) sinkFor() display.Sink {
	if p.sink != nil {
		return p.sink
	}
	return display.CurrentSink()
}

func (p *Progress) counts(b *progressBar) string {
	s := fmt.Sprintf("%s/%s", FormatCount(int64(b.done)), FormatCount(int64(b.total)))
	if u := p.units[b.task]; u != "" {
		s += " " + u
	}
	return s
}

func (p *Progress) bar(b *progressBar, now time.Time) display.Bundle {
	elapsed := now.Sub(b.start).Seconds()
	frac := 0.0
	if b.total > 0 {
		frac = float64(b.done) / float64(b.total)
	}
	rate := float64(b.done) / elapsed
	eta := "?"
	if b.done > 0 {
		eta = formatClock(float64(b.total-b.done) / rate)
	}
	const width = 24
	fill := int(math.Round(frac * width))
	text := fmt.Sprintf("%s: %3.0f%% |%s%s| %s [%s, %s, ETA %s]", b.task, 100*frac,
		strings.Repeat("█", fill), strings.Repeat(" ", width-fill),
		p.counts(b), formatClock(elapsed), formatRate(rate), eta)
	h := fmt.Sprintf(`<div style="font-family:monospace">%s: <progress value="%d" max="%d" style="width:24em;vertical-align:middle"></progress> %3.0f%% %s [%s, %s, ETA %s]</div>`,
		html.EscapeString(b.task), b.done, b.total, 100*frac, html.EscapeString(p.counts(b)),
		formatClock(elapsed), formatRate(rate), eta)
	return display.Bundle{display.MIMEHTML: h, display.MIMEText: text}
}

func (p *Progress) summary(b *progressBar, now time.Time, suffix string) display.Bundle {
	elapsed := now.Sub(b.start).Seconds()
	text := fmt.Sprintf("%s: %s in %s (%s)%s", b.task, p.counts(b), formatClock(elapsed),
		formatRate(float64(b.done)/elapsed), suffix)
	return display.Bundle{
		display.MIMEHTML: `<div style="font-family:monospace">` + html.EscapeString(text) + `</div>`,
		display.MIMEText: text,
	}
}
