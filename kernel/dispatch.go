package kernel

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime/debug"
	"strings"
	"time"
)

// handlers maps a msg_type to its handler. Handlers run between the busy
// and idle status messages, with panics recovered by Kernel.handle.
var handlers map[string]func(*Kernel, *request)

func init() {
	handlers = map[string]func(*Kernel, *request){
		"kernel_info_request": (*Kernel).handleKernelInfo,
		"execute_request":     (*Kernel).handleExecute,
		"complete_request":    (*Kernel).handleComplete,
		"inspect_request":     (*Kernel).handleInspect,
		"is_complete_request": (*Kernel).handleIsComplete,
		"history_request":     (*Kernel).handleHistory,
		"comm_info_request":   (*Kernel).handleCommInfo,
		"comm_open":           (*Kernel).handleCommOpen,
		"comm_msg":            (*Kernel).handleCommIgnored,
		"comm_close":          (*Kernel).handleCommIgnored,
		"connect_request":     (*Kernel).handleConnect,
		"shutdown_request":    (*Kernel).handleShutdown,
		"interrupt_request":   (*Kernel).handleInterrupt,
		"input_reply":         (*Kernel).handleStrayInputReply,
	}
}

// decodeContent unmarshals r's content into v, replying with an error when
// it does not fit.
func (k *Kernel) decodeContent(r *request, v any) bool {
	if err := json.Unmarshal(r.msg.content, v); err != nil {
		k.log.Warn("bad request content", "msg_type", r.msg.header.MsgType, "err", err)
		k.replyError(r, "BadRequest", fmt.Sprintf("invalid %s content: %v", r.msg.header.MsgType, err))
		return false
	}
	return true
}

type languageInfo struct {
	Name           string `json:"name"`
	Version        string `json:"version"`
	MimeType       string `json:"mimetype"`
	FileExtension  string `json:"file_extension"`
	PygmentsLexer  string `json:"pygments_lexer"`
	CodeMirrorMode string `json:"codemirror_mode"`
}

type kernelInfoContent struct {
	Status                string       `json:"status"`
	ProtocolVersion       string       `json:"protocol_version"`
	Implementation        string       `json:"implementation"`
	ImplementationVersion string       `json:"implementation_version"`
	LanguageInfo          languageInfo `json:"language_info"`
	Banner                string       `json:"banner"`
	HelpLinks             []HelpLink   `json:"help_links"`
	Debugger              bool         `json:"debugger"`
}

func (k *Kernel) handleKernelInfo(r *request) {
	ki := k.kinfo
	links := ki.HelpLinks
	if links == nil {
		links = []HelpLink{}
	}
	k.reply(r, "kernel_info_reply", kernelInfoContent{
		Status:                "ok",
		ProtocolVersion:       ProtocolVersion,
		Implementation:        ki.Implementation,
		ImplementationVersion: ki.ImplementationVersion,
		LanguageInfo: languageInfo{
			Name:           ki.LanguageName,
			Version:        ki.LanguageVersion,
			MimeType:       ki.MimeType,
			FileExtension:  ki.FileExtension,
			PygmentsLexer:  ki.PygmentsLexer,
			CodeMirrorMode: ki.CodeMirrorMode,
		},
		Banner:    ki.Banner,
		HelpLinks: links,
	}, nil)
}

type executeContent struct {
	Code            string            `json:"code"`
	Silent          bool              `json:"silent"`
	StoreHistory    *bool             `json:"store_history"`
	UserExpressions map[string]string `json:"user_expressions"`
	AllowStdin      bool              `json:"allow_stdin"`
	StopOnError     *bool             `json:"stop_on_error"`
}

type executeInputContent struct {
	Code           string `json:"code"`
	ExecutionCount int    `json:"execution_count"`
}

type executeResultContent struct {
	ExecutionCount int            `json:"execution_count"`
	Data           map[string]any `json:"data"`
	Metadata       map[string]any `json:"metadata"`
}

type executeOKContent struct {
	Status          string           `json:"status"`
	ExecutionCount  int              `json:"execution_count"`
	UserExpressions map[string]any   `json:"user_expressions"`
	Payload         []map[string]any `json:"payload"`
}

type executeErrorContent struct {
	Status          string           `json:"status"`
	ExecutionCount  int              `json:"execution_count"`
	EName           string           `json:"ename"`
	EValue          string           `json:"evalue"`
	Traceback       []string         `json:"traceback"`
	UserExpressions map[string]any   `json:"user_expressions"`
	Payload         []map[string]any `json:"payload"`
}

type errorMsgContent struct {
	EName     string   `json:"ename"`
	EValue    string   `json:"evalue"`
	Traceback []string `json:"traceback"`
}

type statusOnly struct {
	Status string `json:"status"`
}

func (k *Kernel) handleExecute(r *request) {
	var c executeContent
	if !k.decodeContent(r, &c) {
		return
	}
	k.stateMu.Lock()
	why := k.abort.covers(r)
	k.stateMu.Unlock()
	if why != "" {
		k.log.Info("aborting execute_request after an error", "why", why, "msg_id", r.msg.header.MsgID)
		k.reply(r, "execute_reply", statusOnly{"aborted"}, statusOnly{"aborted"})
		return
	}
	started := time.Now().UTC().Format(time.RFC3339Nano)
	storeHistory := !c.Silent
	if c.StoreHistory != nil {
		storeHistory = *c.StoreHistory && !c.Silent
	}
	stopOnError := c.StopOnError == nil || *c.StopOnError

	k.stateMu.Lock()
	if storeHistory {
		k.execCount++
	}
	count := k.execCount
	k.stateMu.Unlock()

	if !c.Silent {
		k.publish(k.iopubMsg("execute_input", r.msg.rawHeader, executeInputContent{c.Code, count}))
	}
	out := k.newOutput(r, c.Silent, c.AllowStdin)
	ctx, gen := k.startCell()
	res, err := k.safeExecute(ctx, ExecuteRequest{
		Code:            c.Code,
		Silent:          c.Silent,
		StoreHistory:    storeHistory,
		AllowStdin:      c.AllowStdin,
		ExecutionCount:  count,
		UserExpressions: c.UserExpressions,
	}, out)
	interrupted := k.endCell(gen)

	var cerr *CellError
	if err != nil && !errors.As(err, &cerr) {
		if interrupted && errors.Is(err, context.Canceled) {
			cerr = &CellError{Name: "Interrupted", Value: "execution was interrupted", Traceback: []string{"Interrupted: execution was interrupted"}}
		} else {
			cerr = &CellError{Name: "InternalError", Value: err.Error(), Traceback: []string{"InternalError: " + err.Error()}}
		}
	}
	var output *string
	switch {
	case c.Silent:
		out.flush(true)
	case cerr == nil:
		if res.Value != nil {
			if s, ok := res.Value.Data["text/plain"].(string); ok {
				output = &s
			}
			out.emit(k.iopubMsg("execute_result", r.msg.rawHeader, executeResultContent{
				ExecutionCount: count,
				Data:           nonNilMap(res.Value.Data),
				Metadata:       nonNilMap(res.Value.Metadata),
			}))
		} else {
			out.flush(true)
		}
	default:
		tb := cerr.Traceback
		if tb == nil {
			tb = []string{}
		}
		out.emit(k.iopubMsg("error", r.msg.rawHeader, errorMsgContent{cerr.Name, cerr.Value, tb}))
	}
	if storeHistory {
		k.stateMu.Lock()
		k.hist.add(count, c.Code, output)
		k.stateMu.Unlock()
	}

	payload := res.Payload
	if payload == nil {
		payload = []map[string]any{}
	}
	if cerr == nil {
		k.reply(r, "execute_reply", executeOKContent{"ok", count, nonNilMap(res.UserExpressions), payload},
			map[string]any{"status": "ok", "started": started})
		return
	}
	tb := cerr.Traceback
	if tb == nil {
		tb = []string{}
	}
	if stopOnError && !c.Silent {
		k.settleInboxes()
		last := k.shellQ.lastSeq()
		k.stateMu.Lock()
		k.abort.set(last, time.Now(), k.cfg.abortWindow)
		k.stateMu.Unlock()
	}
	k.reply(r, "execute_reply", executeErrorContent{"error", count, cerr.Name, cerr.Value, tb, map[string]any{}, []map[string]any{}},
		map[string]any{"status": "error", "started": started})
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// startCell makes the context of a new cell, cancelled by Interrupt and shutdown.
func (k *Kernel) startCell() (context.Context, uint64) {
	ctx, cancel := context.WithCancel(k.baseCtx)
	k.cellMu.Lock()
	defer k.cellMu.Unlock()
	k.cellGen++
	k.cellCancel = cancel
	select {
	case <-k.quit:
		cancel()
	default:
	}
	return ctx, k.cellGen
}

// endCell cancels the cell's context and reports whether it was interrupted.
func (k *Kernel) endCell(gen uint64) bool {
	k.cellMu.Lock()
	defer k.cellMu.Unlock()
	if k.cellCancel != nil {
		k.cellCancel()
		k.cellCancel = nil
	}
	interrupted := k.interrupts[gen]
	delete(k.interrupts, gen)
	return interrupted
}

// safeExecute calls Execute, turning a panic into a CellError.
func (k *Kernel) safeExecute(ctx context.Context, req ExecuteRequest, out Output) (res ExecuteResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			stack := string(debug.Stack())
			k.log.Error("Interpreter.Execute panicked", "panic", p, "stack", stack)
			tb := []string{fmt.Sprintf("panic: %v", p), ""}
			tb = append(tb, strings.Split(strings.TrimSpace(stack), "\n")...)
			res, err = ExecuteResult{}, &CellError{Name: "panic", Value: fmt.Sprint(p), Traceback: tb}
		}
	}()
	return k.interp.Execute(ctx, req, out)
}

type completeContent struct {
	Code      string `json:"code"`
	CursorPos *int   `json:"cursor_pos"`
}

type completeReply struct {
	Status      string         `json:"status"`
	Matches     []string       `json:"matches"`
	CursorStart int            `json:"cursor_start"`
	CursorEnd   int            `json:"cursor_end"`
	Metadata    map[string]any `json:"metadata"`
}

// cursorOf returns the cursor position, defaulting to the end of code
// (counted in code points, as the protocol does).
func cursorOf(code string, pos *int) int {
	n := len([]rune(code))
	if pos == nil || *pos > n {
		return n
	}
	if *pos < 0 {
		return 0
	}
	return *pos
}

func (k *Kernel) handleComplete(r *request) {
	var c completeContent
	if !k.decodeContent(r, &c) {
		return
	}
	cursor := cursorOf(c.Code, c.CursorPos)
	rep := completeReply{Status: "ok", Matches: []string{}, CursorStart: cursor, CursorEnd: cursor, Metadata: map[string]any{}}
	if cp, ok := k.interp.(Completer); ok {
		res := cp.Complete(c.Code, cursor)
		if res.Matches != nil {
			rep.Matches = res.Matches
		}
		rep.CursorStart, rep.CursorEnd = res.CursorStart, res.CursorEnd
		rep.Metadata = nonNilMap(res.Metadata)
	}
	k.reply(r, "complete_reply", rep, nil)
}

type inspectContent struct {
	Code        string `json:"code"`
	CursorPos   *int   `json:"cursor_pos"`
	DetailLevel int    `json:"detail_level"`
}

type inspectReply struct {
	Status   string         `json:"status"`
	Found    bool           `json:"found"`
	Data     map[string]any `json:"data"`
	Metadata map[string]any `json:"metadata"`
}

func (k *Kernel) handleInspect(r *request) {
	var c inspectContent
	if !k.decodeContent(r, &c) {
		return
	}
	rep := inspectReply{Status: "ok", Data: map[string]any{}, Metadata: map[string]any{}}
	if in, ok := k.interp.(Inspector); ok {
		res := in.Inspect(c.Code, cursorOf(c.Code, c.CursorPos), c.DetailLevel)
		if res.Found {
			rep.Found, rep.Data, rep.Metadata = true, nonNilMap(res.Data), nonNilMap(res.Metadata)
		}
	}
	k.reply(r, "inspect_reply", rep, nil)
}

type isCompleteReply struct {
	Status string `json:"status"`
	Indent string `json:"indent,omitempty"`
}

func (k *Kernel) handleIsComplete(r *request) {
	var c struct {
		Code string `json:"code"`
	}
	if !k.decodeContent(r, &c) {
		return
	}
	rep := isCompleteReply{Status: "unknown"}
	if cc, ok := k.interp.(CompletenessChecker); ok {
		res := cc.IsComplete(c.Code)
		switch res.Status {
		case "complete", "invalid", "unknown":
			rep.Status = res.Status
		case "incomplete":
			rep.Status, rep.Indent = res.Status, res.Indent
		default:
			k.log.Warn("IsComplete returned an unknown status", "status", res.Status)
		}
	}
	k.reply(r, "is_complete_reply", rep, nil)
}

func (k *Kernel) handleHistory(r *request) {
	var q historyQuery
	if !k.decodeContent(r, &q) {
		return
	}
	k.stateMu.Lock()
	entries := k.hist.query(q)
	k.stateMu.Unlock()
	k.reply(r, "history_reply", map[string]any{"status": "ok", "history": entries}, nil)
}

func (k *Kernel) handleCommInfo(r *request) {
	var c struct {
		TargetName *string `json:"target_name"`
	}
	if !k.decodeContent(r, &c) {
		return
	}
	// No comm targets are registered, so no comm is open, whatever
	// target_name filters on.
	k.reply(r, "comm_info_reply", map[string]any{"status": "ok", "comms": map[string]any{}}, nil)
}

func (k *Kernel) handleCommOpen(r *request) {
	var c struct {
		CommID     string `json:"comm_id"`
		TargetName string `json:"target_name"`
	}
	if err := json.Unmarshal(r.msg.content, &c); err != nil || c.CommID == "" {
		k.log.Warn("bad comm_open", "err", err)
		return
	}
	k.log.Info("no such comm target; closing the comm", "target_name", c.TargetName, "comm_id", c.CommID)
	k.publish(k.iopubMsg("comm_close", r.msg.rawHeader, map[string]any{"comm_id": c.CommID, "data": map[string]any{}}))
}

func (k *Kernel) handleCommIgnored(r *request) {
	k.log.Debug("ignoring message for an unknown comm", "msg_type", r.msg.header.MsgType)
}

func (k *Kernel) handleConnect(r *request) {
	ci := k.tr.info()
	k.reply(r, "connect_reply", map[string]any{
		"status": "ok", "shell_port": ci.ShellPort, "iopub_port": ci.IOPubPort,
		"stdin_port": ci.StdinPort, "control_port": ci.ControlPort, "hb_port": ci.HBPort,
	}, nil)
}

func (k *Kernel) handleShutdown(r *request) {
	var c struct {
		Restart bool `json:"restart"`
	}
	if err := json.Unmarshal(r.msg.content, &c); err != nil {
		k.log.Warn("bad shutdown_request content; shutting down anyway", "err", err)
	}
	content := map[string]any{"status": "ok", "restart": c.Restart}
	k.reply(r, "shutdown_reply", content, nil)
	// ipykernel also broadcasts the reply, so every client learns of it.
	k.publishFor(r, k.iopubMsg("shutdown_reply", r.msg.rawHeader, content))
	k.log.Info("shutdown requested", "restart", c.Restart, "channel", r.ch.String())
	k.beginShutdown(c.Restart)
}

func (k *Kernel) handleInterrupt(r *request) {
	k.Interrupt()
	k.reply(r, "interrupt_reply", statusOnly{"ok"}, nil)
}

func (k *Kernel) handleStrayInputReply(r *request) {
	k.log.Warn("input_reply on the " + r.ch.String() + " channel; it belongs on stdin")
}
