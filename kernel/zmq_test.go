package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

// zmqClient is a Jupyter client made of real zmq4 sockets.
type zmqClient struct {
	t      testing.TB
	ci     ConnectionInfo
	signer *signer
	shell  zmq4.Socket
	ctrl   zmq4.Socket
	iopub  zmq4.Socket
	in     map[zmq4.Socket]chan zmq4.Msg
	ctx    context.Context
	cancel context.CancelFunc
}

func dialClient(t testing.TB, ci ConnectionInfo) *zmqClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	c := &zmqClient{t: t, ci: ci, signer: newSigner([]byte(ci.Key)), ctx: ctx, cancel: cancel}
	c.shell = zmq4.NewDealer(ctx, zmq4.WithID(zmq4.SocketIdentity("test-client")))
	c.ctrl = zmq4.NewDealer(ctx)
	c.iopub = zmq4.NewSub(ctx)
	for _, d := range []struct {
		s    zmq4.Socket
		port int
	}{{c.shell, ci.ShellPort}, {c.ctrl, ci.ControlPort}, {c.iopub, ci.IOPubPort}} {
		if err := d.s.Dial(ci.endpoint(d.port)); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.iopub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		t.Fatal(err)
	}
	// One reader per socket, so that a timed-out wait loses nothing.
	c.in = map[zmq4.Socket]chan zmq4.Msg{}
	for _, s := range []zmq4.Socket{c.shell, c.ctrl, c.iopub} {
		ch := make(chan zmq4.Msg, 1024)
		c.in[s] = ch
		go func() {
			for {
				m, err := s.Recv()
				if err != nil {
					return
				}
				ch <- m
			}
		}()
	}
	t.Cleanup(c.close)
	return c
}

func (c *zmqClient) close() {
	c.shell.Close()
	c.ctrl.Close()
	c.iopub.Close()
	c.cancel()
}

func (c *zmqClient) send(s zmq4.Socket, msgType string, content any, buffers ...string) string {
	c.t.Helper()
	id := newUUID()
	hdr, _ := json.Marshal(header{MsgID: id, Session: "zmq-client", Username: "u", Date: time.Now().UTC().Format(time.RFC3339Nano), MsgType: msgType, Version: "5.3"})
	body, _ := json.Marshal(content)
	if content == nil {
		body = []byte("{}")
	}
	if err := s.Send(zmq4.NewMsgFrom(clientFrames(c.signer, nil, string(hdr), "{}", "{}", string(body), buffers...)...)); err != nil {
		c.t.Fatal(err)
	}
	return id
}

// recv waits for one message on s, or fails the test after d.
func (c *zmqClient) recv(s zmq4.Socket, d time.Duration) (msg, bool) {
	c.t.Helper()
	select {
	case r := <-c.in[s]:
		m, err := decodeMessage(r.Frames, c.signer, nil, 0)
		if err != nil {
			c.t.Fatalf("undecodable message from the kernel: %v", err)
		}
		out := msg{header: m.header}
		json.Unmarshal(m.parent, &out.parent)
		json.Unmarshal(m.content, &out.content)
		return out, true
	case <-time.After(d):
		return msg{}, false
	}
}

// waitReady sends kernel_info_request until IOPub delivers, as
// jupyter_client does, since a SUB socket misses what is published before
// its subscription arrives.
func (c *zmqClient) waitReady() {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c.send(c.shell, "kernel_info_request", nil)
		if _, ok := c.recv(c.shell, 5*time.Second); !ok {
			c.t.Fatal("no kernel_info_reply")
		}
		if _, ok := c.recv(c.iopub, 200*time.Millisecond); ok {
			for { // drain
				if _, ok := c.recv(c.iopub, 50*time.Millisecond); !ok {
					return
				}
			}
		}
	}
	c.t.Fatal("IOPub never delivered")
}

func startZMQKernel(t testing.TB, info ConnectionInfo, interp Interpreter, opts ...Option) (*Kernel, chan error, context.CancelFunc) {
	t.Helper()
	opts = append([]Option{WithLogger(slog.New(slog.NewTextHandler(newTestLogWriter(t), &slog.HandlerOptions{Level: slog.LevelDebug})))}, opts...)
	k, err := New(info, interp, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	runErr := make(chan error, 1)
	go func() { runErr <- k.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-runErr:
		case <-time.After(5 * time.Second):
			t.Error("Run did not return")
		}
	})
	return k, runErr, cancel
}

func loopbackInfo() ConnectionInfo {
	return ConnectionInfo{Transport: "tcp", IP: "127.0.0.1", Key: "zmq-test-key", SignatureScheme: SchemeHMACSHA256}
}

func TestZMQRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		info func(t *testing.T) ConnectionInfo
	}{
		{"tcp", func(*testing.T) ConnectionInfo { return loopbackInfo() }},
		{"tcp unsigned", func(*testing.T) ConnectionInfo { ci := loopbackInfo(); ci.Key, ci.SignatureScheme = "", ""; return ci }},
		{"ipc", func(t *testing.T) ConnectionInfo {
			ci := loopbackInfo()
			ci.Transport, ci.IP = "ipc", filepath.Join(t.TempDir(), "kernel")
			ci.ShellPort, ci.IOPubPort, ci.StdinPort, ci.ControlPort, ci.HBPort = 1, 2, 3, 4, 5
			return ci
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k, _, _ := startZMQKernel(t, tc.info(t), newFake())
			ci := k.ConnectionInfo()
			if ci.ShellPort == 0 || ci.HBPort == 0 {
				t.Fatalf("ports not resolved: %+v", ci)
			}
			c := dialClient(t, ci)
			c.waitReady()

			// kernel_info on control.
			id := c.send(c.ctrl, "kernel_info_request", nil)
			r, ok := c.recv(c.ctrl, 5*time.Second)
			if !ok || r.parent.MsgID != id || r.content["protocol_version"] != "5.3" {
				t.Fatalf("kernel_info_reply = %v", r)
			}

			// execute on shell, outputs on IOPub.
			id = c.send(c.shell, "execute_request", map[string]any{"code": "print hi\nvalue 3", "silent": false})
			r, ok = c.recv(c.shell, 5*time.Second)
			if !ok || r.parent.MsgID != id || r.content["status"] != "ok" || r.content["execution_count"] != 1.0 {
				t.Fatalf("execute_reply = %v", r)
			}
			var got []string
			for {
				m, ok := c.recv(c.iopub, 5*time.Second)
				if !ok {
					t.Fatalf("IOPub stalled after %v", got)
				}
				if m.parent.MsgID != id {
					continue
				}
				got = append(got, m.header.MsgType)
				if m.header.MsgType == "status" && m.content["execution_state"] == "idle" {
					break
				}
			}
			if strings.Join(got, ",") != "status,execute_input,stream,execute_result,status" {
				t.Fatalf("IOPub = %v", got)
			}
		})
	}
}

func TestZMQHeartbeat(t *testing.T) {
	f := newFake()
	defer close(f.release)
	k, _, _ := startZMQKernel(t, loopbackInfo(), f)
	ci := k.ConnectionInfo()
	c := dialClient(t, ci)
	// Keep the shell busy: the heartbeat must still answer.
	c.send(c.shell, "execute_request", map[string]any{"code": "hang"})
	<-f.started

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req := zmq4.NewReq(ctx)
	defer req.Close()
	if err := req.Dial(ci.endpoint(ci.HBPort)); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		payload := []byte("ping-" + string(rune('a'+i)))
		start := time.Now()
		if err := req.Send(zmq4.NewMsg(payload)); err != nil {
			t.Fatal(err)
		}
		done := make(chan zmq4.Msg, 1)
		go func() {
			m, _ := req.Recv()
			done <- m
		}()
		select {
		case m := <-done:
			if len(m.Frames) != 1 || string(m.Frames[0]) != string(payload) {
				t.Fatalf("heartbeat echoed %q, want %q", m.Frames, payload)
			}
			if d := time.Since(start); d > 500*time.Millisecond {
				t.Errorf("heartbeat took %v", d)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("no heartbeat echo")
		}
	}
	// A DEALER heartbeat client works too.
	d := zmq4.NewDealer(ctx)
	defer d.Close()
	if err := d.Dial(ci.endpoint(ci.HBPort)); err != nil {
		t.Fatal(err)
	}
	d.Send(zmq4.NewMsgFrom([]byte{}, []byte("beat")))
	m, err := d.Recv()
	if err != nil || len(m.Frames) != 2 || string(m.Frames[1]) != "beat" {
		t.Fatalf("DEALER heartbeat: %q %v", m.Frames, err)
	}
}

func TestZMQOversizedAndGarbage(t *testing.T) {
	k, _, _ := startZMQKernel(t, loopbackInfo(), newFake(), WithMaxMessageSize(8<<10))
	ci := k.ConnectionInfo()
	c := dialClient(t, ci)
	c.send(c.shell, "kernel_info_request", nil, strings.Repeat("x", 64<<10))
	if m, ok := c.recv(c.shell, 300*time.Millisecond); ok {
		t.Fatalf("oversized request answered: %v", m)
	}
	c.shell.Send(zmq4.NewMsgFrom([]byte("garbage"), []byte{0xff}))
	if m, ok := c.recv(c.shell, 300*time.Millisecond); ok {
		t.Fatalf("garbage answered: %v", m)
	}
	// The same connection still works.
	id := c.send(c.shell, "kernel_info_request", nil)
	if r, ok := c.recv(c.shell, 5*time.Second); !ok || r.parent.MsgID != id {
		t.Fatalf("no reply after dropped messages: %v", r)
	}

	// A raw TCP peer announcing a huge frame during the handshake is cut off
	// before anything is allocated, and the kernel keeps serving.
	nc, err := net.Dial("tcp", net.JoinHostPort(ci.IP, itoa(ci.ShellPort)))
	if err != nil {
		t.Fatal(err)
	}
	greeting := make([]byte, 64)
	greeting[0], greeting[9], greeting[10], greeting[11] = 0xff, 0x7f, 3, 0
	copy(greeting[12:], "NULL")
	nc.Write(greeting)
	nc.Write([]byte{zmtpCommand | zmtpLong, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 256)
	for {
		if _, err := nc.Read(buf); err != nil {
			break // closed by the kernel
		}
	}
	nc.Close()
	id = c.send(c.shell, "kernel_info_request", nil)
	if r, ok := c.recv(c.shell, 5*time.Second); !ok || r.parent.MsgID != id {
		t.Fatalf("no reply after a hostile peer: %v", r)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestZMQPortInUse(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ci := loopbackInfo()
	ci.ControlPort = l.Addr().(*net.TCPAddr).Port
	_, err = New(ci, newFake(), WithLogOutput(newTestLogWriter(t)))
	if err == nil {
		t.Fatal("New bound a port that is in use")
	}
	if !errors.Is(err, syscall.EADDRINUSE) || !strings.Contains(err.Error(), "control") || !strings.HasPrefix(err.Error(), "kernel: ") {
		t.Fatalf("error %q should name the control socket and wrap EADDRINUSE", err)
	}
	checkNoLeaks(t) // the sockets bound before the failure were released
}

func TestZMQShutdownNoLeak(t *testing.T) {
	k, runErr, _ := startZMQKernel(t, loopbackInfo(), newFake())
	c := dialClient(t, k.ConnectionInfo())
	c.waitReady()
	id := c.send(c.ctrl, "shutdown_request", map[string]any{"restart": true})
	if r, ok := c.recv(c.ctrl, 5*time.Second); !ok || r.parent.MsgID != id || r.content["restart"] != true {
		t.Fatalf("shutdown_reply = %v", r)
	}
	select {
	case err := <-runErr:
		if err != nil {
			t.Fatal(err)
		}
		runErr <- nil
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return")
	}
	if !k.RestartRequested() {
		t.Error("restart flag lost")
	}
	c.close()
	checkNoLeaks(t)
}
