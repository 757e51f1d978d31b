package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestKernelInfo(t *testing.T) {
	h := newHarness(t, newFake())
	for _, ch := range []channel{shellChannel, controlChannel} {
		t.Run(ch.String(), func(t *testing.T) {
			id, r := h.request(ch, "kernel_info_request", nil)
			c := r.content
			if c["status"] != "ok" || c["protocol_version"] != "5.3" || c["implementation"] != "fake" ||
				c["implementation_version"] != "0.0.1" || c["banner"] != "fake kernel" || c["debugger"] != false {
				t.Errorf("content = %v", c)
			}
			li, _ := c["language_info"].(map[string]any)
			want := map[string]any{"name": "go", "version": "1.26", "mimetype": "text/x-go", "file_extension": ".go", "pygments_lexer": "go", "codemirror_mode": "go"}
			if !reflect.DeepEqual(li, want) {
				t.Errorf("language_info = %v", li)
			}
			if links, _ := c["help_links"].([]any); len(links) != 1 {
				t.Errorf("help_links = %v", c["help_links"])
			}
			if got := types(h.outputs(id)); got != "status,status" {
				t.Errorf("IOPub = %s, want busy and idle only", got)
			}
		})
	}
}

func TestExecute(t *testing.T) {
	h := newHarness(t, newFake())
	r, out := h.execute("print hello\neprint oops\nprint world\nvalue 42", nil)
	if r.content["status"] != "ok" || r.content["execution_count"] != 1.0 {
		t.Fatalf("reply = %v", r)
	}
	if r.content["user_expressions"] == nil || r.content["payload"] == nil {
		t.Errorf("reply lacks user_expressions or payload: %v", r.content)
	}
	if got := types(out); got != "execute_input,stream,stream,stream,execute_result" {
		t.Fatalf("IOPub = %s", got)
	}
	if out[0].content["code"] != "print hello\neprint oops\nprint world\nvalue 42" || out[0].content["execution_count"] != 1.0 {
		t.Errorf("execute_input = %v", out[0])
	}
	var streams []string
	for _, m := range out[1:4] {
		streams = append(streams, m.content["name"].(string)+":"+m.content["text"].(string))
	}
	if want := "stdout:hello,stderr:oops,stdout:world"; strings.Join(streams, ",") != want {
		t.Errorf("streams = %v, want %s", streams, want)
	}
	res := out[4].content
	if res["execution_count"] != 1.0 || res["data"].(map[string]any)["text/plain"] != "42" || res["metadata"] == nil {
		t.Errorf("execute_result = %v", res)
	}
	r, _ = h.execute("value 2", nil)
	if r.content["execution_count"] != 2.0 {
		t.Errorf("second count = %v", r.content["execution_count"])
	}
}

func TestExecutionCountRules(t *testing.T) {
	f := newFake()
	h := newHarness(t, f)
	tests := []struct {
		name      string
		extra     map[string]any
		wantCount float64
		wantTypes string
		wantStore bool
	}{
		{"stored", nil, 1, "execute_input,stream,execute_result", true},
		{"not stored", map[string]any{"store_history": false}, 1, "execute_input,stream,execute_result", false},
		{"silent", map[string]any{"silent": true}, 1, "", false},
		{"silent overrides store_history", map[string]any{"silent": true, "store_history": true}, 1, "", false},
		{"stored again", nil, 2, "execute_input,stream,execute_result", true},
		{"store_history absent", map[string]any{"store_history": nil}, 3, "execute_input,stream,execute_result", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			extra := tt.extra
			c := map[string]any{"code": "print x\nvalue v", "silent": false, "store_history": true}
			for k, v := range extra {
				if v == nil {
					delete(c, k)
				} else {
					c[k] = v
				}
			}
			id, r := h.request(shellChannel, "execute_request", c)
			out := between(h.outputs(id))
			if r.content["execution_count"] != tt.wantCount {
				t.Errorf("execution_count = %v, want %v", r.content["execution_count"], tt.wantCount)
			}
			if got := types(out); got != tt.wantTypes {
				t.Errorf("IOPub = %q, want %q", got, tt.wantTypes)
			}
			f.mu.Lock()
			req := f.reqs[len(f.reqs)-1]
			f.mu.Unlock()
			if req.StoreHistory != tt.wantStore || req.ExecutionCount != int(tt.wantCount) {
				t.Errorf("interpreter saw %+v", req)
			}
		})
	}
}

func TestExecuteErrors(t *testing.T) {
	h := newHarness(t, newFake())
	tests := []struct {
		code, ename, evalue string
	}{
		{"print before\nfail boom", "Failure", "boom"},
		{"error plain", "InternalError", "plain"},
		{"panic kaboom", "panic", "kaboom"},
	}
	for _, tt := range tests {
		t.Run(tt.ename, func(t *testing.T) {
			r, out := h.execute(tt.code, nil)
			c := r.content
			if c["status"] != "error" || c["ename"] != tt.ename || c["evalue"] != tt.evalue {
				t.Fatalf("reply = %v", c)
			}
			if tb, ok := c["traceback"].([]any); !ok || len(tb) == 0 {
				t.Errorf("traceback = %v", c["traceback"])
			}
			last := out[len(out)-1]
			if last.header.MsgType != "error" || last.content["ename"] != tt.ename || last.content["evalue"] != tt.evalue {
				t.Errorf("IOPub error = %v", last)
			}
			if strings.HasPrefix(tt.code, "print") && types(out) != "execute_input,stream,error" {
				t.Errorf("IOPub = %s: output before the error must come first", types(out))
			}
		})
	}
	// The kernel survived the panic.
	if r, _ := h.execute("value ok", nil); r.content["status"] != "ok" {
		t.Fatalf("after panic: %v", r)
	}
}

func TestUserExpressions(t *testing.T) {
	h := newHarness(t, newFake())
	r, _ := h.execute("expr", map[string]any{"user_expressions": map[string]any{"a": "1+1"}})
	ue, _ := r.content["user_expressions"].(map[string]any)
	a, _ := ue["a"].(map[string]any)
	if a["status"] != "ok" || a["data"].(map[string]any)["text/plain"] != "1+1" {
		t.Fatalf("user_expressions = %v", r.content["user_expressions"])
	}
}

func TestStopOnErrorAbortsQueue(t *testing.T) {
	f := newFake()
	h := newHarness(t, f)
	first := h.send(shellChannel, "c", "execute_request", map[string]any{"code": "block\nfail first", "silent": false})
	<-f.started
	queued := []string{
		h.send(shellChannel, "c", "execute_request", map[string]any{"code": "value a"}),
		h.send(shellChannel, "c", "kernel_info_request", nil),
		h.send(shellChannel, "c", "execute_request", map[string]any{"code": "value b", "stop_on_error": false}),
	}
	h.waitQueued(3)
	close(f.release)

	want := []string{"error", "aborted", "ok", "aborted"}
	for i, id := range append([]string{first}, queued...) {
		r := h.reply(shellChannel)
		if r.parent.MsgID != id {
			t.Fatalf("reply %d is for %s, want %s", i, r.parent.MsgID, id)
		}
		if r.content["status"] != want[i] {
			t.Errorf("reply %d (%s): status %v, want %s", i, r.header.MsgType, r.content["status"], want[i])
		}
		out := h.outputs(id) // aborted requests get busy/idle too
		if want[i] == "aborted" && len(out) != 2 {
			t.Errorf("aborted request published %s", types(out))
		}
	}
	// Requests sent after the abort run again.
	if r, _ := h.execute("value c", nil); r.content["status"] != "ok" {
		t.Fatalf("after the abort: %v", r)
	}
	// stop_on_error false does not abort.
	second := h.send(shellChannel, "c", "execute_request", map[string]any{"code": "fail x", "stop_on_error": false})
	third := h.send(shellChannel, "c", "execute_request", map[string]any{"code": "value d"})
	for _, id := range []string{second, third} {
		r := h.reply(shellChannel)
		if r.parent.MsgID != id {
			t.Fatalf("reply order")
		}
		if id == third && r.content["status"] != "ok" {
			t.Errorf("stop_on_error=false still aborted: %v", r)
		}
	}
}

func TestOptionalInterfaces(t *testing.T) {
	type check struct {
		msgType string
		content map[string]any
		want    map[string]any
	}
	defaults := []check{
		{"complete_request", map[string]any{"code": "fmt.Pr", "cursor_pos": 6},
			map[string]any{"status": "ok", "matches": []any{}, "cursor_start": 6.0, "cursor_end": 6.0, "metadata": map[string]any{}}},
		{"complete_request", map[string]any{"code": "héllo"}, // no cursor: the end, in code points
			map[string]any{"status": "ok", "matches": []any{}, "cursor_start": 5.0, "cursor_end": 5.0, "metadata": map[string]any{}}},
		{"inspect_request", map[string]any{"code": "x", "cursor_pos": 1, "detail_level": 0},
			map[string]any{"status": "ok", "found": false, "data": map[string]any{}, "metadata": map[string]any{}}},
		{"is_complete_request", map[string]any{"code": "x"}, map[string]any{"status": "unknown"}},
	}
	full := []check{
		{"complete_request", map[string]any{"code": "fmt.Pr", "cursor_pos": 6},
			map[string]any{"status": "ok", "matches": []any{"Println", "Printf"}, "cursor_start": 4.0, "cursor_end": 6.0, "metadata": map[string]any{"x": 1.0}}},
		{"inspect_request", map[string]any{"code": "x", "cursor_pos": 1, "detail_level": 1},
			map[string]any{"status": "ok", "found": true, "data": map[string]any{"text/plain": "doc 1 1"}, "metadata": map[string]any{}}},
		{"is_complete_request", map[string]any{"code": "func f() {"}, map[string]any{"status": "incomplete", "indent": "\t"}},
		{"is_complete_request", map[string]any{"code": "x"}, map[string]any{"status": "complete"}},
	}
	for _, tc := range []struct {
		name   string
		interp Interpreter
		checks []check
	}{
		{"defaults", newFake(), defaults},
		{"implemented", &fullFake{fakeInterp: newFake(), shutdowns: make(chan bool, 1)}, full},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.interp)
			for _, c := range tc.checks {
				for _, ch := range []channel{shellChannel, controlChannel} {
					id, r := h.request(ch, c.msgType, c.content)
					if !reflect.DeepEqual(r.content, c.want) {
						t.Errorf("%s on %s: %v\nwant %v", c.msgType, ch, r.content, c.want)
					}
					h.outputs(id)
				}
			}
		})
	}
}

func TestHistory(t *testing.T) {
	h := newHarness(t, newFake())
	cells := []string{"value 1", "print a", "value 1", "value 3"}
	for _, c := range cells {
		h.execute(c, nil)
	}
	h.execute("value hidden", map[string]any{"store_history": false})
	tests := []struct {
		name    string
		content map[string]any
		want    string
	}{
		{"tail", map[string]any{"hist_access_type": "tail", "n": 2, "output": false, "raw": true},
			`[[1 3 value 1] [1 4 value 3]]`},
		{"tail with output", map[string]any{"hist_access_type": "tail", "n": 3, "output": true, "raw": true},
			`[[1 2 [print a <nil>]] [1 3 [value 1 1]] [1 4 [value 3 3]]]`},
		{"tail zero", map[string]any{"hist_access_type": "tail", "n": 0}, `[]`},
		{"range all", map[string]any{"hist_access_type": "range", "session": 0, "start": 1, "stop": 0},
			`[[1 1 value 1] [1 2 print a] [1 3 value 1] [1 4 value 3]]`},
		{"range stop exclusive", map[string]any{"hist_access_type": "range", "session": 0, "start": 2, "stop": 4},
			`[[1 2 print a] [1 3 value 1]]`},
		{"range negative", map[string]any{"hist_access_type": "range", "session": 0, "start": -2, "stop": 0},
			`[[1 3 value 1] [1 4 value 3]]`},
		{"range negative stop", map[string]any{"hist_access_type": "range", "session": 0, "start": 1, "stop": -1},
			`[[1 1 value 1] [1 2 print a] [1 3 value 1]]`},
		{"range earlier session", map[string]any{"hist_access_type": "range", "session": -1, "start": 1, "stop": 0}, `[]`},
		{"search", map[string]any{"hist_access_type": "search", "pattern": "value*"},
			`[[1 1 value 1] [1 3 value 1] [1 4 value 3]]`},
		{"search unique", map[string]any{"hist_access_type": "search", "pattern": "value*", "unique": true},
			`[[1 3 value 1] [1 4 value 3]]`},
		{"search n", map[string]any{"hist_access_type": "search", "pattern": "*", "n": 2},
			`[[1 3 value 1] [1 4 value 3]]`},
		{"search class", map[string]any{"hist_access_type": "search", "pattern": "value [2-3]"}, `[[1 4 value 3]]`},
		{"search ?", map[string]any{"hist_access_type": "search", "pattern": "?rint ?"}, `[[1 2 print a]]`},
		{"search no match", map[string]any{"hist_access_type": "search", "pattern": "nothing"}, `[]`},
		{"unknown type", map[string]any{"hist_access_type": "other"}, `[]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, r := h.request(shellChannel, "history_request", tt.content)
			if r.content["status"] != "ok" {
				t.Fatalf("reply = %v", r)
			}
			if got := fmt.Sprint(r.content["history"]); got != tt.want {
				t.Errorf("history = %s\nwant      %s", got, tt.want)
			}
		})
	}
}

func TestComms(t *testing.T) {
	h := newHarness(t, newFake())
	for _, content := range []map[string]any{{}, {"target_name": "jupyter.widget"}} {
		_, r := h.request(shellChannel, "comm_info_request", content)
		if r.content["status"] != "ok" || fmt.Sprint(r.content["comms"]) != "map[]" {
			t.Errorf("comm_info_reply = %v", r)
		}
	}
	id := h.send(shellChannel, "c", "comm_open", map[string]any{"comm_id": "abc", "target_name": "nope", "data": map[string]any{}})
	out := between(h.outputs(id))
	if types(out) != "comm_close" || out[0].content["comm_id"] != "abc" {
		t.Fatalf("comm_open answered with %v", out)
	}
	for _, typ := range []string{"comm_msg", "comm_close"} {
		id := h.send(shellChannel, "c", typ, map[string]any{"comm_id": "abc", "data": map[string]any{}})
		if out := between(h.outputs(id)); len(out) != 0 {
			t.Errorf("%s published %v", typ, out)
		}
	}
	h.noReply(shellChannel)
}

func TestUnknownAndBadRequests(t *testing.T) {
	h := newHarness(t, newFake())
	for _, ch := range []channel{shellChannel, controlChannel} {
		id, r := h.request(ch, "frobnicate_request", nil)
		if r.header.MsgType != "frobnicate_reply" || r.content["status"] != "error" || r.content["ename"] != "UnknownMessageType" {
			t.Errorf("unknown request on %s: %v", ch, r)
		}
		h.outputs(id)
	}
	// Unknown non-request: busy/idle, no reply.
	id := h.send(shellChannel, "c", "frobnicate", nil)
	h.outputs(id)
	h.noReply(shellChannel)
	// Content of the wrong shape: an error reply.
	_, r := h.request(shellChannel, "execute_request", map[string]any{"code": 5})
	if r.content["status"] != "error" || r.content["ename"] != "BadRequest" {
		t.Errorf("bad content: %v", r)
	}
	// Content that is not JSON at all: an error reply, and the kernel goes on.
	hdr := `{"msg_id":"bad1","msg_type":"execute_request","session":"s","username":"u","date":"","version":"5.3"}`
	h.tr.boxes[shellChannel] <- clientFrames(h.signer, []string{"client-1"}, hdr, "{}", "{}", `{"code":`)
	r = h.reply(shellChannel)
	if r.parent.MsgID != "bad1" || r.content["ename"] != "BadRequest" {
		t.Errorf("invalid JSON: %v", r)
	}
	if r, _ := h.execute("value ok", nil); r.content["status"] != "ok" {
		t.Fatalf("kernel broken after bad requests: %v", r)
	}
}

func TestDroppedMessages(t *testing.T) {
	h := newHarness(t, newFake(), func(c *harnessConfig) { c.cfg.maxSize = 1 << 12 })
	good := func(id string) [][]byte {
		return clientFrames(h.signer, []string{"client-1"}, `{"msg_id":"`+id+`","msg_type":"kernel_info_request"}`, "{}", "{}", "{}")
	}
	tests := []struct {
		name   string
		frames [][]byte
	}{
		{"bad signature", clientFrames(newSigner([]byte("wrong")), []string{"c"}, `{"msg_id":"1","msg_type":"kernel_info_request"}`, "{}", "{}", "{}")},
		{"unsigned", func() [][]byte { f := good("2"); f[2] = nil; return f }()},
		{"oversized", clientFrames(h.signer, []string{"c"}, `{"msg_id":"3","msg_type":"kernel_info_request"}`, "{}", "{}", "{}", strings.Repeat("x", 1<<12))},
		{"garbage", [][]byte{[]byte("\xff\x00garbage")}},
		{"empty", [][]byte{}},
		{"bad header", clientFrames(h.signer, []string{"c"}, `{"msg_type":`, "{}", "{}", "{}")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.tr.boxes[shellChannel] <- tt.frames
			h.noReply(shellChannel)
		})
	}
	t.Run("replay", func(t *testing.T) {
		f := good("replayed")
		h.tr.boxes[shellChannel] <- f
		if r := h.reply(shellChannel); r.parent.MsgID != "replayed" {
			t.Fatal(r)
		}
		h.tr.boxes[shellChannel] <- f
		h.noReply(shellChannel)
	})
	h.mu.Lock()
	for _, m := range h.iopub {
		if m.parent.MsgID != "" && m.parent.MsgID != "replayed" {
			t.Errorf("a dropped message caused IOPub output: %v", m)
		}
	}
	h.mu.Unlock()
}

func TestInterruptRunningCell(t *testing.T) {
	for _, how := range []string{"interrupt_request", "Kernel.Interrupt"} {
		t.Run(how, func(t *testing.T) {
			f := newFake()
			h := newHarness(t, f)
			id := h.send(shellChannel, "c", "execute_request", map[string]any{"code": "block"})
			<-f.started
			if how == "interrupt_request" {
				_, r := h.request(controlChannel, "interrupt_request", nil)
				if r.content["status"] != "ok" {
					t.Fatalf("interrupt_reply = %v", r)
				}
			} else {
				h.k.Interrupt()
			}
			r := h.reply(shellChannel)
			if r.parent.MsgID != id || r.content["status"] != "error" || r.content["ename"] != "Interrupted" {
				t.Fatalf("interrupted cell replied %v", r)
			}
			out := between(h.outputs(id))
			if types(out) != "execute_input,error" {
				t.Errorf("IOPub = %s", types(out))
			}
			// The next cell runs with a fresh context.
			if r, _ := h.execute("value next", nil); r.content["status"] != "ok" {
				t.Fatalf("after interrupt: %v", r)
			}
		})
	}
	// Interrupt with no cell running is harmless.
	h := newHarness(t, newFake())
	h.k.Interrupt()
	_, r := h.request(controlChannel, "interrupt_request", nil)
	if r.content["status"] != "ok" {
		t.Fatal(r)
	}
}

func TestControlWhileCellRuns(t *testing.T) {
	f := newFake()
	h := newHarness(t, f)
	id := h.send(shellChannel, "c", "execute_request", map[string]any{"code": "hang"})
	<-f.started
	start := time.Now()
	for _, typ := range []string{"kernel_info_request", "comm_info_request", "history_request", "connect_request"} {
		cid, r := h.request(controlChannel, typ, map[string]any{"hist_access_type": "tail", "n": 1})
		if r.content["status"] != "ok" {
			t.Errorf("%s: %v", typ, r)
		}
		if typ == "connect_request" && r.content["shell_port"] != 1.0 {
			t.Errorf("connect_reply = %v", r)
		}
		h.outputs(cid) // control requests get busy/idle too
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("control requests took %v while a cell ran", d)
	}
	close(f.release)
	if r := h.reply(shellChannel); r.parent.MsgID != id || r.content["status"] != "ok" {
		t.Fatal(r)
	}
}

func TestShutdown(t *testing.T) {
	for _, tc := range []struct {
		name    string
		ch      channel
		restart bool
		code    string // a cell running during the shutdown, or ""
	}{
		{"control", controlChannel, false, ""},
		{"shell restart", shellChannel, true, ""},
		{"during a cell", controlChannel, false, "block"},
		{"during a cell that ignores its context", controlChannel, true, "hang"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fullFake{fakeInterp: newFake(), shutdowns: make(chan bool, 1)}
			defer close(f.release)
			h := newHarness(t, f)
			if tc.code != "" {
				h.send(shellChannel, "c", "execute_request", map[string]any{"code": tc.code})
				<-f.started
			}
			start := time.Now()
			_, r := h.request(tc.ch, "shutdown_request", map[string]any{"restart": tc.restart})
			if r.content["status"] != "ok" || r.content["restart"] != tc.restart {
				t.Fatalf("shutdown_reply = %v", r)
			}
			select {
			case err := <-h.runErr:
				if err != nil {
					t.Fatalf("Run = %v, want nil after shutdown_request", err)
				}
				h.runErr <- nil // for the cleanup
			case <-time.After(time.Second):
				t.Fatal("Run did not return within 1 s of shutdown_request")
			}
			t.Logf("Run returned %v after shutdown_request", time.Since(start))
			if h.k.RestartRequested() != tc.restart {
				t.Error("RestartRequested is wrong")
			}
			select {
			case got := <-f.shutdowns:
				if got != tc.restart {
					t.Errorf("Shutdown(%v), want %v", got, tc.restart)
				}
			default:
				t.Error("Shutdowner not called")
			}
			// shutdown_reply is broadcast on IOPub as well.
			h.stopCollector()
			found := false
			for _, m := range h.iopub {
				found = found || m.header.MsgType == "shutdown_reply"
			}
			if !found {
				t.Error("no shutdown_reply on IOPub")
			}
		})
	}
}

func TestRunCancelled(t *testing.T) {
	f := &fullFake{fakeInterp: newFake(), shutdowns: make(chan bool, 1)}
	h := newHarness(t, f)
	h.request(shellChannel, "kernel_info_request", nil)
	h.cancel()
	select {
	case err := <-h.runErr:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run = %v, want context.Canceled", err)
		}
		h.runErr <- err
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return")
	}
	if got := <-f.shutdowns; got {
		t.Error("Shutdown(true) on cancel")
	}
	if err := h.k.Run(context.Background()); err == nil {
		t.Error("a second Run succeeded")
	}
}

func TestNoGoroutineLeak(t *testing.T) {
	f := newFake()
	h := newHarness(t, f)
	h.execute("print a\nvalue b", nil)
	h.execute("later x", nil) // a goroutine of the cell still holds the Output
	close(f.release)
	f.later.Wait()
	h.request(controlChannel, "shutdown_request", map[string]any{"restart": false})
	if err := <-h.runErr; err != nil {
		t.Fatal(err)
	}
	h.runErr <- nil
	h.stopCollector()
	checkNoLeaks(t)
}

func TestPanickingInterpreter(t *testing.T) {
	f := &fullFake{fakeInterp: newFake(), shutdowns: make(chan bool, 1), panicky: true}
	h := newHarness(t, f)
	id, r := h.request(shellChannel, "complete_request", map[string]any{"code": "x", "cursor_pos": 1})
	if r.content["status"] != "error" || r.content["ename"] != "InternalError" {
		t.Fatalf("panicking Complete: %v", r)
	}
	h.outputs(id)
	r, _ = h.execute("panic again", nil)
	if r.content["ename"] != "panic" {
		t.Fatalf("panicking Execute: %v", r)
	}
	if _, r := h.request(shellChannel, "kernel_info_request", nil); r.content["status"] != "ok" {
		t.Fatal("kernel dead after panics")
	}
}

type panicInfo struct{ *fakeInterp }

func (panicInfo) KernelInfo() KernelInfo { panic("no info") }

func TestPanickingKernelInfo(t *testing.T) {
	h := newHarness(t, panicInfo{newFake()})
	_, r := h.request(shellChannel, "kernel_info_request", nil)
	if r.content["status"] != "ok" || r.content["protocol_version"] != "5.3" {
		t.Fatalf("kernel_info_reply = %v", r)
	}
}

func TestDisplayAndLateOutput(t *testing.T) {
	f := newFake()
	h := newHarness(t, f)
	id, r := h.request(shellChannel, "execute_request", map[string]any{
		"code": "print a\ndisplay d1 first\nprint b\nupdate d1 second\nupdate  nodisplayid\nclear\nlater late", "silent": false})
	if r.content["status"] != "ok" {
		t.Fatal(r)
	}
	out := between(h.outputs(id))
	if got := types(out); got != "execute_input,stream,display_data,stream,update_display_data,clear_output" {
		t.Fatalf("IOPub = %s", got)
	}
	if tr := out[2].content["transient"].(map[string]any); tr["display_id"] != "d1" {
		t.Errorf("display transient = %v", tr)
	}
	if out[4].content["data"].(map[string]any)["text/plain"] != "second" {
		t.Errorf("update = %v", out[4])
	}
	if out[5].content["wait"] != true {
		t.Errorf("clear_output = %v", out[5])
	}
	// A goroutine of the cell prints after the reply: still parented to it.
	close(f.release)
	f.later.Wait()
	deadline := time.Now().Add(2 * time.Second)
	for {
		h.mu.Lock()
		last := h.iopub[len(h.iopub)-1]
		h.mu.Unlock()
		if last.header.MsgType == "stream" && last.content["text"] == "late" {
			if last.parent.MsgID != id {
				t.Fatalf("late output parented to %s, want %s", last.parent.MsgID, id)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("late output never published")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestInput(t *testing.T) {
	f := newFake()
	h := newHarness(t, f)

	// allow_stdin: the request goes to the shell client's identity.
	id := h.send(shellChannel, "client-7", "execute_request", map[string]any{"code": "print before\ninput name?", "allow_stdin": true})
	req := h.reply(stdinChannel)
	if req.header.MsgType != "input_request" || req.content["prompt"] != "name?" || req.content["password"] != false {
		t.Fatalf("input_request = %v", req)
	}
	if len(req.ids) != 1 || req.ids[0] != "client-7" || req.parent.MsgID != id {
		t.Fatalf("input_request routed to %q, parent %s", req.ids, req.parent.MsgID)
	}
	// A reply for some other request is ignored; the right one is taken.
	sendInputReply(h, "someone-else", "wrong")
	sendInputReply(h, req.header.MsgID, "gopher")
	r := h.reply(shellChannel)
	if r.content["status"] != "ok" {
		t.Fatalf("reply = %v", r)
	}
	out := between(h.outputs(id))
	if types(out) != "execute_input,stream,stream" || out[1].content["text"] != "before" || out[2].content["text"] != "got gopher" {
		t.Fatalf("IOPub = %v", out)
	}

	// allow_stdin false: ErrStdinNotAllowed.
	r, _ = h.execute("input x", map[string]any{"allow_stdin": false})
	if r.content["status"] != "error" {
		t.Fatalf("reply = %v", r)
	}
	f.mu.Lock()
	if err := f.inputs[len(f.inputs)-1]; !errors.Is(err, ErrStdinNotAllowed) {
		t.Errorf("Input error = %v", err)
	}
	f.mu.Unlock()

	// Interrupt while waiting for input.
	id = h.send(shellChannel, "client-7", "execute_request", map[string]any{"code": "input wait", "allow_stdin": true})
	h.reply(stdinChannel)
	h.k.Interrupt()
	r = h.reply(shellChannel)
	if r.parent.MsgID != id || r.content["ename"] != "Interrupted" {
		t.Fatalf("interrupted input: %v", r)
	}
	f.mu.Lock()
	if err := f.inputs[len(f.inputs)-1]; !errors.Is(err, context.Canceled) {
		t.Errorf("Input error = %v", err)
	}
	f.mu.Unlock()

	// EOF.
	id = h.send(shellChannel, "client-7", "execute_request", map[string]any{"code": "input eof?", "allow_stdin": true})
	req = h.reply(stdinChannel)
	sendInputReply(h, "", "\x04")
	r = h.reply(shellChannel)
	f.mu.Lock()
	if err := f.inputs[len(f.inputs)-1]; err != io.EOF {
		t.Errorf("Input error = %v, want io.EOF", err)
	}
	f.mu.Unlock()
	h.outputs(id)
}

func sendInputReply(h *harness, parentID, value string) {
	parent := "{}"
	if parentID != "" {
		parent = `{"msg_id":"` + parentID + `","msg_type":"input_request"}`
	}
	hdr := `{"msg_id":"` + newUUID() + `","msg_type":"input_reply","session":"s","username":"u","date":"","version":"5.3"}`
	content, _ := json.Marshal(map[string]string{"value": value})
	h.tr.boxes[stdinChannel] <- clientFrames(h.signer, []string{"client-7"}, hdr, parent, "{}", string(content))
}
