package kernel

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/security/null"
)

// This file holds the kernel's ZeroMQ sockets. zmq4 performs the ZMTP 3.0
// handshake (greeting, NULL security, READY metadata with socket type and
// identity) on every accepted connection; the kernel then reads and writes
// ZMTP frames itself, because the zmq4 socket types do not fit a kernel:
// their PUB queues without bound, their readers allocate whatever length a
// peer announces, they write one syscall per frame header and body, and
// closing them leaves goroutines behind. The framing is a dozen lines of
// ZMTP; here it gains a size cap, bounded queues with backpressure, one
// vectored write per message and a clean Close.

const (
	zmtpMore    = 0x01
	zmtpLong    = 0x02
	zmtpCommand = 0x04

	handshakeTimeout = 10 * time.Second
	maxCommandSize   = 64 << 10 // ZMTP commands after the handshake (PING, SUBSCRIBE…)
	maxFrames        = 1 << 12  // frames per message
	writeTimeout     = 10 * time.Second
	pubQueueLen      = 128 // messages queued per IOPub subscriber
	slowSubscriber   = 10 * time.Second
	maxPeers         = 256 // connections per socket; Jupyter needs a handful
)

var errFrameTooLarge = errors.New("frame too large")

// listener accepts ZMTP connections of one socket type.
type listener struct {
	name     string // "shell", "iopub", … for logs
	endpoint string
	typ      zmq4.SocketType
	ln       net.Listener
	unixPath string // removed on close
	log      *slog.Logger
	maxSize  int

	mu     sync.Mutex
	conns  map[*peer]struct{}
	closed bool
	wg     sync.WaitGroup
	onPeer func(*peer) // runs in the peer's goroutine after the handshake
}

// listen binds endpoint ("tcp://host:port" or "ipc://path").
func listen(name, endpoint string, typ zmq4.SocketType, log *slog.Logger, maxSize int) (*listener, error) {
	network, addr, ok := strings.Cut(endpoint, "://")
	if !ok {
		return nil, fmt.Errorf("bad endpoint %q", endpoint)
	}
	l := &listener{name: name, typ: typ, log: log, maxSize: maxSize, conns: map[*peer]struct{}{}}
	var err error
	switch network {
	case "tcp":
		l.ln, err = net.Listen("tcp", addr)
	case "ipc":
		l.ln, err = net.Listen("unix", addr)
		l.unixPath = addr
	default:
		return nil, fmt.Errorf("unsupported transport %q", network)
	}
	if err != nil {
		return nil, err
	}
	l.endpoint = endpoint
	if network == "tcp" {
		l.endpoint = "tcp://" + l.ln.Addr().String()
	}
	return l, nil
}

// port is the bound TCP port (0 for ipc).
func (l *listener) port() int {
	if a, ok := l.ln.Addr().(*net.TCPAddr); ok {
		return a.Port
	}
	return 0
}

// serve accepts connections until close; onPeer runs for each handshaken peer.
func (l *listener) serve(onPeer func(*peer)) {
	l.onPeer = onPeer
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		for {
			nc, err := l.ln.Accept()
			if err != nil {
				l.mu.Lock()
				closed := l.closed
				l.mu.Unlock()
				if closed {
					return
				}
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					continue
				}
				l.log.Warn("accept failed", "socket", l.name, "err", err)
				time.Sleep(10 * time.Millisecond)
				continue
			}
			l.mu.Lock()
			if l.closed {
				l.mu.Unlock()
				nc.Close()
				return
			}
			if len(l.conns) >= maxPeers {
				l.mu.Unlock()
				l.log.Warn("too many connections; refusing one", "socket", l.name, "remote", nc.RemoteAddr(), "max", maxPeers)
				nc.Close()
				continue
			}
			p := &peer{l: l, nc: nc, br: bufio.NewReaderSize(nc, 64<<10)}
			l.conns[p] = struct{}{}
			l.wg.Add(1)
			l.mu.Unlock()
			go p.run()
		}
	}()
}

// close stops accepting, closes every connection and waits for their goroutines.
func (l *listener) close() {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return
	}
	l.closed = true
	l.ln.Close()
	for p := range l.conns {
		p.nc.Close()
	}
	l.mu.Unlock()
	l.wg.Wait()
	if l.unixPath != "" {
		os.Remove(l.unixPath)
	}
}

// peer is one accepted ZMTP connection.
type peer struct {
	l     *listener
	nc    net.Conn
	br    *bufio.Reader
	id    []byte // peer identity (ROUTER)
	peerT zmq4.SocketType

	wmu sync.Mutex // serialises writes

	// IOPub subscribers only.
	topicsMu sync.Mutex
	topics   map[string]struct{}
	queue    chan [][]byte
	done     chan struct{} // closed when the connection is gone
}

func (p *peer) run() {
	defer p.l.wg.Done()
	defer func() {
		p.nc.Close()
		p.l.mu.Lock()
		delete(p.l.conns, p)
		p.l.mu.Unlock()
	}()
	if err := p.handshake(); err != nil {
		p.l.log.Debug("ZMTP handshake failed", "socket", p.l.name, "remote", p.nc.RemoteAddr(), "err", err)
		return
	}
	p.l.onPeer(p)
}

// handshake lets zmq4 run the ZMTP greeting and NULL handshake, guarding
// against oversized frames before zmq4 allocates them.
func (p *peer) handshake() (err error) {
	defer func() {
		if r := recover(); r != nil { // zmq4's metadata parser panics on some malformed input
			err = fmt.Errorf("panic in handshake: %v", r)
		}
	}()
	p.nc.SetDeadline(time.Now().Add(handshakeTimeout))
	g := &guardedConn{Conn: p.nc, r: p.br, need: 64}
	zc, err := zmq4.Open(g, null.Security(), p.l.typ, nil, true, nil)
	if err != nil {
		return err
	}
	p.nc.SetDeadline(time.Time{})
	p.peerT = zmq4.SocketType(zc.Peer.Meta["Socket-Type"])
	p.id = []byte(zc.Peer.Meta["Identity"])
	return nil
}

// guardedConn reads through the peer's buffered reader and tracks ZMTP
// framing during the handshake, failing before zmq4 would allocate a frame
// larger than maxCommandSize.
type guardedConn struct {
	net.Conn
	r     *bufio.Reader
	state int    // 0 greeting, 1 flags, 2 size, 3 body
	need  uint64 // bytes left in the current state
	long  bool
	size  uint64
}

func (g *guardedConn) Read(b []byte) (int, error) {
	n, err := g.r.Read(b)
	for _, c := range b[:n] {
		switch g.state {
		case 0:
			g.need--
			if g.need == 0 {
				g.state = 1
			}
		case 1:
			g.long = c&zmtpLong != 0
			g.state, g.size, g.need = 2, 0, 1
			if g.long {
				g.need = 8
			}
		case 2:
			g.size = g.size<<8 | uint64(c)
			g.need--
			if g.need == 0 {
				if g.size > maxCommandSize {
					return 0, errFrameTooLarge
				}
				g.state, g.need = 3, g.size
				if g.need == 0 {
					g.state = 1
				}
			}
		case 3:
			g.need--
			if g.need == 0 {
				g.state = 1
			}
		}
	}
	return n, err
}

// readMsg reads one ZMTP message. Commands are returned with cmd set.
// When the frames add up to more than max bytes, the rest of the message is
// read and discarded and oversize reports its total size.
func (p *peer) readMsg(max int) (frames [][]byte, cmd bool, oversize uint64, err error) {
	var total uint64
	for {
		fl, err := p.br.ReadByte()
		if err != nil {
			return nil, false, 0, err
		}
		if fl&^(zmtpMore|zmtpLong|zmtpCommand) != 0 {
			return nil, false, 0, fmt.Errorf("bad ZMTP frame flags %#x", fl)
		}
		var size uint64
		if fl&zmtpLong != 0 {
			var b [8]byte
			if _, err := io.ReadFull(p.br, b[:]); err != nil {
				return nil, false, 0, err
			}
			size = binary.BigEndian.Uint64(b[:])
		} else {
			b, err := p.br.ReadByte()
			if err != nil {
				return nil, false, 0, err
			}
			size = uint64(b)
		}
		if fl&zmtpCommand != 0 {
			if len(frames) > 0 || total > 0 || fl&zmtpMore != 0 || size > maxCommandSize {
				return nil, false, 0, fmt.Errorf("bad ZMTP command frame (flags %#x, %d bytes)", fl, size)
			}
			body := make([]byte, size)
			if _, err := io.ReadFull(p.br, body); err != nil {
				return nil, false, 0, err
			}
			return [][]byte{body}, true, 0, nil
		}
		total += size
		if oversize > 0 || total > uint64(max) || len(frames) >= maxFrames {
			if _, err := io.CopyN(io.Discard, p.br, int64(min(size, 1<<62))); err != nil {
				return nil, false, 0, err
			}
			oversize = max64(total, 1)
			frames = nil
		} else {
			body, err := readBody(p.br, size)
			if err != nil {
				return nil, false, 0, err
			}
			frames = append(frames, body)
		}
		if fl&zmtpMore == 0 {
			return frames, false, oversize, nil
		}
	}
}

// eagerBody is the largest frame body allocated at its announced size;
// larger ones grow as their bytes arrive, so a peer that announces a big
// frame (up to the size cap) and sends nothing costs no memory.
const eagerBody = 1 << 20

// readBody reads a frame body of size bytes.
func readBody(r io.Reader, size uint64) ([]byte, error) {
	if size <= eagerBody {
		body := make([]byte, size)
		_, err := io.ReadFull(r, body)
		return body, err
	}
	body := make([]byte, 0, eagerBody)
	for uint64(len(body)) < size {
		n := int(min(size-uint64(len(body)), uint64(max(cap(body)-len(body), eagerBody))))
		body = slices.Grow(body, n)
		start := len(body)
		body = body[:start+n]
		if _, err := io.ReadFull(r, body[start:]); err != nil {
			return nil, err
		}
	}
	return body, nil
}

func max64(a, b uint64) uint64 {
	if a > b {
		return a
	}
	return b
}

// writeMsg writes frames as one ZMTP message with a single vectored write.
func (p *peer) writeMsg(frames [][]byte) error {
	hdr := make([]byte, 0, 9*len(frames))
	bufs := make(net.Buffers, 0, 2*len(frames))
	for i, f := range frames {
		start := len(hdr)
		var fl byte
		if i < len(frames)-1 {
			fl |= zmtpMore
		}
		if len(f) > 255 {
			hdr = append(hdr, fl|zmtpLong)
			hdr = binary.BigEndian.AppendUint64(hdr, uint64(len(f)))
		} else {
			hdr = append(hdr, fl, byte(len(f)))
		}
		bufs = append(bufs, hdr[start:len(hdr):len(hdr)], f)
	}
	return p.write(bufs)
}

func (p *peer) writeCommand(name string, body []byte) error {
	b := make([]byte, 0, 10+len(name)+len(body))
	size := 1 + len(name) + len(body)
	if size > 255 {
		b = append(b, zmtpCommand|zmtpLong)
		b = binary.BigEndian.AppendUint64(b, uint64(size))
	} else {
		b = append(b, zmtpCommand, byte(size))
	}
	b = append(b, byte(len(name)))
	b = append(b, name...)
	b = append(b, body...)
	return p.write(net.Buffers{b})
}

func (p *peer) write(bufs net.Buffers) error {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	p.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
	_, err := bufs.WriteTo(p.nc)
	if err != nil {
		// A partial write leaves the stream unusable.
		p.nc.Close()
	}
	return err
}

// handleCommand answers PING and applies ZMTP 3.1 SUBSCRIBE/CANCEL.
func (p *peer) handleCommand(body []byte) {
	if len(body) == 0 || int(body[0]) > len(body)-1 {
		return
	}
	name, data := string(body[1:1+body[0]]), body[1+body[0]:]
	switch name {
	case "PING":
		if len(data) >= 2 {
			p.writeCommand("PONG", data[2:])
		}
	case "SUBSCRIBE":
		p.subscribe(string(data), true)
	case "CANCEL":
		p.subscribe(string(data), false)
	}
}

func (p *peer) subscribe(topic string, on bool) {
	p.topicsMu.Lock()
	defer p.topicsMu.Unlock()
	if p.topics == nil {
		return
	}
	if on {
		p.topics[topic] = struct{}{}
	} else {
		delete(p.topics, topic)
	}
}

func (p *peer) subscribed(topic []byte) bool {
	p.topicsMu.Lock()
	defer p.topicsMu.Unlock()
	for t := range p.topics {
		if len(t) <= len(topic) && string(topic[:len(t)]) == t {
			return true
		}
	}
	return false
}

// routerSocket is a ROUTER: each message read is delivered with the peer's
// identity as first frame; send routes on the first frame.
type routerSocket struct {
	*listener
	inbox chan<- [][]byte
	stop  <-chan struct{}

	pmu   sync.RWMutex
	peers map[string]*peer
}

func newRouter(l *listener, inbox chan<- [][]byte, stop <-chan struct{}) *routerSocket {
	r := &routerSocket{listener: l, inbox: inbox, stop: stop, peers: map[string]*peer{}}
	l.serve(r.servePeer)
	return r
}

func (r *routerSocket) servePeer(p *peer) {
	if len(p.id) == 0 || p.id[0] == 0 {
		// As libzmq does for anonymous peers: make up an identity.
		p.id = append([]byte{0}, newUUID()...)
	}
	key := string(p.id)
	r.pmu.Lock()
	r.peers[key] = p // a reconnecting client with the same identity takes over
	r.pmu.Unlock()
	defer func() {
		r.pmu.Lock()
		if r.peers[key] == p {
			delete(r.peers, key)
		}
		r.pmu.Unlock()
	}()
	for {
		frames, cmd, oversize, err := p.readMsg(r.maxSize)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				r.log.Debug("connection closed", "socket", r.name, "err", err)
			}
			return
		}
		switch {
		case cmd:
			p.handleCommand(frames[0])
			continue
		case oversize > 0:
			r.log.Warn("dropped oversized message", "socket", r.name, "bytes", oversize, "cap", r.maxSize)
			continue
		}
		msg := make([][]byte, 0, 1+len(frames))
		msg = append(msg, p.id)
		msg = append(msg, frames...)
		select {
		case r.inbox <- msg:
		case <-r.stop:
			return
		}
	}
}

// send routes frames[1:] to the peer whose identity is frames[0]. A message
// for an unknown peer is dropped, as ZeroMQ does.
func (r *routerSocket) send(frames [][]byte) error {
	if len(frames) < 2 {
		return errors.New("router: no identity frame")
	}
	r.pmu.RLock()
	p := r.peers[string(frames[0])]
	r.pmu.RUnlock()
	if p == nil {
		return fmt.Errorf("%s: no peer with identity %q", r.name, frames[0])
	}
	return p.writeMsg(frames[1:])
}

// pubSocket is a PUB: every subscriber has a bounded queue and its own
// writer; publish blocks while a subscriber's queue is full (backpressure),
// and drops a subscriber that has not read for slowSubscriber.
type pubSocket struct {
	*listener
	smu  sync.RWMutex
	subs map[*peer]struct{}
}

func newPub(l *listener) *pubSocket {
	ps := &pubSocket{listener: l, subs: map[*peer]struct{}{}}
	l.serve(ps.servePeer)
	return ps
}

func (ps *pubSocket) servePeer(p *peer) {
	p.topics = map[string]struct{}{}
	p.queue = make(chan [][]byte, pubQueueLen)
	p.done = make(chan struct{})
	ps.smu.Lock()
	ps.subs[p] = struct{}{}
	ps.smu.Unlock()

	writerDone := make(chan struct{})
	go func() { // the writer: one per subscriber
		defer close(writerDone)
		for {
			select {
			case frames, ok := <-p.queue:
				if !ok {
					return
				}
				if p.writeMsg(frames) != nil {
					return
				}
			case <-p.done:
				return
			}
		}
	}()
	defer func() {
		ps.smu.Lock()
		delete(ps.subs, p)
		ps.smu.Unlock()
		close(p.done)
		p.nc.Close()
		<-writerDone
	}()
	// The reader: subscriptions (ZMTP 3.0 messages starting with 1 or 0).
	for {
		frames, cmd, _, err := p.readMsg(maxCommandSize)
		if err != nil {
			return
		}
		if cmd {
			p.handleCommand(frames[0])
			continue
		}
		if len(frames) == 1 && len(frames[0]) > 0 && frames[0][0] <= 1 {
			p.subscribe(string(frames[0][1:]), frames[0][0] == 1)
		}
	}
}

// publish queues frames (frames[0] is the topic) to every matching subscriber.
// Only one goroutine may call publish.
func (ps *pubSocket) publish(frames [][]byte) {
	ps.smu.RLock()
	subs := make([]*peer, 0, len(ps.subs))
	for p := range ps.subs {
		subs = append(subs, p)
	}
	ps.smu.RUnlock()
	for _, p := range subs {
		if !p.subscribed(frames[0]) {
			continue
		}
		select {
		case p.queue <- frames:
			continue
		case <-p.done:
			continue
		default:
		}
		t := time.NewTimer(slowSubscriber)
		select {
		case p.queue <- frames:
		case <-p.done:
		case <-t.C:
			ps.log.Warn("dropping an IOPub subscriber that stopped reading", "remote", p.nc.RemoteAddr())
			p.nc.Close()
		}
		t.Stop()
	}
}

// drain waits up to d for subscribers' queues to empty (ZeroMQ's linger).
func (ps *pubSocket) drain(d time.Duration) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		empty := true
		ps.smu.RLock()
		for p := range ps.subs {
			if len(p.queue) > 0 {
				empty = false
			}
		}
		ps.smu.RUnlock()
		if empty {
			return
		}
		time.Sleep(time.Millisecond)
	}
}

// serveHeartbeat echoes every message back to the connection it came from,
// as ipykernel's ROUTER-to-itself queue does. It works with REQ and DEALER
// clients alike and never waits on the kernel.
func serveHeartbeat(l *listener) {
	l.serve(func(p *peer) {
		for {
			frames, cmd, oversize, err := p.readMsg(64 << 10)
			if err != nil {
				return
			}
			if cmd {
				p.handleCommand(frames[0])
				continue
			}
			if oversize > 0 {
				l.log.Warn("dropped oversized heartbeat", "bytes", oversize, "cap", 64<<10)
				continue
			}
			if p.writeMsg(frames) != nil {
				return
			}
		}
	})
}
