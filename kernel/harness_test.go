package kernel

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// memTransport is the in-memory transport: the test plays the client.
type memTransport struct {
	boxes  [3]chan [][]byte
	outs   [4]chan [][]byte // what the kernel sent, per channel
	closed chan struct{}
	once   sync.Once
}

func newMemTransport(iopubCap int) *memTransport {
	t := &memTransport{closed: make(chan struct{})}
	for i := range t.boxes {
		t.boxes[i] = make(chan [][]byte, 64)
	}
	for i := range t.outs {
		t.outs[i] = make(chan [][]byte, 1024)
	}
	t.outs[iopubChannel] = make(chan [][]byte, iopubCap)
	return t
}

func (t *memTransport) inbox(ch channel) <-chan [][]byte { return t.boxes[ch] }

func (t *memTransport) info() ConnectionInfo {
	return ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", ShellPort: 1, IOPubPort: 2, StdinPort: 3, ControlPort: 4, HBPort: 5}
}

func (t *memTransport) send(ch channel, frames [][]byte) error {
	select {
	case <-t.closed:
		return errTransportClosed
	default:
	}
	select {
	case t.outs[ch] <- frames:
		return nil
	case <-t.closed:
		return errTransportClosed
	}
}

func (t *memTransport) close(time.Duration) error {
	t.once.Do(func() { close(t.closed) })
	return nil
}

// msg is a decoded message as the test client sees it.
type msg struct {
	ids     []string
	header  header
	parent  header
	meta    map[string]any
	content map[string]any
}

func (m msg) String() string {
	c, _ := json.Marshal(m.content)
	return fmt.Sprintf("%s(parent %s %s) %s", m.header.MsgType, m.parent.MsgType, m.parent.MsgID, c)
}

// harness runs a kernel over a memTransport and acts as its client.
type harness struct {
	t      *testing.T
	k      *Kernel
	tr     *memTransport
	signer *signer
	cancel context.CancelFunc
	runErr chan error

	mu     sync.Mutex
	iopub  []msg
	notify chan struct{}
	stop   chan struct{}
	done   chan struct{}
}

type harnessOpt func(*harnessConfig)

type harnessConfig struct {
	cfg          config
	iopubCap     int
	noCollector  bool
	logTo        io.Writer
	keepRunning  bool
	signatureKey string
}

func newHarness(t *testing.T, interp Interpreter, opts ...harnessOpt) *harness {
	t.Helper()
	hc := harnessConfig{cfg: defaultConfig(), iopubCap: 4096, signatureKey: "test-key"}
	for _, o := range opts {
		o(&hc)
	}
	w := hc.logTo
	if w == nil {
		w = newTestLogWriter(t)
	}
	hc.cfg.log = slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	hc.cfg.username = "tester"
	tr := newMemTransport(hc.iopubCap)
	k := newKernel(tr, []byte(hc.signatureKey), interp, hc.cfg)
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, k: k, tr: tr, signer: newSigner([]byte(hc.signatureKey)), cancel: cancel,
		runErr: make(chan error, 1), notify: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go func() { h.runErr <- k.Run(ctx) }()
	if hc.noCollector {
		close(h.done)
	} else {
		go h.collect()
	}
	t.Cleanup(func() {
		h.cancel()
		select {
		case <-h.runErr:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return after cancel")
		}
		h.stopCollector()
	})
	return h
}

// testLogWriter logs to t until the test's cleanup: a cell left running
// by a shutdown may still log after the test has finished.
type testLogWriter struct {
	t    testing.TB
	mu   *sync.Mutex
	done *bool
}

func newTestLogWriter(t testing.TB) testLogWriter {
	w := testLogWriter{t, new(sync.Mutex), new(bool)}
	t.Cleanup(func() {
		w.mu.Lock()
		*w.done = true
		w.mu.Unlock()
	})
	return w
}

func (w testLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !*w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (h *harness) stopCollector() {
	select {
	case <-h.stop:
	default:
		close(h.stop)
	}
	<-h.done
}

func (h *harness) collect() {
	defer close(h.done)
	for {
		select {
		case f := <-h.tr.outs[iopubChannel]:
			m := h.decode(f)
			h.mu.Lock()
			h.iopub = append(h.iopub, m)
			h.mu.Unlock()
			select {
			case h.notify <- struct{}{}:
			default:
			}
		case <-h.stop:
			for { // keep what was already sent
				select {
				case f := <-h.tr.outs[iopubChannel]:
					m := h.decode(f)
					h.mu.Lock()
					h.iopub = append(h.iopub, m)
					h.mu.Unlock()
				default:
					return
				}
			}
		}
	}
}

func (h *harness) decode(frames [][]byte) msg {
	h.t.Helper()
	m, err := decodeMessage(frames, h.signer, nil, 0)
	if err != nil {
		h.t.Fatalf("the kernel sent an undecodable message: %v", err)
	}
	out := msg{header: m.header}
	for _, id := range m.identities {
		out.ids = append(out.ids, string(id))
	}
	json.Unmarshal(m.parent, &out.parent)
	json.Unmarshal(m.metadata, &out.meta)
	json.Unmarshal(m.content, &out.content)
	if m.header.Version != ProtocolVersion || m.header.Session != h.k.Session() || m.header.Username != "tester" {
		h.t.Errorf("bad header %+v", m.header)
	}
	return out
}

// send signs and delivers a request on ch from client identity id and
// returns its msg_id.
func (h *harness) send(ch channel, id, msgType string, content any) string {
	h.t.Helper()
	return h.sendDated(ch, id, msgType, content, time.Now().UTC().Format(time.RFC3339Nano))
}

// sendDated is send with the header date given.
func (h *harness) sendDated(ch channel, id, msgType string, content any, date string) string {
	h.t.Helper()
	msgID := newUUID()
	hdr, _ := json.Marshal(header{MsgID: msgID, Session: "client-session", Username: "client", Date: date, MsgType: msgType, Version: "5.3"})
	c, err := json.Marshal(content)
	if err != nil {
		h.t.Fatal(err)
	}
	if content == nil {
		c = []byte("{}")
	}
	h.tr.boxes[ch] <- clientFrames(h.signer, []string{id}, string(hdr), "{}", "{}", string(c))
	return msgID
}

// reply waits for the next message the kernel sends on ch.
func (h *harness) reply(ch channel) msg {
	h.t.Helper()
	select {
	case f := <-h.tr.outs[ch]:
		return h.decode(f)
	case <-time.After(5 * time.Second):
		h.t.Fatalf("no reply on %s", ch)
		return msg{}
	}
}

// noReply checks that nothing arrives on ch for a short while.
func (h *harness) noReply(ch channel) {
	h.t.Helper()
	select {
	case f := <-h.tr.outs[ch]:
		h.t.Fatalf("unexpected message on %s: %v", ch, h.decode(f))
	case <-time.After(50 * time.Millisecond):
	}
}

// request sends a request and returns its reply (on the same channel).
func (h *harness) request(ch channel, msgType string, content any) (string, msg) {
	h.t.Helper()
	id := h.send(ch, "client-1", msgType, content)
	r := h.reply(ch)
	if r.parent.MsgID != id {
		h.t.Fatalf("reply %v is not parented to request %s", r, id)
	}
	if want := strings.TrimSuffix(msgType, "_request") + "_reply"; r.header.MsgType != want {
		h.t.Fatalf("reply type %s, want %s", r.header.MsgType, want)
	}
	if len(r.ids) != 1 || r.ids[0] != "client-1" {
		h.t.Fatalf("reply routed to %q, want the request's identity", r.ids)
	}
	return id, r
}

// outputs waits for the idle status parented to id and returns every IOPub
// message parented to id, checking they start with busy and end with idle.
func (h *harness) outputs(id string) []msg {
	h.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		h.mu.Lock()
		var got []msg
		idle := false
		for _, m := range h.iopub {
			if m.parent.MsgID == id {
				got = append(got, m)
				if m.header.MsgType == "status" && m.content["execution_state"] == "idle" {
					idle = true
				}
			}
		}
		h.mu.Unlock()
		if idle {
			if got[0].header.MsgType != "status" || got[0].content["execution_state"] != "busy" {
				h.t.Fatalf("first IOPub message for %s is %v, want busy", id, got[0])
			}
			last := got[len(got)-1]
			if last.header.MsgType != "status" || last.content["execution_state"] != "idle" {
				h.t.Fatalf("last IOPub message for %s is %v, want idle", id, last)
			}
			return got
		}
		select {
		case <-h.notify:
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			h.t.Fatalf("no idle for %s; got %v", id, got)
		}
	}
}

// between strips the busy and idle status messages.
func between(ms []msg) []msg { return ms[1 : len(ms)-1] }

func types(ms []msg) string {
	var s []string
	for _, m := range ms {
		s = append(s, m.header.MsgType)
	}
	return strings.Join(s, ",")
}

// execute runs code and returns the reply and the IOPub messages between busy and idle.
func (h *harness) execute(code string, extra map[string]any) (msg, []msg) {
	h.t.Helper()
	c := map[string]any{"code": code, "silent": false, "store_history": true, "user_expressions": map[string]any{}, "allow_stdin": false}
	for k, v := range extra {
		c[k] = v
	}
	id, r := h.request(shellChannel, "execute_request", c)
	return r, between(h.outputs(id))
}

// waitQueued waits until n shell requests are queued.
func (h *harness) waitQueued(n int) {
	h.t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for h.k.shellQ.len() < n {
		if time.Now().After(deadline) {
			h.t.Fatalf("%d requests queued, want %d", h.k.shellQ.len(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// fakeInterp interprets a tiny command language, one command per line:
//
//	print TEXT      stdout           eprint TEXT   stderr
//	value TEXT      result           fail TEXT     CellError
//	panic TEXT      panic            block         wait for release or ctx
//	hang            ignore ctx, wait for release   input PROMPT  read a line, print it
//	display ID TEXT display_data     update ID TEXT update_display_data
//	clear           clear_output     later TEXT    print TEXT from a goroutine after returning
//	error TEXT      plain error
type fakeInterp struct {
	release chan struct{}
	started chan string
	mu      sync.Mutex
	reqs    []ExecuteRequest
	later   sync.WaitGroup
	inputs  []error
}

func newFake() *fakeInterp {
	return &fakeInterp{release: make(chan struct{}), started: make(chan string, 100)}
}

func (f *fakeInterp) KernelInfo() KernelInfo {
	return KernelInfo{
		Implementation: "fake", ImplementationVersion: "0.0.1", Banner: "fake kernel",
		LanguageName: "go", LanguageVersion: "1.26", MimeType: "text/x-go", FileExtension: ".go",
		PygmentsLexer: "go", CodeMirrorMode: "go",
		HelpLinks: []HelpLink{{"Go", "https://go.dev"}},
	}
}

func (f *fakeInterp) Execute(ctx context.Context, req ExecuteRequest, out Output) (ExecuteResult, error) {
	f.mu.Lock()
	f.reqs = append(f.reqs, req)
	f.mu.Unlock()
	select {
	case f.started <- req.Code:
	default: // nobody is watching
	}
	var res ExecuteResult
	for _, line := range strings.Split(req.Code, "\n") {
		cmd, arg, _ := strings.Cut(line, " ")
		switch cmd {
		case "print":
			out.Stream("stdout", arg)
		case "eprint":
			out.Stream("stderr", arg)
		case "value":
			res.Value = &DisplayData{Data: map[string]any{"text/plain": arg}}
		case "fail":
			return res, &CellError{Name: "Failure", Value: arg, Traceback: []string{"tb: " + arg}}
		case "error":
			return res, fmt.Errorf("%s", arg)
		case "panic":
			panic(arg)
		case "block":
			select {
			case <-f.release:
			case <-ctx.Done():
				return res, ctx.Err()
			}
		case "hang":
			<-f.release
		case "input":
			s, err := out.Input(ctx, arg, false)
			f.mu.Lock()
			f.inputs = append(f.inputs, err)
			f.mu.Unlock()
			if err != nil {
				return res, err
			}
			out.Stream("stdout", "got "+s)
		case "display":
			id, text, _ := strings.Cut(arg, " ")
			out.Display(DisplayData{Data: map[string]any{"text/plain": text}, DisplayID: id})
		case "update":
			id, text, _ := strings.Cut(arg, " ")
			out.UpdateDisplay(DisplayData{Data: map[string]any{"text/plain": text}, DisplayID: id})
		case "clear":
			out.ClearOutput(true)
		case "later":
			f.later.Add(1)
			go func() {
				defer f.later.Done()
				<-f.release
				out.Stream("stdout", arg)
			}()
		case "expr":
			res.UserExpressions = map[string]any{}
			for name, e := range req.UserExpressions {
				res.UserExpressions[name] = map[string]any{"status": "ok", "data": map[string]any{"text/plain": e}, "metadata": map[string]any{}}
			}
		case "":
		default:
			return res, &CellError{Name: "Unknown", Value: cmd}
		}
	}
	return res, nil
}

// fullFake also implements the optional interfaces.
type fullFake struct {
	*fakeInterp
	shutdowns chan bool
	panicky   bool
}

func (f *fullFake) Complete(code string, cursor int) CompleteResult {
	if f.panicky {
		panic("complete exploded")
	}
	return CompleteResult{Matches: []string{"Println", "Printf"}, CursorStart: cursor - 2, CursorEnd: cursor, Metadata: map[string]any{"x": 1}}
}

func (f *fullFake) Inspect(code string, cursor, detail int) InspectResult {
	return InspectResult{Found: true, Data: map[string]any{"text/plain": fmt.Sprintf("doc %d %d", cursor, detail)}}
}

func (f *fullFake) IsComplete(code string) IsCompleteResult {
	if strings.HasSuffix(code, "{") {
		return IsCompleteResult{Status: "incomplete", Indent: "\t"}
	}
	return IsCompleteResult{Status: "complete"}
}

func (f *fullFake) Shutdown(restart bool) error {
	f.shutdowns <- restart
	return nil
}

// checkNoLeaks fails if a goroutine runs code of the kernel package (not
// its tests) after a short grace period.
func checkNoLeaks(t *testing.T) {
	t.Helper()
	var leaked []string
	for range 200 {
		leaked = kernelGoroutines()
		if len(leaked) == 0 {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("%d goroutines leaked:\n%s", len(leaked), strings.Join(leaked, "\n\n"))
}

func kernelGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var leaked []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		for _, line := range strings.Split(g, "\n") {
			line = strings.TrimSpace(line)
			if strings.Contains(line, "/kernel/") && strings.Contains(line, ".go:") && !strings.Contains(line, "_test.go:") {
				leaked = append(leaked, g)
				break
			}
		}
	}
	return leaked
}
