package kernel

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"log/slog"
	"net"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
)

// bytesConn is a net.Conn that reads from a byte slice and discards writes.
type bytesConn struct {
	r io.Reader
}

func (c *bytesConn) Read(b []byte) (int, error)       { return c.r.Read(b) }
func (c *bytesConn) Write(b []byte) (int, error)      { return len(b), nil }
func (c *bytesConn) Close() error                     { return nil }
func (c *bytesConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c *bytesConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (c *bytesConn) SetDeadline(time.Time) error      { return nil }
func (c *bytesConn) SetReadDeadline(time.Time) error  { return nil }
func (c *bytesConn) SetWriteDeadline(time.Time) error { return nil }

func testPeer(data []byte, typ zmq4.SocketType) *peer {
	nc := &bytesConn{r: bytes.NewReader(data)}
	l := &listener{name: "fuzz", typ: typ, log: slog.New(slog.NewTextHandler(io.Discard, nil)), maxSize: 1 << 16}
	return &peer{l: l, nc: nc, br: bufio.NewReaderSize(nc, 64<<10)}
}

// zmtpFrames encodes frames as one ZMTP message (as writeMsg does).
func zmtpFrames(frames ...[]byte) []byte {
	var b []byte
	for i, f := range frames {
		var fl byte
		if i < len(frames)-1 {
			fl = zmtpMore
		}
		if len(f) > 255 {
			b = append(b, fl|zmtpLong)
			b = binary.BigEndian.AppendUint64(b, uint64(len(f)))
		} else {
			b = append(b, fl, byte(len(f)))
		}
		b = append(b, f...)
	}
	return b
}

// FuzzZMTPReader feeds arbitrary bytes, as sent after the handshake by an
// unauthenticated peer, to the frame reader: it must never panic, never
// return more than the cap, and consume the stream message by message.
// The seed corpus is in testdata/fuzz/FuzzZMTPReader.
func FuzzZMTPReader(f *testing.F) {
	f.Add(zmtpFrames([]byte("id"), []byte("<IDS|MSG>"), []byte("sig"), []byte("{}")))
	f.Add(append(zmtpFrames(bytes.Repeat([]byte("x"), 300)), zmtpFrames([]byte("next"))...))
	f.Add([]byte{zmtpCommand, 5, 4, 'P', 'I', 'N', 'G'})
	f.Add([]byte{zmtpLong, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		const max = 1 << 10
		p := testPeer(data, zmq4.Router)
		for range 1000 {
			frames, cmd, oversize, err := p.readMsg(max)
			if err != nil {
				return
			}
			total := 0
			for _, fr := range frames {
				total += len(fr)
			}
			switch {
			case cmd:
				if len(frames) != 1 || len(frames[0]) > maxCommandSize {
					t.Fatalf("command of %d frames", len(frames))
				}
				p.handleCommand(frames[0]) // PING answers; must not panic
			case oversize > 0:
				if frames != nil || oversize <= max && oversize != 1 {
					t.Fatalf("oversize %d with %d frames", oversize, len(frames))
				}
			default:
				if total > max || len(frames) > maxFrames {
					t.Fatalf("%d bytes in %d frames over the cap", total, len(frames))
				}
			}
		}
	})
}

// FuzzHandshake feeds arbitrary bytes to the ZMTP handshake of an accepted
// connection: it must fail or succeed, never panic or allocate what a
// peer announces.
func FuzzHandshake(f *testing.F) {
	greeting := make([]byte, 64)
	greeting[0], greeting[9], greeting[10], greeting[11] = 0xff, 0x7f, 3, 0
	copy(greeting[12:], "NULL")
	ready := []byte{zmtpCommand, 0, 5}
	ready = append(ready, "READY"...)
	meta := []byte{11}
	meta = append(meta, "Socket-Type"...)
	meta = binary.BigEndian.AppendUint32(meta, 6)
	meta = append(meta, "DEALER"...)
	ready = append(ready, meta...)
	ready[1] = byte(len(ready) - 2)
	f.Add(append(append([]byte{}, greeting...), ready...))
	f.Add(greeting)
	f.Add(append(append([]byte{}, greeting...), zmtpCommand|zmtpLong, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := testPeer(data, zmq4.Router)
		p.handshake()
	})
}

func TestHandshakeOverBytes(t *testing.T) {
	greeting := make([]byte, 64)
	greeting[0], greeting[9], greeting[10], greeting[11] = 0xff, 0x7f, 3, 0
	copy(greeting[12:], "NULL")
	ready := []byte{zmtpCommand, 0, 5}
	ready = append(ready, "READY"...)
	for _, kv := range [][2]string{{"Socket-Type", "DEALER"}, {"Identity", "me"}} {
		ready = append(ready, byte(len(kv[0])))
		ready = append(ready, kv[0]...)
		ready = binary.BigEndian.AppendUint32(ready, uint32(len(kv[1])))
		ready = append(ready, kv[1]...)
	}
	ready[1] = byte(len(ready) - 2)
	p := testPeer(append(greeting, ready...), zmq4.Router)
	if err := p.handshake(); err != nil {
		t.Fatal(err)
	}
	if p.peerT != zmq4.Dealer || string(p.id) != "me" {
		t.Fatalf("peer %s %q", p.peerT, p.id)
	}
}

// TestPeerCap: a socket refuses connections beyond maxPeers (with a log
// line) and serves again once some are gone.
func TestPeerCap(t *testing.T) {
	logs := newLogBuffer(t)
	k, _, _ := startZMQKernel(t, loopbackInfo(), newFake(), WithLogOutput(logs))
	ci := k.ConnectionInfo()
	addr := net.JoinHostPort(ci.IP, itoa(ci.ShellPort))
	var conns []net.Conn
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	for range maxPeers {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	extra, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer extra.Close()
	extra.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := extra.Read(make([]byte, 64)); err != io.EOF {
		t.Fatalf("connection over the cap: read %v, want EOF", err)
	}
	logs.waitLog(t, "too many connections")
	for _, c := range conns {
		c.Close()
	}
	conns = nil
	deadline := time.Now().Add(5 * time.Second)
	for {
		k.tr.(*zmqTransport).shell.mu.Lock()
		n := len(k.tr.(*zmqTransport).shell.conns)
		k.tr.(*zmqTransport).shell.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d connections still open", n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	c := dialRaw(t, ci.endpoint(ci.ShellPort), ci.Key, zmq4.Dealer)
	if r := c.roundTrip(t, "kernel_info_request", "{}"); r.header.MsgType != "kernel_info_reply" {
		t.Fatal(r.header.MsgType)
	}
}
