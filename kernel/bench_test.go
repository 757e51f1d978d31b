package kernel

import (
	"bufio"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"sort"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/security/null"
)

// rawClient is a minimal ZMTP DEALER client (zmq4 handshake, direct
// framing), to measure the kernel's own latency without client overhead.
type rawClient struct {
	p      *peer
	signer *signer
}

func dialRaw(tb testing.TB, ep string, key string) *rawClient {
	tb.Helper()
	nc, err := net.Dial("tcp", ep[len("tcp://"):])
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := zmq4.Open(nc, null.Security(), zmq4.Dealer, zmq4.SocketIdentity("raw"), false, nil); err != nil {
		tb.Fatal(err)
	}
	l := &listener{name: "client", log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	tb.Cleanup(func() { nc.Close() })
	return &rawClient{p: &peer{l: l, nc: nc, br: bufio.NewReader(nc)}, signer: newSigner([]byte(key))}
}

func (c *rawClient) roundTrip(tb testing.TB, msgType string, content string) {
	hdr, _ := json.Marshal(header{MsgID: newUUID(), Session: "raw", MsgType: msgType, Version: "5.3"})
	if err := c.p.writeMsg(clientFrames(c.signer, nil, string(hdr), "{}", "{}", content)); err != nil {
		tb.Fatal(err)
	}
	if _, _, _, err := c.p.readMsg(1 << 20); err != nil {
		tb.Fatal(err)
	}
}

func BenchmarkExecuteRoundTrip(b *testing.B) {
	k, _, _ := startZMQKernel(b, loopbackInfo(), newFake(), WithLogOutput(io.Discard))
	c := dialRaw(b, k.ConnectionInfo().endpoint(k.ConnectionInfo().ShellPort), "zmq-test-key")
	const content = `{"code":"","silent":false,"store_history":false}`
	c.roundTrip(b, "execute_request", content)
	b.ResetTimer()
	for b.Loop() {
		c.roundTrip(b, "execute_request", content)
	}
}

// TestKernelLatency reports the kernel's own execute round trip over
// loopback TCP (client overhead excluded as far as possible).
func TestKernelLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	k, _, _ := startZMQKernel(t, loopbackInfo(), newFake(), WithLogOutput(io.Discard))
	ci := k.ConnectionInfo()
	c := dialRaw(t, ci.endpoint(ci.ShellPort), ci.Key)
	const content = `{"code":"","silent":false,"store_history":false}`
	lat := make([]time.Duration, 3000)
	for i := range lat {
		start := time.Now()
		c.roundTrip(t, "execute_request", content)
		lat[i] = time.Since(start)
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p50, p99 := lat[len(lat)/2], lat[len(lat)*99/100]
	t.Logf("kernel execute round trip: p50 %v, p99 %v", p50, p99)
	if !raceEnabled && p50 > time.Millisecond {
		t.Errorf("p50 %v; the target is 0.3 ms", p50)
	}
}
