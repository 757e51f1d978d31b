package kernel

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

// logBuffer collects log output (and passes it to the test log).
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
	t   io.Writer
}

func newLogBuffer(t testing.TB) *logBuffer { return &logBuffer{t: newTestLogWriter(t)} }

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	l.buf.Write(p)
	l.mu.Unlock()
	return l.t.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// waitLog waits until the log contains s.
func (l *logBuffer) waitLog(t *testing.T, s string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(l.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("no log line with %q", s)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestSignatureCheckedFirst: a message with a bad signature is dropped as
// such whatever its JSON holds, so no unauthenticated byte reaches a JSON
// parser.
func TestSignatureCheckedFirst(t *testing.T) {
	key := newSigner([]byte("secret"))
	forger := newSigner([]byte("guess"))
	for _, hdr := range []string{`{nope`, `[1]`, `{"msg_id":"1","msg_type":"execute_request"}`, strings.Repeat("[", 100000)} {
		for _, frames := range [][][]byte{
			clientFrames(forger, []string{"c"}, hdr, `{}`, `{}`, `{}`),
			clientFrames(newSigner(nil), []string{"c"}, hdr, `{"x":`, `{}`, `{}`),
		} {
			m, err := decodeMessage(frames, key, newDigestHistory(4), 0)
			if m != nil || wireKind(err) != "bad signature" {
				t.Errorf("header %.20q: %v, want a bad signature", hdr, err)
			}
		}
	}
}

// TestReplayOverTheWire: the same signed frames sent twice are answered
// once, and the drop is logged.
func TestReplayOverTheWire(t *testing.T) {
	logs := newLogBuffer(t)
	h := newHarness(t, newFake(), func(c *harnessConfig) { c.logTo = logs })
	f := clientFrames(h.signer, []string{"client-1"}, `{"msg_id":"once","msg_type":"execute_request"}`, `{}`, `{}`, `{"code":"value 1"}`)
	h.tr.boxes[shellChannel] <- f
	if r := h.reply(shellChannel); r.parent.MsgID != "once" {
		t.Fatal(r)
	}
	h.tr.boxes[shellChannel] <- f
	h.noReply(shellChannel)
	logs.waitLog(t, "replay")
	// The execution count shows the cell ran once.
	if r, _ := h.execute("value 2", nil); r.content["execution_count"] != 2.0 {
		t.Fatalf("execution_count = %v after a replay", r.content["execution_count"])
	}
}

// TestUnknownRequestOneReply: an unknown request gets exactly one error
// reply, with busy and idle around it.
func TestUnknownRequestOneReply(t *testing.T) {
	h := newHarness(t, newFake())
	for _, ch := range []channel{shellChannel, controlChannel} {
		id, r := h.request(ch, "debug_request", map[string]any{"command": "initialize"})
		if r.content["status"] != "error" || r.content["ename"] != "UnknownMessageType" {
			t.Errorf("%s: %v", ch, r)
		}
		if got := types(h.outputs(id)); got != "status,status" {
			t.Errorf("IOPub = %s", got)
		}
		h.noReply(ch)
	}
}

// TestQueuedExecutesInOrder sends 100 execute requests at once over real
// sockets: each is answered, in order, with its outputs in order on IOPub.
func TestQueuedExecutesInOrder(t *testing.T) {
	k, _, _ := startZMQKernel(t, loopbackInfo(), newFake())
	c := dialClient(t, k.ConnectionInfo())
	c.waitReady()
	const n = 100
	ids := make([]string, n)
	for i := range ids {
		ids[i] = c.send(c.shell, "execute_request", map[string]any{"code": fmt.Sprintf("print p%d\nvalue v%d", i, i), "silent": false, "store_history": true})
	}
	for i, id := range ids {
		r, ok := c.recv(c.shell, 10*time.Second)
		if !ok {
			t.Fatalf("reply %d missing", i)
		}
		if r.parent.MsgID != id || r.content["status"] != "ok" || r.content["execution_count"] != float64(i+1) {
			t.Fatalf("reply %d: %v (want parent %s, count %d)", i, r, id, i+1)
		}
	}
	// IOPub: every request's messages come in order, each request's after
	// the previous one's idle.
	next := 0
	var seq []string
	for next < n {
		m, ok := c.recv(c.iopub, 10*time.Second)
		if !ok {
			t.Fatalf("IOPub stalled at request %d", next)
		}
		if m.parent.MsgID != ids[next] {
			if m.parent.MsgType == "execute_request" {
				t.Fatalf("output for another request while %d runs: %v", next, m)
			}
			continue
		}
		switch m.header.MsgType {
		case "stream":
			seq = append(seq, m.content["text"].(string))
		case "execute_result":
			seq = append(seq, m.content["data"].(map[string]any)["text/plain"].(string))
		case "status":
			if m.content["execution_state"] == "idle" {
				if want := fmt.Sprintf("p%d,v%d", next, next); strings.Join(seq, ",") != want {
					t.Fatalf("request %d published %v, want %s", next, seq, want)
				}
				seq = nil
				next++
			}
		}
	}
}

// TestShutdownDuringCell: a shutdown_request, or the cancellation of Run's
// context (SIGTERM), while a cell runs (one that ignores its context, too)
// makes Run return within 1 s over real sockets.
func TestShutdownDuringCell(t *testing.T) {
	for _, tc := range []struct{ code, how string }{
		{"block", "shutdown_request"}, {"hang", "shutdown_request"}, {"hang", "cancel"},
	} {
		t.Run(tc.code+" "+tc.how, func(t *testing.T) {
			f := newFake()
			k, runErr, cancel := startZMQKernel(t, loopbackInfo(), f)
			c := dialClient(t, k.ConnectionInfo())
			c.waitReady()
			c.send(c.shell, "execute_request", map[string]any{"code": tc.code})
			<-f.started
			start := time.Now()
			want := error(nil)
			if tc.how == "cancel" {
				cancel()
				want = context.Canceled
			} else {
				id := c.send(c.ctrl, "shutdown_request", map[string]any{"restart": false})
				if r, ok := c.recv(c.ctrl, 5*time.Second); !ok || r.parent.MsgID != id {
					t.Fatalf("shutdown_reply = %v", r)
				}
			}
			select {
			case err := <-runErr:
				if !errors.Is(err, want) || (want == nil && err != nil) {
					t.Fatalf("Run = %v, want %v", err, want)
				}
				runErr <- nil
			case <-time.After(time.Second):
				t.Fatal("Run did not return within 1 s")
			}
			t.Logf("Run returned %v after the %s", time.Since(start), tc.how)
			close(f.release) // the hanging cell, left behind, ends
			c.close()
			checkNoLeaks(t)
		})
	}
}

// TestHeartbeatDuringNativeWork: while a cell keeps every core busy in
// native code, heartbeats and control requests are still answered
// promptly (Go preempts the busy goroutines).
func TestHeartbeatDuringNativeWork(t *testing.T) {
	spinning := make(chan struct{})
	interp := funcInterp{func(ctx context.Context, req ExecuteRequest, out Output) (ExecuteResult, error) {
		var wg sync.WaitGroup
		var sink atomic.Uint64
		for range runtime.GOMAXPROCS(0) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				x := uint64(1)
				for ctx.Err() == nil {
					for range 1 << 16 {
						x = x*6364136223846793005 + 1442695040888963407
					}
				}
				sink.Add(x)
			}()
		}
		close(spinning)
		wg.Wait()
		return ExecuteResult{}, ctx.Err()
	}}
	k, _, _ := startZMQKernel(t, loopbackInfo(), interp)
	ci := k.ConnectionInfo()
	shell := dialRaw(t, ci.endpoint(ci.ShellPort), ci.Key, zmq4.Dealer)
	ctrl := dialRaw(t, ci.endpoint(ci.ControlPort), ci.Key, zmq4.Dealer)
	hb := dialRaw(t, ci.endpoint(ci.HBPort), ci.Key, zmq4.Dealer)
	shell.send(t, "execute_request", `{"code":"spin"}`)
	<-spinning
	var worst time.Duration
	for range 20 {
		start := time.Now()
		if err := hb.p.writeMsg([][]byte{[]byte("beat")}); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := hb.p.readMsg(1 << 10); err != nil {
			t.Fatal(err)
		}
		worst = max(worst, time.Since(start))
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	if r := ctrl.roundTrip(t, "kernel_info_request", "{}"); r.header.MsgType != "kernel_info_reply" {
		t.Fatal(r.header.MsgType)
	}
	ctrlTime := time.Since(start)
	if r := ctrl.roundTrip(t, "interrupt_request", "{}"); r.header.MsgType != "interrupt_reply" {
		t.Fatal(r.header.MsgType)
	}
	if r := shell.recv(t); !bytes.Contains(r.content, []byte("Interrupted")) {
		t.Fatalf("execute_reply = %s", r.content)
	}
	t.Logf("busy cores: heartbeat worst %v, kernel_info on control %v", worst, ctrlTime)
	if worst > 500*time.Millisecond || ctrlTime > 500*time.Millisecond {
		t.Errorf("heartbeat worst %v, control %v while the cores were busy", worst, ctrlTime)
	}
}

// TestClose: Close releases a kernel that never ran, stops a running one
// (Run returns nil), and leaves no goroutine behind either way.
func TestClose(t *testing.T) {
	t.Run("before Run", func(t *testing.T) {
		k, err := New(loopbackInfo(), newFake(), WithLogOutput(newTestLogWriter(t)))
		if err != nil {
			t.Fatal(err)
		}
		c := dialClient(t, k.ConnectionInfo()) // connections with peers to close
		c.send(c.shell, "kernel_info_request", nil)
		time.Sleep(20 * time.Millisecond)
		if err := k.Close(); err != nil {
			t.Fatal(err)
		}
		k.Close()
		if err := k.Run(context.Background()); err == nil {
			t.Fatal("Run after Close succeeded")
		}
		c.close()
		checkNoLeaks(t)
	})
	t.Run("during Run", func(t *testing.T) {
		f := newFake()
		defer close(f.release)
		k, err := New(loopbackInfo(), f, WithLogOutput(newTestLogWriter(t)))
		if err != nil {
			t.Fatal(err)
		}
		runErr := make(chan error, 1)
		go func() { runErr <- k.Run(context.Background()) }()
		c := dialClient(t, k.ConnectionInfo())
		c.waitReady()
		c.send(c.shell, "execute_request", map[string]any{"code": "block"})
		<-f.started
		start := time.Now()
		k.Close()
		if d := time.Since(start); d > time.Second {
			t.Errorf("Close took %v", d)
		}
		select {
		case err := <-runErr:
			if err != nil {
				t.Fatalf("Run = %v after Close, want nil", err)
			}
		case <-time.After(time.Second): // Run has returned; its result is on its way
			t.Fatal("Run did not return")
		}
		if k.RestartRequested() {
			t.Error("Close asked for a restart")
		}
		k.Close()
		c.close()
		checkNoLeaks(t)
	})
}

// TestControlWhileIOPubStalled: with IOPub stalled (nobody reads it) and a
// cell blocked on its output, control requests are still answered.
func TestControlWhileIOPubStalled(t *testing.T) {
	wrote := make(chan struct{})
	h := newHarness(t, funcInterp{func(ctx context.Context, req ExecuteRequest, out Output) (ExecuteResult, error) {
		close(wrote)
		for ctx.Err() == nil {
			out.Stream("stdout", strings.Repeat("x", 1000))
		}
		return ExecuteResult{}, ctx.Err()
	}}, func(c *harnessConfig) { c.noCollector = true; c.iopubCap = 1 })
	h.send(shellChannel, "c", "execute_request", map[string]any{"code": ""})
	<-wrote
	time.Sleep(50 * time.Millisecond) // the writer fills every queue and blocks
	start := time.Now()
	for _, typ := range []string{"kernel_info_request", "interrupt_request"} {
		_, r := h.request(controlChannel, typ, nil)
		if r.content["status"] != "ok" {
			t.Fatalf("%s: %v", typ, r)
		}
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("control answered in %v while IOPub was stalled", d)
	}
	// The interrupt reached the writer, blocked as it is.
	go func() {
		for {
			select {
			case <-h.tr.outs[iopubChannel]:
			case <-h.stop:
				return
			}
		}
	}()
	if r := h.reply(shellChannel); r.content["ename"] != "Interrupted" {
		t.Fatalf("execute_reply = %v", r)
	}
}

// TestOutputFlood runs a cell writing 100 MiB (12 MiB under the race
// detector) in small writes to stdout and stderr over real sockets, with a
// client that hashes what it receives. Every byte arrives in order, in a
// bounded number of messages; the heap stays bounded; control requests and
// heartbeats are answered promptly throughout.
func TestOutputFlood(t *testing.T) {
	total := 100 << 20
	if raceEnabled || testing.Short() {
		total = 12 << 20
	}
	wantHash := make(chan [32]byte, 1)
	var switches atomic.Int64
	interp := funcInterp{func(ctx context.Context, req ExecuteRequest, out Output) (ExecuteResult, error) {
		if req.Code != "flood" {
			return ExecuteResult{}, nil
		}
		hash := sha256.New()
		buf := []byte(strings.Repeat("abcdefghijklmnopqrstuvwxyz0123456789\n", 20))
		name, last := "stdout", ""
		x := uint32(1)
		for n := 0; n < total; {
			x ^= x << 13
			x ^= x >> 17
			x ^= x << 5
			if x%997 == 0 { // switch streams now and then
				name = map[string]string{"stdout": "stderr", "stderr": "stdout"}[name]
			}
			k := min(1+int(x%160), total-n)
			text := string(buf[n%300 : n%300+k])
			if name != last {
				io.WriteString(hash, "\x00"+name+"\x00")
				last = name
				switches.Add(1)
			}
			hash.Write([]byte(text))
			out.Stream(name, text)
			n += k
		}
		var sum [32]byte
		copy(sum[:], hash.Sum(nil))
		wantHash <- sum
		return ExecuteResult{}, nil
	}}
	k, _, _ := startZMQKernel(t, loopbackInfo(), interp, WithLogOutput(newTestLogWriter(t)))
	ci := k.ConnectionInfo()
	shell := dialRaw(t, ci.endpoint(ci.ShellPort), ci.Key, zmq4.Dealer)
	ctrl := dialRaw(t, ci.endpoint(ci.ControlPort), ci.Key, zmq4.Dealer)
	hb := dialRaw(t, ci.endpoint(ci.HBPort), ci.Key, zmq4.Dealer)
	sub := dialRaw(t, ci.endpoint(ci.IOPubPort), ci.Key, zmq4.Sub)
	sub.subscribeAll(t)

	// The IOPub reader: hashes the flood's streams.
	var floodID atomic.Value
	floodID.Store("")
	ready := make(chan struct{}, 1)
	type result struct {
		hash     [32]byte
		bytes    int64
		msgs     int64
		elapsed  time.Duration
		firstErr error
	}
	done := make(chan result, 1)
	go func() {
		hash := sha256.New()
		var res result
		var start time.Time
		last := ""
		for {
			frames, _, _, err := sub.p.readMsg(1 << 30)
			if err != nil {
				res.firstErr = err
				done <- res
				return
			}
			m, err := decodeMessage(frames, sub.signer, nil, 0)
			if err != nil {
				res.firstErr = err
				done <- res
				return
			}
			var parent header
			json.Unmarshal(m.parent, &parent)
			if parent.MsgID == "" || parent.MsgID != floodID.Load().(string) {
				select {
				case ready <- struct{}{}:
				default:
				}
				continue
			}
			switch m.header.MsgType {
			case "stream":
				if start.IsZero() {
					start = time.Now()
				}
				var c streamContent
				json.Unmarshal(m.content, &c)
				if c.Name != last {
					io.WriteString(hash, "\x00"+c.Name+"\x00")
					last = c.Name
				}
				hash.Write([]byte(c.Text))
				res.bytes += int64(len(c.Text))
				res.msgs++
			case "status":
				if bytes.Contains(m.content, []byte(`"idle"`)) {
					copy(res.hash[:], hash.Sum(nil))
					res.elapsed = time.Since(start)
					done <- res
					return
				}
			}
		}
	}()
	// Wait until the subscription is in place.
	for i := 0; ; i++ {
		shell.roundTrip(t, "kernel_info_request", "{}")
		select {
		case <-ready:
		case <-time.After(100 * time.Millisecond):
			if i > 100 {
				t.Fatal("IOPub never delivered")
			}
			continue
		}
		break
	}

	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	baseHeap := ms.HeapInuse
	var peakHeap atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	// Control and heartbeat probes, and a heap sampler, while the flood runs.
	var ctrlMax, hbMax atomic.Int64
	var probes atomic.Int64
	probe := func(c *rawClient, max *atomic.Int64, send func() error) {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			start := time.Now()
			if err := send(); err != nil {
				t.Error(err)
				return
			}
			if _, _, _, err := c.p.readMsg(1 << 20); err != nil {
				t.Error(err)
				return
			}
			d := int64(time.Since(start))
			for cur := max.Load(); d > cur && !max.CompareAndSwap(cur, d); cur = max.Load() {
			}
			probes.Add(1)
		}
	}
	wg.Add(3)
	go probe(ctrl, &ctrlMax, func() error {
		hdr, _ := json.Marshal(header{MsgID: newUUID(), Session: "raw", MsgType: "kernel_info_request", Version: "5.3"})
		return ctrl.p.writeMsg(clientFrames(ctrl.signer, nil, string(hdr), "{}", "{}", "{}"))
	})
	go probe(hb, &hbMax, func() error { return hb.p.writeMsg([][]byte{[]byte("beat")}) })
	go func() {
		defer wg.Done()
		var ms runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peakHeap.Load() {
				peakHeap.Store(ms.HeapInuse)
			}
		}
	}()

	id := newUUID()
	floodID.Store(id)
	hdr, _ := json.Marshal(header{MsgID: id, Session: "raw", MsgType: "execute_request", Version: "5.3"})
	if err := shell.p.writeMsg(clientFrames(shell.signer, nil, string(hdr), "{}", "{}", `{"code":"flood","silent":false}`)); err != nil {
		t.Fatal(err)
	}
	var res result
	select {
	case res = <-done:
	case <-time.After(5 * time.Minute):
		t.Fatal("the flood did not finish")
	}
	close(stop)
	wg.Wait()
	if res.firstErr != nil {
		t.Fatal(res.firstErr)
	}
	if r := shell.recv(t); r.header.MsgType != "execute_reply" || !bytes.Contains(r.content, []byte(`"ok"`)) {
		t.Fatalf("execute_reply = %s", r.content)
	}
	if res.bytes != int64(total) || res.hash != <-wantHash {
		t.Fatalf("received %d of %d bytes, or in another order", res.bytes, total)
	}
	cfg := k.cfg
	maxMsgs := int64(total/cfg.streamChunk) + switches.Load() + int64(res.elapsed/cfg.flushInterval) + 4
	if res.msgs > maxMsgs {
		t.Errorf("%d stream messages for %d bytes, want at most %d", res.msgs, total, maxMsgs)
	}
	heap := int64(peakHeap.Load()) - int64(baseHeap)
	t.Logf("%d MiB in %d messages in %v (%.0f MiB/s); heap peak +%d MiB; control max %v, heartbeat max %v over %d probes",
		total>>20, res.msgs, res.elapsed.Round(time.Millisecond), float64(total)/(1<<20)/res.elapsed.Seconds(),
		heap>>20, time.Duration(ctrlMax.Load()).Round(time.Microsecond), time.Duration(hbMax.Load()).Round(time.Microsecond), probes.Load())
	if heap > 128<<20 {
		t.Errorf("heap grew by %d MiB during the flood", heap>>20)
	}
	limit := time.Second
	if raceEnabled {
		limit = 3 * time.Second
	}
	if d := time.Duration(ctrlMax.Load()); d > limit {
		t.Errorf("a control request took %v during the flood", d)
	}
	if d := time.Duration(hbMax.Load()); d > limit {
		t.Errorf("a heartbeat took %v during the flood", d)
	}
}

// TestOversizedLogged: a message over the size cap is dropped with a log
// line naming its size, and the connection goes on.
func TestOversizedLogged(t *testing.T) {
	logs := newLogBuffer(t)
	k, _, _ := startZMQKernel(t, loopbackInfo(), newFake(), WithLogOutput(logs), WithMaxMessageSize(1<<20))
	ci := k.ConnectionInfo()
	c := dialRaw(t, ci.endpoint(ci.ShellPort), ci.Key, zmq4.Dealer)
	hdr, _ := json.Marshal(header{MsgID: newUUID(), Session: "raw", MsgType: "kernel_info_request", Version: "5.3"})
	big := clientFrames(c.signer, nil, string(hdr), "{}", "{}", "{}", strings.Repeat("x", 3<<20))
	if err := c.p.writeMsg(big); err != nil {
		t.Fatal(err)
	}
	logs.waitLog(t, "dropped oversized message")
	if !strings.Contains(logs.String(), "cap=1048576") {
		t.Errorf("the log line does not give the cap:\n%s", logs)
	}
	if r := c.roundTrip(t, "kernel_info_request", "{}"); r.header.MsgType != "kernel_info_reply" {
		t.Fatalf("after an oversized message: %s", r.header.MsgType)
	}
}

// TestReadBodyLazy: a frame announced at 200 MB that never comes costs
// little memory; frames of every size around the eager limit read whole.
func TestReadBodyLazy(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := readBody(strings.NewReader("short"), 200<<20)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v", err)
	}
	if grown := after.TotalAlloc - before.TotalAlloc; grown > 8<<20 {
		t.Errorf("a truncated 200 MB frame allocated %d MiB", grown>>20)
	}
	for _, n := range []int{0, 1, eagerBody - 1, eagerBody, eagerBody + 1, 3*eagerBody + 7} {
		src := bytes.Repeat([]byte{7}, n)
		if n > 0 {
			src[n-1] = 9
		}
		got, err := readBody(bytes.NewReader(src), uint64(n))
		if err != nil || !bytes.Equal(got, src) {
			t.Fatalf("size %d: %v", n, err)
		}
	}
}

// TestLogsOnlyToLogger: with a logger configured the kernel writes nothing
// to os.Stdout or os.Stderr (which a cell may own) during a whole life:
// startup, dropped messages, requests, shutdown.
func TestLogsOnlyToLogger(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	oldOut, oldErr := os.Stdout, os.Stderr
	os.Stdout, os.Stderr = w, w
	restored := false
	restore := func() {
		if !restored {
			os.Stdout, os.Stderr = oldOut, oldErr
			restored = true
		}
	}
	defer restore()
	var logs logBuffer
	logs.t = io.Discard
	k, err := New(loopbackInfo(), newFake(), WithLogOutput(&logs))
	if err != nil {
		restore()
		t.Fatal(err)
	}
	runErr := make(chan error, 1)
	go func() { runErr <- k.Run(context.Background()) }()
	ci := k.ConnectionInfo()
	c := dialRaw(t, ci.endpoint(ci.ShellPort), ci.Key, zmq4.Dealer)
	forged := clientFrames(newSigner([]byte("wrong")), nil, `{"msg_id":"f","msg_type":"kernel_info_request"}`, "{}", "{}", "{}")
	c.p.writeMsg(forged)
	c.p.writeMsg([][]byte{[]byte("garbage")})
	c.roundTrip(t, "kernel_info_request", "{}")
	c.roundTrip(t, "execute_request", `{"code":"fail boom"}`)
	c.roundTrip(t, "frobnicate_request", `{}`)
	c.roundTrip(t, "shutdown_request", `{"restart":false}`)
	if err := <-runErr; err != nil {
		restore()
		t.Fatal(err)
	}
	restore()
	w.Close()
	leaked, _ := io.ReadAll(r)
	if len(leaked) > 0 {
		t.Errorf("the kernel wrote to stdout/stderr:\n%s", leaked)
	}
	for _, want := range []string{"kernel started", "bad signature", "unknown message type", "shutdown requested", "kernel stopped"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("no %q in the log:\n%s", want, logs.String())
		}
	}
}

// TestSoakShort runs a few thousand executes with output over real sockets
// after a warm-up: the goroutine count stays flat and the heap does not
// grow. The bounds are generous; the point is to catch a real leak (a
// goroutine or a buffer per request). The long soak is `make soak`.
func TestSoakShort(t *testing.T) {
	n := 2000
	if raceEnabled || testing.Short() {
		n = 500
	}
	k, _, _ := startZMQKernel(t, loopbackInfo(), newFake(), WithLogOutput(io.Discard))
	c := dialClient(t, k.ConnectionInfo())
	c.waitReady()
	run := func(i int) {
		id := c.send(c.shell, "execute_request", map[string]any{"code": fmt.Sprintf("print line %d\nvalue %d", i, i), "silent": false, "store_history": i%2 == 0})
		if r, ok := c.recv(c.shell, 10*time.Second); !ok || r.parent.MsgID != id || r.content["status"] != "ok" {
			t.Fatalf("execute %d: %v", i, r)
		}
		for {
			m, ok := c.recv(c.iopub, 10*time.Second)
			if !ok {
				t.Fatalf("no idle for execute %d", i)
			}
			if m.parent.MsgID == id && m.header.MsgType == "status" && m.content["execution_state"] == "idle" {
				return
			}
		}
	}
	measure := func() (int, uint64) {
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return runtime.NumGoroutine(), ms.HeapInuse
	}
	for i := range n / 5 {
		run(i)
	}
	g0, h0 := measure()
	lat := make([]time.Duration, 0, n)
	for i := range n {
		start := time.Now()
		run(i)
		lat = append(lat, time.Since(start))
	}
	g1, h1 := measure()
	p50, p99 := percentiles(lat)
	t.Logf("%d executes: goroutines %d → %d, heap %d KiB → %d KiB, p50 %v, p99 %v", n, g0, g1, h0>>10, h1>>10, p50, p99)
	if g1 > g0+2 {
		t.Errorf("goroutines grew from %d to %d", g0, g1)
	}
	// History keeps every stored cell (a few hundred bytes each); allow that
	// and slack, not a leak of a message or buffer per request.
	if grown := int64(h1) - int64(h0); grown > 8<<20 {
		t.Errorf("heap grew by %d KiB over %d executes", grown>>10, n)
	}
}

// TestSettleInboxes: before aborting the queue after an error, the kernel
// waits for messages the transport received but its readers have not yet
// routed (bounded by settleTimeout), and not at all when they are idle.
func TestSettleInboxes(t *testing.T) {
	tr := newMemTransport(16)
	cfg := defaultConfig()
	cfg.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	k := newKernel(tr, nil, newFake(), cfg)
	start := time.Now()
	k.settleInboxes()
	if d := time.Since(start); d >= settleTimeout {
		t.Errorf("idle readers: settle took %v, waiting for nothing", d)
	}
	tr.boxes[shellChannel] <- nil
	tr.boxes[shellChannel] <- nil
	go func() { // a slow reader
		for range 2 {
			time.Sleep(5 * time.Millisecond)
			<-tr.boxes[shellChannel]
			k.received[shellChannel].Add(1)
		}
	}()
	k.settleInboxes()
	if got := k.received[shellChannel].Load(); got != 2 {
		t.Fatalf("settle returned with %d of 2 messages routed", got)
	}
	tr.boxes[controlChannel] <- nil // never read
	start = time.Now()
	k.settleInboxes()
	if d := time.Since(start); d < settleTimeout || d > settleTimeout+time.Second {
		t.Errorf("stuck reader: settle took %v, want about %v", d, settleTimeout)
	}
}
