package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"time"
	"unicode/utf8"
)

// cellOutput is the Output of one execute request. Stream text is
// coalesced into one buffer of segments (a segment per run of writes to the
// same stream, so stdout/stderr interleaving is kept) and published when
// the flush interval elapses, when streamChunk bytes are pending, before any
// other message of the cell, and when the cell ends. A writer that finds
// streamBuffer bytes pending publishes them itself, which blocks it while
// IOPub is behind: memory stays bounded and no byte is dropped or reordered.
type cellOutput struct {
	k          *Kernel
	parent     []byte   // raw header of the execute request
	ids        [][]byte // routing identities of the shell client, for stdin
	silent     bool
	allowStdin bool

	emitMu sync.Mutex // held while publishing: keeps messages in order

	mu         sync.Mutex
	segs       []segment
	size       int
	timer      *time.Timer
	timerArmed bool
	holdCount  int // consecutive timer flushes that held back an incomplete rune
}

type segment struct {
	name string
	buf  []byte
}

type streamContent struct {
	Name string `json:"name"`
	Text string `json:"text"`
}

func (k *Kernel) newOutput(r *request, silent, allowStdin bool) *cellOutput {
	return &cellOutput{k: k, parent: r.msg.rawHeader, ids: r.msg.identities, silent: silent, allowStdin: allowStdin}
}

// Stream appends text to stream name ("stdout" or "stderr").
func (o *cellOutput) Stream(name, text string) {
	if o.silent || text == "" {
		return
	}
	chunk, limit := o.k.cfg.streamChunk, o.k.cfg.streamBuffer
	for len(text) > 0 {
		o.mu.Lock()
		if o.size >= limit {
			o.mu.Unlock()
			o.flush(false) // backpressure: blocks while IOPub is behind
			continue
		}
		n := min(len(text), limit-o.size)
		if last := len(o.segs) - 1; last >= 0 && o.segs[last].name == name {
			o.segs[last].buf = append(o.segs[last].buf, text[:n]...)
		} else {
			o.segs = append(o.segs, segment{name, append(make([]byte, 0, min(max(n, 256), chunk)), text[:n]...)})
		}
		o.size += n
		text = text[n:]
		full := o.size >= chunk
		if !full && !o.timerArmed {
			o.armTimerLocked()
		}
		o.mu.Unlock()
		if full {
			o.flush(false)
		}
	}
}

func (o *cellOutput) armTimerLocked() {
	o.timerArmed = true
	if o.timer == nil {
		o.timer = time.AfterFunc(o.k.cfg.flushInterval, o.timerFlush)
	} else {
		o.timer.Reset(o.k.cfg.flushInterval)
	}
}

func (o *cellOutput) timerFlush() {
	o.mu.Lock()
	o.timerArmed = false
	// A partial rune held back for this many intervals is sent as it is.
	final := o.holdCount >= 20
	o.mu.Unlock()
	o.flush(final)
}

// flush publishes the pending stream text. Unless final, an incomplete UTF-8
// sequence at the very end is kept back for the next write to complete.
func (o *cellOutput) flush(final bool) {
	o.emitMu.Lock()
	defer o.emitMu.Unlock()
	o.flushLocked(final)
}

func (o *cellOutput) flushLocked(final bool) {
	o.mu.Lock()
	segs := o.segs
	o.segs = nil
	var held []byte
	if n := len(segs); n > 0 && !final {
		buf := segs[n-1].buf
		if cut := incompleteSuffix(buf); cut < len(buf) {
			held = append([]byte(nil), buf[cut:]...)
			segs[n-1].buf = buf[:cut]
			o.segs = []segment{{segs[n-1].name, held}}
		}
	}
	o.size = len(held)
	if held != nil {
		o.holdCount++
		if !o.timerArmed {
			o.armTimerLocked()
		}
	} else {
		o.holdCount = 0
		if o.timerArmed && o.timer.Stop() {
			o.timerArmed = false
		}
	}
	o.mu.Unlock()
	// Only text from very large writes is split: a buffer that just passed
	// streamChunk goes out as one message.
	split := 4 * o.k.cfg.streamChunk
	for _, s := range segs {
		b := s.buf
		for len(b) > 0 {
			n := len(b)
			if n > split {
				n = split
				for n > split-utf8.UTFMax && !utf8.RuneStart(b[n]) {
					n--
				}
			}
			o.k.publish(o.k.iopubMsg("stream", o.parent, streamContent{s.name, string(b[:n])}))
			b = b[n:]
		}
	}
}

// incompleteSuffix returns the index where a trailing incomplete UTF-8
// sequence starts, or len(b).
func incompleteSuffix(b []byte) int {
	for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
		if utf8.RuneStart(b[i]) {
			if !utf8.FullRune(b[i:]) {
				return i
			}
			return len(b)
		}
	}
	return len(b)
}

// emit publishes pending stream text and then frames, in that order.
func (o *cellOutput) emit(frames [][]byte) {
	o.emitMu.Lock()
	defer o.emitMu.Unlock()
	o.flushLocked(true)
	o.k.publish(frames)
}

type displayContent struct {
	Data      map[string]any `json:"data"`
	Metadata  map[string]any `json:"metadata"`
	Transient map[string]any `json:"transient"`
}

func (o *cellOutput) display(msgType string, d DisplayData) {
	if o.silent {
		return
	}
	transient := map[string]any{}
	if d.DisplayID != "" {
		transient["display_id"] = d.DisplayID
	}
	o.emit(o.k.iopubMsg(msgType, o.parent, displayContent{nonNilMap(d.Data), nonNilMap(d.Metadata), transient}))
}

// Display publishes display_data.
func (o *cellOutput) Display(d DisplayData) { o.display("display_data", d) }

// UpdateDisplay publishes update_display_data; without a DisplayID it only logs.
func (o *cellOutput) UpdateDisplay(d DisplayData) {
	if d.DisplayID == "" {
		o.k.log.Warn("UpdateDisplay without a DisplayID; ignored")
		return
	}
	o.display("update_display_data", d)
}

// ClearOutput publishes clear_output.
func (o *cellOutput) ClearOutput(wait bool) {
	if o.silent {
		return
	}
	o.emit(o.k.iopubMsg("clear_output", o.parent, map[string]bool{"wait": wait}))
}

type inputRequestContent struct {
	Prompt   string `json:"prompt"`
	Password bool   `json:"password"`
}

// errKernelStopped is returned by Input when the kernel shuts down.
var errKernelStopped = errors.New("kernel: shutting down")

// Input sends input_request on stdin to the client that sent the execute
// request and waits for its input_reply. A reply of "\x04" (EOF, as
// ipykernel treats it) returns io.EOF.
func (o *cellOutput) Input(ctx context.Context, prompt string, password bool) (string, error) {
	if !o.allowStdin {
		return "", ErrStdinNotAllowed
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	k := o.k
	k.inputMu.Lock()
	defer k.inputMu.Unlock()
	o.flush(true) // the prompt comes after what was printed
	select {      // drop a stale reply
	case <-k.inputReplies:
	default:
	}
	reqID := newUUID()
	frames, err := k.sess.encode(&outMsg{
		msgID:      reqID,
		identities: o.ids,
		msgType:    "input_request",
		parent:     o.parent,
		content:    inputRequestContent{prompt, password},
	})
	if err != nil {
		return "", err
	}
	if err := k.tr.send(stdinChannel, frames); err != nil {
		return "", err
	}
	var parentID struct {
		MsgID string `json:"msg_id"`
	}
	json.Unmarshal(o.parent, &parentID)
	for {
		select {
		case m := <-k.inputReplies:
			var p struct {
				MsgID string `json:"msg_id"`
			}
			json.Unmarshal(m.parent, &p)
			// JupyterLab parents input_reply to the input_request; accept
			// the execute request too, and no parent (jupyter_client's
			// console sends none), as ipykernel does.
			if p.MsgID != "" && p.MsgID != reqID && p.MsgID != parentID.MsgID {
				k.log.Warn("input_reply for another request; ignored", "parent", p.MsgID)
				continue
			}
			var c struct {
				Value string `json:"value"`
			}
			if err := json.Unmarshal(m.content, &c); err != nil {
				k.log.Warn("bad input_reply content", "err", err)
			}
			if c.Value == "\x04" {
				return "", io.EOF
			}
			return c.Value, nil
		case <-ctx.Done():
			return "", ctx.Err()
		case <-k.quit:
			return "", errKernelStopped
		}
	}
}
