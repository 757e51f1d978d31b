package kernel

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The expected signatures were computed independently with Python's hmac
// module, e.g.
//
//	python3 -c 'import hmac,hashlib; print(hmac.new(KEY, H+P+M+C, hashlib.sha256).hexdigest())'
//
// with the byte strings below.
var signVectors = []struct {
	name                       string
	key                        string
	hdr, parent, meta, content string
	want                       string
}{
	{
		name:    "kernel_info_request",
		key:     "8d1f3f3c-6d1d-4c5e-9b8a-3f0e2c1d4b5a",
		hdr:     `{"msg_id":"a1","session":"s1","username":"u","date":"2024-01-02T03:04:05.000000Z","msg_type":"kernel_info_request","version":"5.3"}`,
		parent:  `{}`,
		meta:    `{}`,
		content: `{}`,
		want:    "1feed88ad81c36f8458a7841d89b8922b878378cee38c75169a1c51cd992add9",
	},
	{
		name:    "utf-8 content",
		key:     "k",
		hdr:     `{"msg_id":"x","msg_type":"execute_request"}`,
		parent:  `{}`,
		meta:    `{}`,
		content: `{"code":"fmt.Println(\"héllo\")","silent":false}`,
		want:    "fb6533f74c4230566e639cf3f50b9b2eda236c8624c3068ab1a9463cc90ec439",
	},
}

func TestSignVectors(t *testing.T) {
	for _, v := range signVectors {
		t.Run(v.name, func(t *testing.T) {
			s := newSigner([]byte(v.key))
			got := s.sign([]byte(v.hdr), []byte(v.parent), []byte(v.meta), []byte(v.content))
			if string(got) != v.want {
				t.Fatalf("sign = %s, want %s", got, v.want)
			}
			if !s.verify([]byte(v.want), []byte(v.hdr), []byte(v.parent), []byte(v.meta), []byte(v.content)) {
				t.Fatal("verify rejects the reference signature")
			}
			if !s.verify([]byte(strings.ToUpper(v.want)), []byte(v.hdr), []byte(v.parent), []byte(v.meta), []byte(v.content)) {
				t.Fatal("verify rejects an upper-case hex signature")
			}
			bad := []byte(v.want)
			bad[10] ^= 1
			if s.verify(bad, []byte(v.hdr), []byte(v.parent), []byte(v.meta), []byte(v.content)) {
				t.Fatal("verify accepts a wrong signature")
			}
		})
	}
}

func TestUnsignedSession(t *testing.T) {
	s := newSigner(nil)
	if sig := s.sign([]byte("{}"), nil, nil, nil); len(sig) != 0 {
		t.Fatalf("unsigned signature = %q, want empty", sig)
	}
	if !s.verify([]byte("anything"), nil, nil, nil, nil) {
		t.Fatal("an unsigned session must accept any signature")
	}
}

// frames builds a client message the way jupyter_client does.
func clientFrames(s *signer, ids []string, hdr, parent, meta, content string, buffers ...string) [][]byte {
	var f [][]byte
	for _, id := range ids {
		f = append(f, []byte(id))
	}
	f = append(f, []byte("<IDS|MSG>"), s.sign([]byte(hdr), []byte(parent), []byte(meta), []byte(content)),
		[]byte(hdr), []byte(parent), []byte(meta), []byte(content))
	for _, b := range buffers {
		f = append(f, []byte(b))
	}
	return f
}

func TestDecodeMessage(t *testing.T) {
	key := newSigner([]byte("secret"))
	hdr := `{"msg_id":"m1","session":"s","username":"u","date":"2024-01-01T00:00:00Z","msg_type":"execute_request","version":"5.3","extra":1}`
	good := clientFrames(key, []string{"id1", "id2"}, hdr, `{}`, `{"cellId":"c"}`, `{"code":"1"}`, "buf")
	m, err := decodeMessage(good, key, newDigestHistory(16), 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.identities) != 2 || string(m.identities[1]) != "id2" {
		t.Errorf("identities = %q", m.identities)
	}
	if m.header.MsgType != "execute_request" || m.header.MsgID != "m1" || m.header.Version != "5.3" {
		t.Errorf("header = %+v", m.header)
	}
	if string(m.rawHeader) != hdr {
		t.Errorf("raw header not kept verbatim: %s", m.rawHeader)
	}
	if len(m.buffers) != 1 || string(m.buffers[0]) != "buf" {
		t.Errorf("buffers = %q", m.buffers)
	}

	replace := func(f [][]byte, i int, v string) [][]byte {
		g := append([][]byte(nil), f...)
		g[i] = []byte(v)
		return g
	}
	tests := []struct {
		name    string
		frames  [][]byte
		signer  *signer
		max     int
		kind    string
		partial bool // the header parsed: a reply is possible
	}{
		{"no delimiter", [][]byte{[]byte("a"), []byte("b")}, key, 0, "no delimiter", false},
		{"too few frames", good[:5], key, 0, "malformed", false},
		{"bad signature", replace(good, 3, "0000000000000000000000000000000000000000000000000000000000000000"), key, 0, "bad signature", false},
		{"missing signature", replace(good, 3, ""), key, 0, "bad signature", false},
		{"non-hex signature", replace(good, 3, strings.Repeat("zz", 32)), key, 0, "bad signature", false},
		{"tampered content", replace(good, 7, `{"code":"2"}`), key, 0, "bad signature", false},
		{"oversized", good, key, 100, "too large", false},
		{"header not JSON", clientFrames(key, nil, `{nope`, `{}`, `{}`, `{}`), key, 0, "malformed", false},
		{"header not object", clientFrames(key, nil, `[1]`, `{}`, `{}`, `{}`), key, 0, "malformed", false},
		{"header without msg_type", clientFrames(key, nil, `{"msg_id":"1"}`, `{}`, `{}`, `{}`), key, 0, "malformed", false},
		{"header without msg_id", clientFrames(key, nil, `{"msg_type":"x"}`, `{}`, `{}`, `{}`), key, 0, "malformed", false},
		{"content not JSON", clientFrames(key, nil, hdr, `{}`, `{}`, `{"code":`), key, 0, "malformed", true},
		{"content not object", clientFrames(key, nil, hdr, `{}`, `{}`, `"x"`), key, 0, "malformed", true},
		{"parent not object", clientFrames(key, nil, hdr, `null`, `{}`, `{}`), key, 0, "malformed", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := decodeMessage(tt.frames, tt.signer, newDigestHistory(16), tt.max)
			if err == nil {
				t.Fatal("decoded a message that should have been dropped")
			}
			if k := wireKind(err); k != tt.kind {
				t.Fatalf("error kind %q (%v), want %q", k, err, tt.kind)
			}
			if (m != nil) != tt.partial {
				t.Fatalf("partial message = %v, want %v", m != nil, tt.partial)
			}
		})
	}
}

func TestReplayDropped(t *testing.T) {
	key := newSigner([]byte("secret"))
	h := newDigestHistory(4)
	f := clientFrames(key, nil, `{"msg_id":"1","msg_type":"kernel_info_request"}`, `{}`, `{}`, `{}`)
	if _, err := decodeMessage(f, key, h, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := decodeMessage(f, key, h, 0); wireKind(err) != "replay" {
		t.Fatalf("second delivery: %v, want a replay error", err)
	}
	// The history is bounded: after 4 other digests the first is forgotten.
	for i := range 4 {
		g := clientFrames(key, nil, `{"msg_id":"`+string(rune('a'+i))+`","msg_type":"kernel_info_request"}`, `{}`, `{}`, `{}`)
		if _, err := decodeMessage(g, key, h, 0); err != nil {
			t.Fatal(err)
		}
	}
	if len(h.set) != 4 {
		t.Fatalf("history holds %d digests, want 4", len(h.set))
	}
	if _, err := decodeMessage(f, key, h, 0); err != nil {
		t.Fatalf("an evicted digest is still refused: %v", err)
	}
}

func TestEncodeRoundTrip(t *testing.T) {
	s := &session{id: "sess", username: "alice", signer: newSigner([]byte("key"))}
	parent := []byte(`{"msg_id":"p","msg_type":"execute_request"}`)
	frames, err := s.encode(&outMsg{
		identities: [][]byte{[]byte("client")},
		msgType:    "execute_reply",
		parent:     parent,
		metadata:   map[string]any{"status": "ok"},
		content:    map[string]any{"status": "ok", "execution_count": 3, "text": "<é>"},
		buffers:    [][]byte{{0, 1, 2}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(frames[0]) != "client" || string(frames[1]) != "<IDS|MSG>" {
		t.Fatalf("frames start %q", frames[:2])
	}
	// The signature must be what an independent HMAC gives.
	want := newSigner([]byte("key")).sign(frames[3], frames[4], frames[5], frames[6])
	if !bytes.Equal(frames[2], want) || len(frames[2]) != 64 {
		t.Fatalf("signature %s, want %s", frames[2], want)
	}
	m, err := decodeMessage(frames, s.signer, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	h := m.header
	if h.MsgType != "execute_reply" || h.Session != "sess" || h.Username != "alice" || h.Version != "5.3" {
		t.Errorf("header = %+v", h)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(h.MsgID) {
		t.Errorf("msg_id %q is not a UUID4", h.MsgID)
	}
	if d, err := time.Parse(time.RFC3339Nano, h.Date); err != nil || time.Since(d) > time.Minute {
		t.Errorf("date %q: %v", h.Date, err)
	}
	if !bytes.Equal(m.parent, parent) {
		t.Errorf("parent = %s", m.parent)
	}
	var c map[string]any
	json.Unmarshal(m.content, &c)
	if c["text"] != "<é>" || c["execution_count"] != 3.0 {
		t.Errorf("content = %v", c)
	}
	if len(m.buffers) != 1 || !bytes.Equal(m.buffers[0], []byte{0, 1, 2}) {
		t.Errorf("buffers = %v", m.buffers)
	}
	// Empty parent, metadata and content are {}.
	frames, _ = s.encode(&outMsg{msgType: "status"})
	for i, f := range frames[3:] {
		if i > 0 && string(f) != "{}" {
			t.Errorf("frame %d = %s, want {}", i, f)
		}
	}
}

func TestNewUUIDUnique(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		u := newUUID()
		if seen[u] {
			t.Fatal("duplicate UUID")
		}
		seen[u] = true
	}
}

// FuzzDecode feeds arbitrary frames (data split at NUL bytes) to the
// decoder. With sign set the fuzzer's frames are signed properly, so it
// reaches the JSON checks; without it they keep whatever signature the
// input holds, which must never pass. The seed corpus, with the inputs
// earlier runs found, is in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	key := newSigner([]byte("fuzz"))
	f.Add([]byte("id\x00<IDS|MSG>\x00sig\x00{\"msg_id\":\"1\",\"msg_type\":\"kernel_info_request\"}\x00{}\x00{}\x00{}"), true)
	f.Add([]byte("<IDS|MSG>\x00\x00{}\x00{}\x00{}\x00{}"), false)
	f.Fuzz(func(t *testing.T, data []byte, sign bool) {
		frames := bytes.Split(data, []byte{0})
		d := -1
		for i, fr := range frames {
			if bytes.Equal(fr, delimiter) {
				d = i
				break
			}
		}
		if sign && d >= 0 && len(frames) >= d+6 {
			frames[d+1] = key.sign(frames[d+2], frames[d+3], frames[d+4], frames[d+5])
		}
		const maxSize = 1 << 16
		hist := newDigestHistory(8)
		m, err := decodeMessage(frames, key, hist, maxSize)
		total := len(data) - (len(frames) - 1) // the NUL separators are not frame bytes
		switch {
		case total > maxSize:
			if wireKind(err) != "too large" {
				t.Fatalf("%d bytes over the cap: %v", total, err)
			}
		case d < 0:
			if wireKind(err) != "no delimiter" {
				t.Fatalf("no delimiter: %v", err)
			}
		case len(frames) < d+6:
			if wireKind(err) != "malformed" || m != nil {
				t.Fatalf("too few frames: %v", err)
			}
		case !sign:
			// Signatures are checked before any JSON is parsed: whatever
			// the frames hold, an unsigned or forged message is a bad
			// signature.
			if wireKind(err) != "bad signature" || m != nil {
				t.Fatalf("forged message: %v, %v", m, err)
			}
		}
		if err != nil {
			if wireKind(err) == "" {
				t.Fatalf("error of no kind: %v", err)
			}
			if m != nil && (wireKind(err) != "malformed" || m.header.MsgType == "" || m.header.MsgID == "") {
				t.Fatalf("partial message %+v with %v", m.header, err)
			}
			return
		}
		if m.header.MsgType == "" || m.header.MsgID == "" {
			t.Fatalf("accepted a header without msg_type or msg_id: %s", m.rawHeader)
		}
		for _, raw := range [][]byte{m.rawHeader, m.parent, m.metadata, m.content} {
			if !isObject(raw) {
				t.Fatalf("accepted %q, not a JSON object", raw)
			}
		}
		if len(m.identities) != d || len(m.buffers) != len(frames)-d-6 {
			t.Fatalf("%d identities and %d buffers from %d frames with the delimiter at %d", len(m.identities), len(m.buffers), len(frames), d)
		}
		// The same frames again are a replay.
		if _, err := decodeMessage(frames, key, hist, maxSize); wireKind(err) != "replay" {
			t.Fatalf("second delivery: %v, want a replay", err)
		}
	})
}

// TestReplayCaseInsensitive: the signature spelled in upper-case hex is
// the same digest, so it cannot be used to replay a message.
func TestReplayCaseInsensitive(t *testing.T) {
	key := newSigner([]byte("secret"))
	h := newDigestHistory(16)
	f := clientFrames(key, nil, `{"msg_id":"1","msg_type":"kernel_info_request"}`, `{}`, `{}`, `{}`)
	if _, err := decodeMessage(f, key, h, 0); err != nil {
		t.Fatal(err)
	}
	g := append([][]byte(nil), f...)
	g[1] = bytes.ToUpper(f[1])
	if _, err := decodeMessage(g, key, h, 0); wireKind(err) != "replay" {
		t.Fatalf("upper-case replay: %v, want a replay error", err)
	}
}
