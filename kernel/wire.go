package kernel

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"sync"
	"time"
)

// ProtocolVersion is the version of the Jupyter messaging protocol spoken here.
const ProtocolVersion = "5.3"

// DefaultMaxMessageSize caps the total size of the frames of one incoming
// message; see WithMaxMessageSize.
const DefaultMaxMessageSize = 256 << 20

// delimiter separates the routing identities from the message proper.
var delimiter = []byte("<IDS|MSG>")

// header is a message header. Fields other than these, if a client sends
// any, are kept in the raw header echoed back as parent_header.
type header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// message is a decoded, verified incoming message.
type message struct {
	identities [][]byte        // routing frames before the delimiter
	header     header          // parsed header
	rawHeader  json.RawMessage // the header frame as received: the parent_header of replies
	parent     json.RawMessage // parent_header frame (a JSON object)
	metadata   json.RawMessage // metadata frame (a JSON object)
	content    json.RawMessage // content frame (a JSON object)
	buffers    [][]byte        // extra binary frames
}

// wireError classifies why a message was dropped.
type wireError struct {
	kind string // "no delimiter", "bad signature", "replay", "too large", "malformed"
	msg  string
}

func (e *wireError) Error() string { return e.kind + ": " + e.msg }

func wireErr(kind, format string, args ...any) error {
	return &wireError{kind: kind, msg: fmt.Sprintf(format, args...)}
}

func wireKind(err error) string {
	var we *wireError
	if errors.As(err, &we) {
		return we.kind
	}
	return ""
}

// signer computes and checks HMAC-SHA256 signatures. A signer with an empty
// key signs nothing (the signature frame is empty) and accepts everything.
type signer struct {
	key  []byte
	pool sync.Pool // of hash.Hash
}

func newSigner(key []byte) *signer {
	s := &signer{key: key}
	s.pool.New = func() any { return hmac.New(sha256.New, s.key) }
	return s
}

func (s *signer) enabled() bool { return len(s.key) > 0 }

// mac returns the raw HMAC of the concatenated frames.
func (s *signer) mac(dst []byte, frames ...[]byte) []byte {
	h := s.pool.Get().(hash.Hash)
	h.Reset()
	for _, f := range frames {
		h.Write(f)
	}
	dst = h.Sum(dst)
	s.pool.Put(h)
	return dst
}

// sign returns the lowercase hex signature of the four JSON frames, or an
// empty frame when signing is off.
func (s *signer) sign(hdr, parent, meta, content []byte) []byte {
	if !s.enabled() {
		return []byte{}
	}
	var raw [sha256.Size]byte
	sum := s.mac(raw[:0], hdr, parent, meta, content)
	out := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(out, sum)
	return out
}

// verify checks sig against the four frames in constant time.
func (s *signer) verify(sig, hdr, parent, meta, content []byte) bool {
	if !s.enabled() {
		return true
	}
	if len(sig) != 2*sha256.Size {
		return false
	}
	var got [sha256.Size]byte
	if _, err := hex.Decode(got[:], sig); err != nil {
		return false
	}
	var want [sha256.Size]byte
	return hmac.Equal(got[:], s.mac(want[:0], hdr, parent, meta, content))
}

// digestHistory remembers the last n signatures seen, to drop replayed
// messages (jupyter_client keeps 2^16 too). Safe for concurrent use.
type digestHistory struct {
	mu   sync.Mutex
	ring [][sha256.Size]byte
	next int
	full bool
	set  map[[sha256.Size]byte]struct{}
}

const digestHistorySize = 1 << 16

func newDigestHistory(n int) *digestHistory {
	return &digestHistory{ring: make([][sha256.Size]byte, n), set: make(map[[sha256.Size]byte]struct{}, n)}
}

// add records d and reports whether it was new.
func (h *digestHistory) add(d [sha256.Size]byte) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, dup := h.set[d]; dup {
		return false
	}
	if h.full {
		delete(h.set, h.ring[h.next])
	}
	h.ring[h.next] = d
	h.set[d] = struct{}{}
	h.next++
	if h.next == len(h.ring) {
		h.next, h.full = 0, true
	}
	return true
}

// decodeMessage turns the frames of one multipart message into a message. It
// checks, in this order and before parsing any JSON: the size cap, the
// delimiter, the signature (constant time) and the replay history. replay may
// be nil. The returned error is a *wireError; when the header parsed but a
// later frame did not, the partial message is returned with the error so the
// caller can still send an error reply.
func decodeMessage(frames [][]byte, s *signer, replay *digestHistory, maxSize int) (*message, error) {
	total := 0
	for _, f := range frames {
		total += len(f)
	}
	if maxSize > 0 && total > maxSize {
		return nil, wireErr("too large", "%d bytes in %d frames exceeds the cap of %d bytes", total, len(frames), maxSize)
	}
	d := -1
	for i, f := range frames {
		if bytes.Equal(f, delimiter) {
			d = i
			break
		}
	}
	if d < 0 {
		return nil, wireErr("no delimiter", "no <IDS|MSG> delimiter in %d frames", len(frames))
	}
	rest := frames[d+1:]
	if len(rest) < 5 {
		return nil, wireErr("malformed", "%d frames after the delimiter, want at least 5", len(rest))
	}
	sig, h, p, md, c := rest[0], rest[1], rest[2], rest[3], rest[4]
	if !s.verify(sig, h, p, md, c) {
		if len(sig) == 0 {
			return nil, wireErr("bad signature", "message is not signed")
		}
		return nil, wireErr("bad signature", "signature does not match")
	}
	if s.enabled() && replay != nil {
		var digest [sha256.Size]byte
		hex.Decode(digest[:], sig) // verified above
		if !replay.add(digest) {
			return nil, wireErr("replay", "signature %.16s… already seen", sig)
		}
	}
	m := &message{
		identities: frames[:d],
		rawHeader:  h,
		parent:     p,
		metadata:   md,
		content:    c,
		buffers:    rest[5:],
	}
	if err := json.Unmarshal(h, &m.header); err != nil || !isObject(h) {
		return nil, wireErr("malformed", "header is not a JSON object with string fields: %v", err)
	}
	if m.header.MsgType == "" {
		return nil, wireErr("malformed", "header has no msg_type")
	}
	if m.header.MsgID == "" {
		return nil, wireErr("malformed", "header of %s has no msg_id", m.header.MsgType)
	}
	for _, f := range []struct {
		name string
		raw  []byte
	}{{"parent_header", p}, {"metadata", md}, {"content", c}} {
		if !isObject(f.raw) {
			return m, wireErr("malformed", "%s of %s is not a JSON object", f.name, m.header.MsgType)
		}
	}
	return m, nil
}

// isObject reports whether b is a valid JSON object.
func isObject(b []byte) bool {
	b = bytes.TrimLeft(b, " \t\r\n")
	return len(b) > 0 && b[0] == '{' && json.Valid(b)
}

// outMsg is a message to send.
type outMsg struct {
	msgID      string   // empty: a fresh UUID
	identities [][]byte // routing frames (ROUTER) or the topic (IOPub)
	msgType    string
	parent     []byte // raw parent header; nil means {}
	metadata   any    // nil means {}
	content    any
	buffers    [][]byte
}

// session holds what every outgoing header carries.
type session struct {
	id       string
	username string
	signer   *signer
}

var emptyObject = []byte("{}")

// encode serialises m into frames, signing them.
func (s *session) encode(m *outMsg) ([][]byte, error) {
	id := m.msgID
	if id == "" {
		id = newUUID()
	}
	hdr, err := json.Marshal(header{
		MsgID:    id,
		Session:  s.id,
		Username: s.username,
		Date:     time.Now().UTC().Format("2006-01-02T15:04:05.000000Z07:00"),
		MsgType:  m.msgType,
		Version:  ProtocolVersion,
	})
	if err != nil {
		return nil, err
	}
	parent := m.parent
	if len(parent) == 0 {
		parent = emptyObject
	}
	meta := emptyObject
	if m.metadata != nil {
		if meta, err = json.Marshal(m.metadata); err != nil {
			return nil, fmt.Errorf("kernel: encode %s metadata: %w", m.msgType, err)
		}
	}
	content := emptyObject
	if m.content != nil {
		if content, err = json.Marshal(m.content); err != nil {
			return nil, fmt.Errorf("kernel: encode %s content: %w", m.msgType, err)
		}
	}
	frames := make([][]byte, 0, len(m.identities)+6+len(m.buffers))
	frames = append(frames, m.identities...)
	frames = append(frames, delimiter, s.signer.sign(hdr, parent, meta, content), hdr, parent, meta, content)
	frames = append(frames, m.buffers...)
	return frames, nil
}

// newUUID returns a random (version 4) UUID in its canonical text form.
func newUUID() string {
	var u [16]byte
	rand.Read(u[:])
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:], u[10:])
	return string(b[:])
}
