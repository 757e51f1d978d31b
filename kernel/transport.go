package kernel

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"
)

// channel names one of the kernel's sockets.
type channel int

const (
	shellChannel channel = iota
	controlChannel
	stdinChannel
	iopubChannel
)

func (c channel) String() string {
	return [...]string{"shell", "control", "stdin", "iopub"}[c]
}

// transport moves raw multipart messages. The dispatcher only sees frames:
// for the ROUTER channels, inbound frames start with the peer's routing
// identity and outbound frames start with the identities to route to; for
// IOPub, the first frame is the topic.
//
// The zmq transport is the real one; tests use an in-memory transport.
type transport interface {
	// inbox delivers messages received on shell, control or stdin.
	inbox(ch channel) <-chan [][]byte
	// send sends one message. For iopub it may block while subscribers are
	// far behind; it is called from one goroutine only. It must not panic
	// after close.
	send(ch channel, frames [][]byte) error
	// info reports the bound addresses (ports resolved when 0 was asked).
	info() ConnectionInfo
	// close releases the sockets, flushing IOPub for at most linger.
	close(linger time.Duration) error
}

// zmqTransport binds the five Jupyter sockets.
type zmqTransport struct {
	ci      ConnectionInfo
	shell   *routerSocket
	control *routerSocket
	stdin   *routerSocket
	iopub   *pubSocket
	hb      *listener
	boxes   [3]chan [][]byte
	stop    chan struct{}
	once    sync.Once
}

// newZMQTransport binds all sockets to the addresses in ci. A failure
// releases whatever was bound.
func newZMQTransport(ci ConnectionInfo, log *slog.Logger, maxSize int) (_ *zmqTransport, err error) {
	t := &zmqTransport{ci: ci, stop: make(chan struct{})}
	for i := range t.boxes {
		t.boxes[i] = make(chan [][]byte, 64)
	}
	var bound []*listener
	defer func() {
		if err != nil {
			close(t.stop)
			for _, l := range bound {
				l.close()
			}
		}
	}()
	bind := func(name string, port *int, typ zmq4.SocketType) (*listener, error) {
		ep := ci.endpoint(*port)
		l, err := listen(name, ep, typ, log, maxSize)
		if err != nil {
			return nil, fmt.Errorf("kernel: bind %s socket to %s: %w", name, ep, err)
		}
		bound = append(bound, l)
		if p := l.port(); p != 0 {
			*port = p
		}
		return l, nil
	}
	var ls [5]*listener
	for i, s := range []struct {
		name string
		port *int
		typ  zmq4.SocketType
	}{
		{"shell", &t.ci.ShellPort, zmq4.Router},
		{"control", &t.ci.ControlPort, zmq4.Router},
		{"stdin", &t.ci.StdinPort, zmq4.Router},
		{"iopub", &t.ci.IOPubPort, zmq4.Pub},
		{"heartbeat", &t.ci.HBPort, zmq4.Router},
	} {
		if ls[i], err = bind(s.name, s.port, s.typ); err != nil {
			return nil, err
		}
	}
	t.shell = newRouter(ls[0], t.boxes[shellChannel], t.stop)
	t.control = newRouter(ls[1], t.boxes[controlChannel], t.stop)
	t.stdin = newRouter(ls[2], t.boxes[stdinChannel], t.stop)
	t.iopub = newPub(ls[3])
	t.hb = ls[4]
	serveHeartbeat(t.hb)
	return t, nil
}

func (t *zmqTransport) inbox(ch channel) <-chan [][]byte { return t.boxes[ch] }

func (t *zmqTransport) info() ConnectionInfo { return t.ci }

func (t *zmqTransport) send(ch channel, frames [][]byte) error {
	select {
	case <-t.stop:
		return errTransportClosed
	default:
	}
	switch ch {
	case shellChannel:
		return t.shell.send(frames)
	case controlChannel:
		return t.control.send(frames)
	case stdinChannel:
		return t.stdin.send(frames)
	case iopubChannel:
		t.iopub.publish(frames)
		return nil
	}
	return fmt.Errorf("kernel: no channel %d", ch)
}

var errTransportClosed = errors.New("kernel: transport closed")

func (t *zmqTransport) close(linger time.Duration) error {
	t.once.Do(func() {
		t.iopub.drain(linger)
		close(t.stop)
		var wg sync.WaitGroup
		for _, l := range []*listener{t.shell.listener, t.control.listener, t.stdin.listener, t.iopub.listener, t.hb} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l.close()
			}()
		}
		wg.Wait()
	})
	return nil
}
