package kernel

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// funcInterp runs fn for every cell.
type funcInterp struct {
	fn func(ctx context.Context, req ExecuteRequest, out Output) (ExecuteResult, error)
}

func (funcInterp) KernelInfo() KernelInfo {
	return KernelInfo{Implementation: "func", LanguageName: "go"}
}

func (f funcInterp) Execute(ctx context.Context, req ExecuteRequest, out Output) (ExecuteResult, error) {
	return f.fn(ctx, req, out)
}

func withFlushInterval(d time.Duration) harnessOpt {
	return func(c *harnessConfig) { c.cfg.flushInterval = d }
}

func TestStreamCoalescing(t *testing.T) {
	h := newHarness(t, funcInterp{func(ctx context.Context, req ExecuteRequest, out Output) (ExecuteResult, error) {
		for range 500 {
			out.Stream("stdout", "a")
		}
		for range 3 {
			out.Stream("stderr", "b")
		}
		for range 500 {
			out.Stream("stdout", "c")
		}
		out.Display(DisplayData{Data: map[string]any{"text/plain": "D"}})
		out.Stream("stdout", "d")
		return ExecuteResult{}, nil
	}}, withFlushInterval(time.Hour))
	_, out := h.execute("", nil)
	var got []string
	for _, m := range out[1:] {
		if m.header.MsgType == "stream" {
			got = append(got, fmt.Sprintf("%s:%s", m.content["name"], m.content["text"]))
		} else {
			got = append(got, m.header.MsgType)
		}
	}
	want := []string{"stdout:" + strings.Repeat("a", 500), "stderr:bbb", "stdout:" + strings.Repeat("c", 500), "display_data", "stdout:d"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestStreamTimerFlush(t *testing.T) {
	release := make(chan struct{})
	h := newHarness(t, funcInterp{func(ctx context.Context, req ExecuteRequest, out Output) (ExecuteResult, error) {
		out.Stream("stdout", "early")
		out.Stream("stdout", "\xc3") // first half of é
		<-release
		out.Stream("stdout", "\xa9")
		return ExecuteResult{}, nil
	}}, withFlushInterval(20*time.Millisecond))
	id := h.send(shellChannel, "c", "execute_request", map[string]any{"code": ""})
	// The text shows up while the cell still runs, without the half rune.
	deadline := time.Now().Add(2 * time.Second)
	for {
		h.mu.Lock()
		var texts []string
		for _, m := range h.iopub {
			if m.header.MsgType == "stream" {
				texts = append(texts, m.content["text"].(string))
			}
		}
		h.mu.Unlock()
		if len(texts) > 0 {
			if texts[0] != "early" {
				t.Fatalf("first flush = %q", texts[0])
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("stream not flushed by the timer")
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(30 * time.Millisecond) // one more interval: the half rune stays back
	close(release)
	h.reply(shellChannel)
	var all string
	for _, m := range between(h.outputs(id)) {
		if m.header.MsgType == "stream" {
			all += m.content["text"].(string)
		}
	}
	if all != "earlyé" {
		t.Fatalf("stream text %q, want %q", all, "earlyé")
	}
}

// TestStreamFlood writes a lot of output in small writes to both streams
// while the client reads slowly: every byte must arrive, in order, with a
// bounded number of messages, and the writer must be held back. (The
// 100 MiB flood over real sockets is TestOutputFlood.)
func TestStreamFlood(t *testing.T) {
	total := 32 << 20
	if raceEnabled || testing.Short() {
		total = 12 << 20
	}
	var written atomic.Int64
	wantHash := make(chan [32]byte, 1)
	start := make(chan time.Time, 1)
	h := newHarness(t, funcInterp{func(ctx context.Context, req ExecuteRequest, out Output) (ExecuteResult, error) {
		start <- time.Now()
		rng := rand.New(rand.NewPCG(1, 2))
		hash := sha256.New()
		buf := make([]byte, 512)
		for i := range buf {
			buf[i] = byte('a' + i%26)
		}
		name, last := "stdout", ""
		for n := 0; n < total; {
			if rng.IntN(1000) == 0 { // switch streams now and then
				if name == "stdout" {
					name = "stderr"
				} else {
					name = "stdout"
				}
			}
			k := min(1+rng.IntN(200), total-n)
			text := string(buf[n%256 : n%256+k])
			if name != last {
				io.WriteString(hash, "\x00"+name+"\x00")
				last = name
			}
			hash.Write([]byte(text))
			out.Stream(name, text)
			n += k
			written.Store(int64(n))
		}
		var sum [32]byte
		copy(sum[:], hash.Sum(nil))
		wantHash <- sum
		return ExecuteResult{}, nil
	}}, func(c *harnessConfig) { c.noCollector = true; c.iopubCap = 4 })

	h.send(shellChannel, "c", "execute_request", map[string]any{"code": ""})
	hash := sha256.New()
	var received, msgs, maxAhead int64
	last := ""
	cfg := h.k.cfg
	// What may be in flight: the cell's buffer, the kernel's IOPub queue and
	// the transport's queue, each message at most 4 chunks long.
	bound := int64(cfg.streamBuffer + (cap(h.k.iopubQ)+4+2)*4*cfg.streamChunk)
	for {
		f := <-h.tr.outs[iopubChannel]
		m := h.decode(f)
		if m.header.MsgType == "status" && m.content["execution_state"] == "idle" {
			break
		}
		if m.header.MsgType != "stream" {
			continue
		}
		msgs++
		name, text := m.content["name"].(string), m.content["text"].(string)
		if name != last {
			io.WriteString(hash, "\x00"+name+"\x00")
			last = name
		}
		hash.Write([]byte(text))
		received += int64(len(text))
		if ahead := written.Load() - received; ahead > maxAhead {
			maxAhead = ahead
		}
		if msgs%64 == 0 {
			time.Sleep(time.Millisecond) // a slow client
		}
	}
	elapsed := time.Since(<-start)
	var got [32]byte
	copy(got[:], hash.Sum(nil))
	if got != <-wantHash || received != int64(total) {
		t.Fatalf("received %d of %d bytes, or in another order", received, total)
	}
	if maxAhead > bound {
		t.Errorf("the writer ran %d bytes ahead of the client; bound %d", maxAhead, bound)
	}
	// Messages: full chunks, plus at most one per stream switch and per
	// timer tick.
	maxMsgs := int64(total/cfg.streamChunk) + int64(total/100_000) + int64(elapsed/cfg.flushInterval) + 4
	if msgs > maxMsgs {
		t.Errorf("%d stream messages for %d bytes, want at most %d", msgs, total, maxMsgs)
	}
	t.Logf("%d MiB in %d messages in %v; writer at most %d KiB ahead", total>>20, msgs, elapsed, maxAhead>>10)
	h.reply(shellChannel)
}

// TestOutputConcurrentWriters checks that concurrent goroutines can share
// one Output: every line arrives whole and exactly once.
func TestOutputConcurrentWriters(t *testing.T) {
	const writers, lines = 8, 500
	h := newHarness(t, funcInterp{func(ctx context.Context, req ExecuteRequest, out Output) (ExecuteResult, error) {
		var wg sync.WaitGroup
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range lines {
					out.Stream("stdout", fmt.Sprintf("w%d-%d\n", w, i))
				}
			}()
		}
		wg.Wait()
		return ExecuteResult{}, nil
	}}, withFlushInterval(time.Millisecond))
	_, out := h.execute("", nil)
	var all strings.Builder
	for _, m := range out {
		if m.header.MsgType == "stream" {
			all.WriteString(m.content["text"].(string))
		}
	}
	seen := map[string]bool{}
	for _, l := range strings.Split(strings.TrimSuffix(all.String(), "\n"), "\n") {
		if seen[l] {
			t.Fatalf("line %q twice", l)
		}
		seen[l] = true
	}
	if len(seen) != writers*lines {
		t.Fatalf("%d lines, want %d", len(seen), writers*lines)
	}
}

func TestIncompleteSuffix(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int
	}{
		{"", 0}, {"abc", 3}, {"é", 2}, {"a\xc3", 1}, {"a\xe2\x82", 1}, {"a\xe2\x82\xac", 4},
		{"\xf0\x9f\x98", 0}, {"\xf0\x9f\x98\x80", 4}, {"a\x80", 2}, {"a\x80\x80\x80\x80", 5},
	} {
		if got := incompleteSuffix([]byte(tt.in)); got != tt.want {
			t.Errorf("incompleteSuffix(%q) = %d, want %d", tt.in, got, tt.want)
		}
	}
}
