package kernel

import "time"

// abortMark decides which execute requests a failed cell aborts. As
// ipykernel does, requests queued while the cell ran are answered
// "aborted" and later ones run again; "queued" is judged two ways:
//
//   - by arrival: every request on the shell queue when the error reply is
//     about to go out (seq <= upToSeq), after the readers have routed what
//     the transport had received;
//   - by the sender's clock: a request that arrives within window of the
//     error and whose header date is before it was sent while the client
//     could not yet have seen the error. This catches "Run all" requests
//     still in flight when a fast cell fails, which ipykernel can lose.
//
// The mark is set before the error reply goes out, so a request sent after
// seeing the reply is never aborted while the client's clock agrees with
// the kernel's; a skewed clock can at most misjudge requests arriving within
// window. A request without a parsable RFC 3339 date is judged by arrival
// only.
type abortMark struct {
	upToSeq     uint64    // requests with seq <= upToSeq are aborted
	errorAt     time.Time // when the error reply was about to be sent
	windowClose time.Time // requests arriving after this are judged by seq only
}

// set marks the requests up to seq, and those dated before now arriving
// within window, as aborted.
func (a *abortMark) set(seq uint64, now time.Time, window time.Duration) {
	a.upToSeq = max(a.upToSeq, seq)
	a.errorAt = now
	a.windowClose = now.Add(window)
}

// covers reports whether r is to be answered "aborted", and why: "queued"
// or "sent before the error" ("" when it is not).
func (a *abortMark) covers(r *request) (why string) {
	if r.seq != 0 && r.seq <= a.upToSeq {
		return "queued"
	}
	if a.errorAt.IsZero() || r.arrived.After(a.windowClose) {
		return ""
	}
	if sent, err := time.Parse(time.RFC3339Nano, r.msg.header.Date); err == nil && sent.Before(a.errorAt) {
		return "sent before the error"
	}
	return ""
}
