package kernel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Kernel serves one Interpreter over the Jupyter protocol. Create it with
// New, serve with Run; Interrupt may be called from any goroutine (e.g. a
// SIGINT handler).
type Kernel struct {
	cfg    config
	interp Interpreter
	kinfo  KernelInfo
	log    *slog.Logger
	tr     transport
	sess   *session
	replay *digestHistory
	topic  string // IOPub topic prefix

	iopubQ      chan [][]byte
	iopubPrio   chan [][]byte // status of control requests: goes before iopubQ
	iopubDone   chan struct{} // closed when the IOPub goroutine has exited
	stopIOPub   chan struct{}
	stopReaders chan struct{}

	shellQ   *requestQueue
	controlQ chan *request

	quit     chan struct{} // closed when shutdown begins
	quitOnce sync.Once
	restart  atomic.Bool

	baseCtx    context.Context
	baseCancel context.CancelFunc

	cellMu     sync.Mutex
	cellCancel context.CancelFunc // of the running cell; nil between cells
	cellGen    uint64
	interrupts map[uint64]bool // cells that were interrupted

	stateMu   sync.Mutex
	execCount int
	abort     abortMark // which execute requests a failed cell aborts
	hist      history

	received [3]atomic.Uint64 // messages routed by each reader (shell, control, stdin)

	inputMu      sync.Mutex    // one input_request at a time
	inputReplies chan *message // input_reply messages from the stdin reader

	lifeMu  sync.Mutex
	life    lifecycle
	runDone chan struct{} // closed when Run has returned
}

// lifecycle is where a Kernel is between New and the end of Run.
type lifecycle int

const (
	lifeNew     lifecycle = iota // bound, not yet running
	lifeRunning                  // in Run
	lifeDone                     // Run returned, or closed before Run
)

type config struct {
	log           *slog.Logger
	maxSize       int
	flushInterval time.Duration
	streamChunk   int
	streamBuffer  int
	username      string
	shutdownGrace time.Duration
	abortWindow   time.Duration // see abortMark
}

// Option configures a Kernel.
type Option func(*config)

// WithLogger sends the kernel's log to l. The default logs at level Info to
// standard error (which Jupyter shows in the server log).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.log = l
		}
	}
}

// WithLogOutput logs, as text at level Info, to w.
func WithLogOutput(w io.Writer) Option {
	return func(c *config) { c.log = slog.New(slog.NewTextHandler(w, nil)) }
}

// WithMaxMessageSize caps the total size of one incoming message; larger
// messages are read and discarded with a log line. The default is
// DefaultMaxMessageSize (256 MiB). n <= 0 keeps the default.
func WithMaxMessageSize(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxSize = n
		}
	}
}

// WithStreamFlushInterval sets how long stream output may wait to be
// coalesced before it is published (default 25 ms). Output is also
// published when 64 KiB are pending, before any other output of the cell,
// and when the cell ends.
func WithStreamFlushInterval(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.flushInterval = d
		}
	}
}

// WithUsername sets the username put in message headers (default: $USER).
func WithUsername(name string) Option {
	return func(c *config) {
		if name != "" {
			c.username = name
		}
	}
}

// WithShutdownGrace bounds how long a shutdown waits for the running cell
// and the Shutdowner before Run returns anyway (default 800 ms).
func WithShutdownGrace(d time.Duration) Option {
	return func(c *config) {
		if d > 0 {
			c.shutdownGrace = d
		}
	}
}

func defaultConfig() config {
	return config{
		maxSize:       DefaultMaxMessageSize,
		flushInterval: 25 * time.Millisecond,
		streamChunk:   64 << 10,
		streamBuffer:  1 << 20,
		shutdownGrace: 800 * time.Millisecond,
		abortWindow:   500 * time.Millisecond,
	}
}

func defaultUsername() string {
	if u := os.Getenv("USER"); u != "" {
		return u
	}
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "kernel"
}

// New binds the sockets described by info and returns a kernel ready to Run.
// It fails if info is invalid or a port cannot be bound (for instance
// because it is in use: errors.Is(err, syscall.EADDRINUSE)).
func New(info ConnectionInfo, interp Interpreter, opts ...Option) (*Kernel, error) {
	if interp == nil {
		panic("kernel: New with a nil Interpreter")
	}
	if err := info.Validate(); err != nil {
		return nil, err
	}
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.log == nil {
		cfg.log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	tr, err := newZMQTransport(info, cfg.log, cfg.maxSize)
	if err != nil {
		return nil, err
	}
	return newKernel(tr, []byte(info.Key), interp, cfg), nil
}

func newKernel(tr transport, key []byte, interp Interpreter, cfg config) *Kernel {
	if cfg.username == "" {
		cfg.username = defaultUsername()
	}
	k := &Kernel{
		cfg:          cfg,
		interp:       interp,
		log:          cfg.log,
		tr:           tr,
		replay:       newDigestHistory(digestHistorySize),
		iopubQ:       make(chan [][]byte, 64),
		iopubPrio:    make(chan [][]byte, 64),
		runDone:      make(chan struct{}),
		iopubDone:    make(chan struct{}),
		stopIOPub:    make(chan struct{}),
		stopReaders:  make(chan struct{}),
		shellQ:       newRequestQueue(),
		controlQ:     make(chan *request, 64),
		quit:         make(chan struct{}),
		interrupts:   map[uint64]bool{},
		inputReplies: make(chan *message, 1),
	}
	k.sess = &session{id: newUUID(), username: cfg.username, signer: newSigner(key)}
	k.topic = "kernel." + k.sess.id + "."
	k.baseCtx, k.baseCancel = context.WithCancel(context.Background())
	k.kinfo = k.safeKernelInfo()
	return k
}

func (k *Kernel) safeKernelInfo() (ki KernelInfo) {
	defer func() {
		if p := recover(); p != nil {
			k.log.Error("Interpreter.KernelInfo panicked", "panic", p, "stack", string(debug.Stack()))
		}
	}()
	return k.interp.KernelInfo()
}

// ConnectionInfo returns the connection info the kernel is bound to, with
// the actual port numbers when info asked for port 0.
func (k *Kernel) ConnectionInfo() ConnectionInfo { return k.tr.info() }

// Session returns the session id the kernel puts in its message headers.
func (k *Kernel) Session() string { return k.sess.id }

// RestartRequested reports whether the shutdown_request that stopped the
// kernel asked for a restart. The kernel does not restart itself: the
// client (the kernel manager) starts a new process.
func (k *Kernel) RestartRequested() bool { return k.restart.Load() }

// Interrupt cancels the context of the running cell, if any; it is what
// interrupt_request does and what a SIGINT handler should call.
func (k *Kernel) Interrupt() {
	k.cellMu.Lock()
	defer k.cellMu.Unlock()
	if k.cellCancel != nil {
		k.interrupts[k.cellGen] = true
		k.cellCancel()
		k.log.Info("interrupting the running cell")
	}
}

// Close stops the kernel and releases its sockets. On a kernel that was
// never Run it just releases them (and a later Run fails); while Run is
// running it stops Run as a shutdown_request without restart would, and
// waits until Run has returned; afterwards it does nothing. Close is safe
// to call more than once and from any goroutine but the Interpreter's own
// Execute, and `defer k.Close()` after New is always right.
func (k *Kernel) Close() error {
	k.lifeMu.Lock()
	switch k.life {
	case lifeNew:
		k.life = lifeDone
		k.lifeMu.Unlock()
		k.tr.close(0)
		k.baseCancel()
		close(k.runDone)
		return nil
	case lifeRunning:
		k.lifeMu.Unlock()
		k.log.Info("closing the kernel")
		k.beginShutdown(false)
	default:
		k.lifeMu.Unlock()
	}
	<-k.runDone
	return nil
}

// beginShutdown makes Run stop. It is idempotent.
func (k *Kernel) beginShutdown(restart bool) {
	k.quitOnce.Do(func() {
		k.restart.Store(restart)
		close(k.quit)
		k.cancelCell()
	})
}

func (k *Kernel) cancelCell() {
	k.cellMu.Lock()
	if k.cellCancel != nil {
		k.cellCancel()
	}
	k.cellMu.Unlock()
}

// Run serves requests until a shutdown_request arrives, ctx is cancelled or
// Close is called, then stops: it cancels the running cell, waits for it
// and for the interpreter's Shutdown within the shutdown grace
// (WithShutdownGrace, 800 ms by default), flushes IOPub, closes the sockets
// and returns.
//
// Run returns nil after a shutdown_request (see RestartRequested) or Close,
// and ctx.Err() after a cancellation; both are a clean stop, for which a
// main function exits with status 0. Any other error means Run did not
// serve at all (it was called twice, or after Close). Run may be called
// once. A cell that ignores its context is left running when Run returns:
// the process should exit then rather than wait for it.
func (k *Kernel) Run(ctx context.Context) error {
	k.lifeMu.Lock()
	switch k.life {
	case lifeRunning:
		k.lifeMu.Unlock()
		return errors.New("kernel: Run called more than once")
	case lifeDone:
		k.lifeMu.Unlock()
		return errors.New("kernel: Run after Close or after Run has returned")
	}
	k.life = lifeRunning
	k.lifeMu.Unlock()
	defer func() {
		k.lifeMu.Lock()
		k.life = lifeDone
		k.lifeMu.Unlock()
		close(k.runDone)
	}()
	start := time.Now()
	iopubExited := make(chan struct{})
	go func() {
		defer close(iopubExited)
		k.iopubLoop()
	}()
	var readers sync.WaitGroup
	for _, ch := range []channel{shellChannel, controlChannel, stdinChannel} {
		readers.Add(1)
		go func() {
			defer readers.Done()
			k.readLoop(ch)
		}()
	}
	shellDone := make(chan struct{})
	go func() {
		defer close(shellDone)
		for {
			r, ok := k.shellQ.pop(k.quit)
			if !ok {
				return
			}
			k.handle(r)
		}
	}()
	controlDone := make(chan struct{})
	go func() {
		defer close(controlDone)
		for {
			select {
			case r := <-k.controlQ:
				k.handle(r)
			case <-k.quit:
				return
			}
		}
	}()
	k.publish(k.statusMsg("starting", nil))
	ci := k.tr.info()
	k.log.Info("kernel started", "transport", ci.Transport, "ip", ci.IP, "shell", ci.ShellPort,
		"iopub", ci.IOPubPort, "stdin", ci.StdinPort, "control", ci.ControlPort, "hb", ci.HBPort,
		"signed", k.sess.signer.enabled(), "startup", time.Since(start))

	var err error
	select {
	case <-ctx.Done():
		err = ctx.Err()
		k.log.Info("stopping", "reason", err)
		k.beginShutdown(false)
	case <-k.quit:
	}

	// Stop: the cell was cancelled by beginShutdown; give it and the
	// Shutdowner part of the grace each.
	deadline := time.Now().Add(k.cfg.shutdownGrace)
	cellDeadline := time.Now().Add(k.cfg.shutdownGrace / 2)
	if !waitUntil(shellDone, cellDeadline) {
		k.log.Warn("the running cell did not stop in time; exiting anyway")
	}
	waitUntil(controlDone, cellDeadline)
	if sd, ok := k.interp.(Shutdowner); ok {
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer func() {
				if p := recover(); p != nil {
					k.log.Error("Interpreter.Shutdown panicked", "panic", p, "stack", string(debug.Stack()))
				}
			}()
			if err := sd.Shutdown(k.restart.Load()); err != nil {
				k.log.Warn("interpreter shutdown failed", "err", err)
			}
		}()
		if !waitUntil(done, deadline.Add(-k.cfg.shutdownGrace/8)) {
			k.log.Warn("Interpreter.Shutdown did not return in time; exiting anyway")
		}
	}
	close(k.stopReaders)
	readers.Wait()
	// Flush IOPub within the grace; a subscriber that stopped reading must
	// not hold the exit up, so past the deadline the sockets are closed
	// under the IOPub goroutine, which unblocks it.
	close(k.stopIOPub)
	if !waitUntil(iopubExited, deadline) {
		k.log.Warn("IOPub did not drain in time; closing anyway")
	}
	linger := time.Until(deadline)
	if linger < 20*time.Millisecond {
		linger = 20 * time.Millisecond
	}
	k.tr.close(linger)
	<-iopubExited
	k.baseCancel()
	k.log.Info("kernel stopped", "restart", k.restart.Load())
	return err
}

// waitUntil waits for ch to close until deadline, reporting whether it did.
func waitUntil(ch <-chan struct{}, deadline time.Time) bool {
	t := time.NewTimer(time.Until(deadline))
	defer t.Stop()
	select {
	case <-ch:
		return true
	case <-t.C:
		return false
	}
}

// iopubLoop is the only goroutine that sends on IOPub. The status messages
// of control requests (iopubPrio) go before queued output, so a flood of
// output never delays a control request's reply.
func (k *Kernel) iopubLoop() {
	defer close(k.iopubDone)
	for {
		select {
		case f := <-k.iopubPrio:
			k.sendIOPub(f)
			continue
		default:
		}
		select {
		case f := <-k.iopubPrio:
			k.sendIOPub(f)
		case f := <-k.iopubQ:
			k.sendIOPub(f)
		case <-k.stopIOPub:
			for {
				select {
				case f := <-k.iopubPrio:
					k.sendIOPub(f)
				case f := <-k.iopubQ:
					k.sendIOPub(f)
				default:
					return
				}
			}
		}
	}
}

func (k *Kernel) sendIOPub(frames [][]byte) {
	if err := k.tr.send(iopubChannel, frames); err != nil {
		k.log.Debug("IOPub send failed", "err", err)
	}
}

// publish hands an encoded IOPub message to the IOPub goroutine, blocking
// while its queue is full; after Run has stopped it drops the message.
func (k *Kernel) publish(frames [][]byte) { k.publishTo(k.iopubQ, frames) }

// publishFor publishes a message of request r's handler: on the priority
// lane when r is served by the control goroutine.
func (k *Kernel) publishFor(r *request, frames [][]byte) {
	if r.control {
		k.publishTo(k.iopubPrio, frames)
		return
	}
	k.publishTo(k.iopubQ, frames)
}

func (k *Kernel) publishTo(q chan [][]byte, frames [][]byte) {
	if frames == nil {
		return
	}
	select {
	case q <- frames:
	case <-k.iopubDone:
	}
}

// iopubMsg encodes an IOPub message with the given parent header.
func (k *Kernel) iopubMsg(msgType string, parent []byte, content any) [][]byte {
	frames, err := k.sess.encode(&outMsg{
		identities: [][]byte{[]byte(k.topic + msgType)},
		msgType:    msgType,
		parent:     parent,
		content:    content,
	})
	if err != nil {
		k.log.Error("cannot encode IOPub message", "type", msgType, "err", err)
		return nil
	}
	return frames
}

type statusContent struct {
	ExecutionState string `json:"execution_state"`
}

func (k *Kernel) statusMsg(state string, parent *message) [][]byte {
	var p []byte
	if parent != nil {
		p = parent.rawHeader
	}
	return k.iopubMsg("status", p, statusContent{state})
}

// request is a received message waiting to be handled.
type request struct {
	ch      channel // where the reply goes
	msg     *message
	seq     uint64    // order of arrival on the shell queue
	arrived time.Time // when the reader routed it
	control bool      // served by the control goroutine, not the shell's
	replied bool
}

// readLoop decodes the messages of one channel and routes them.
func (k *Kernel) readLoop(ch channel) {
	in := k.tr.inbox(ch)
	for {
		select {
		case frames := <-in:
			k.receive(ch, frames)
			k.received[ch].Add(1)
		case <-k.stopReaders:
			return
		}
	}
}

// settleInboxes waits (up to settleTimeout) until the shell and control
// readers have routed every message the transport had received when it was
// called, so that "queued" includes what arrived but was not yet decoded.
// It returns at once when the readers are idle, as they nearly always are.
func (k *Kernel) settleInboxes() {
	deadline := time.Now().Add(settleTimeout)
	for _, ch := range []channel{shellChannel, controlChannel} {
		target := k.received[ch].Load() + uint64(len(k.tr.inbox(ch)))
		for k.received[ch].Load() < target && time.Now().Before(deadline) {
			time.Sleep(50 * time.Microsecond)
		}
	}
}

const settleTimeout = 50 * time.Millisecond

func (k *Kernel) receive(ch channel, frames [][]byte) {
	m, err := decodeMessage(frames, k.sess.signer, k.replay, k.cfg.maxSize)
	if err != nil {
		attrs := []any{"channel", ch.String(), "err", err}
		if m != nil {
			attrs = append(attrs, "msg_type", m.header.MsgType, "msg_id", m.header.MsgID)
		}
		k.log.Warn("dropped message", attrs...)
		if m != nil && strings.HasSuffix(m.header.MsgType, "_request") && ch != stdinChannel {
			r := &request{ch: ch, msg: m}
			k.replyError(r, "BadRequest", err.Error())
		}
		return
	}
	r := &request{ch: ch, msg: m, arrived: time.Now()}
	switch ch {
	case shellChannel:
		k.shellQ.push(r)
	case controlChannel:
		switch m.header.MsgType {
		case "execute_request", "complete_request", "inspect_request", "is_complete_request":
			// These call the Interpreter, which only ever runs one
			// request at a time: queue them behind the shell's.
			k.shellQ.push(r)
		default:
			r.control = true
			select {
			case k.controlQ <- r:
			case <-k.quit:
			}
		}
	case stdinChannel:
		if m.header.MsgType != "input_reply" {
			k.log.Warn("unexpected message on stdin", "msg_type", m.header.MsgType)
			return
		}
		select { // keep only the latest reply
		case <-k.inputReplies:
		default:
		}
		k.inputReplies <- m
	}
}

// reply sends the reply to r on r's channel, routed to r's identities.
func (k *Kernel) reply(r *request, msgType string, content, metadata any) {
	r.replied = true
	frames, err := k.sess.encode(&outMsg{
		identities: r.msg.identities,
		msgType:    msgType,
		parent:     r.msg.rawHeader,
		metadata:   metadata,
		content:    content,
	})
	if err != nil {
		k.log.Error("cannot encode reply", "type", msgType, "err", err)
		return
	}
	if err := k.tr.send(r.ch, frames); err != nil {
		k.log.Warn("reply not sent", "type", msgType, "channel", r.ch.String(), "err", err)
	}
}

func replyType(requestType string) string {
	return strings.TrimSuffix(requestType, "_request") + "_reply"
}

type errorContent struct {
	Status    string   `json:"status"`
	EName     string   `json:"ename"`
	EValue    string   `json:"evalue"`
	Traceback []string `json:"traceback"`
}

// replyError sends {"status":"error",…} as the reply to r.
func (k *Kernel) replyError(r *request, ename, evalue string) {
	k.reply(r, replyType(r.msg.header.MsgType), errorContent{"error", ename, evalue, []string{ename + ": " + evalue}}, nil)
}

// handle runs the handler of r between busy and idle, recovering panics.
func (k *Kernel) handle(r *request) {
	k.publishFor(r, k.statusMsg("busy", r.msg))
	defer func() { k.publishFor(r, k.statusMsg("idle", r.msg)) }()
	defer func() {
		if p := recover(); p != nil {
			k.log.Error("handler panicked", "msg_type", r.msg.header.MsgType, "panic", p, "stack", string(debug.Stack()))
			if !r.replied && strings.HasSuffix(r.msg.header.MsgType, "_request") {
				k.replyError(r, "InternalError", fmt.Sprintf("the kernel failed to handle %s: %v", r.msg.header.MsgType, p))
			}
		}
	}()
	if h, ok := handlers[r.msg.header.MsgType]; ok {
		h(k, r)
		return
	}
	t := r.msg.header.MsgType
	k.log.Warn("unknown message type", "msg_type", t, "channel", r.ch.String())
	if strings.HasSuffix(t, "_request") {
		k.replyError(r, "UnknownMessageType", fmt.Sprintf("unknown message type %q", t))
	}
}

// requestQueue is the unbounded FIFO of shell requests.
type requestQueue struct {
	mu     sync.Mutex
	items  []*request
	seq    uint64
	notify chan struct{}
}

func newRequestQueue() *requestQueue {
	return &requestQueue{notify: make(chan struct{}, 1)}
}

func (q *requestQueue) push(r *request) {
	q.mu.Lock()
	q.seq++
	r.seq = q.seq
	q.items = append(q.items, r)
	q.mu.Unlock()
	select {
	case q.notify <- struct{}{}:
	default:
	}
}

// pop returns the oldest request, waiting for one until stop is closed.
func (q *requestQueue) pop(stop <-chan struct{}) (*request, bool) {
	for {
		select {
		case <-stop:
			return nil, false
		default:
		}
		q.mu.Lock()
		if len(q.items) > 0 {
			r := q.items[0]
			q.items[0] = nil
			q.items = q.items[1:]
			q.mu.Unlock()
			return r, true
		}
		q.mu.Unlock()
		select {
		case <-q.notify:
		case <-stop:
			return nil, false
		}
	}
}

// lastSeq is the sequence number of the last request pushed.
func (q *requestQueue) lastSeq() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.seq
}

func (q *requestQueue) len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.items)
}
