package hpc

import (
	"context"
	"errors"
	"sync/atomic"
)

// ErrInterrupted is returned, or panicked with by functions that return no
// error, when a long-running call stops because the context installed with
// SetContext was cancelled (the user interrupted the cell).
var ErrInterrupted = errors.New("hpc: interrupted")

// ProgressFunc receives the progress of a long-running call: the task name
// (e.g. "Locate"), units done so far and units in total. It may be called
// from any goroutine, concurrently, at most once per chunk of work; the last
// call of a task has done == total. It must return quickly.
type ProgressFunc func(task string, done, total int)

type contextHolder struct{ ctx context.Context }
type progressHolder struct{ f ProgressFunc }

var (
	currentContext  atomic.Pointer[contextHolder]
	currentProgress atomic.Pointer[progressHolder]
)

// SetContext installs ctx as the context that long-running calls (the pool,
// the locators, MatMul) poll between chunks, and returns the previous one.
// A nil ctx means context.Background(). The notebook kernel installs each
// cell's context before the cell runs.
func SetContext(ctx context.Context) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	prev := currentContext.Swap(&contextHolder{ctx})
	if prev == nil {
		return context.Background()
	}
	return prev.ctx
}

// SetProgress installs f as the receiver of progress reports and returns the
// previous one. A nil f turns reporting off.
func SetProgress(f ProgressFunc) ProgressFunc {
	prev := currentProgress.Swap(&progressHolder{f})
	if prev == nil {
		return nil
	}
	return prev.f
}

// interrupted reports ErrInterrupted if the installed context is done.
func interrupted() error {
	h := currentContext.Load()
	if h == nil {
		return nil
	}
	if h.ctx.Err() != nil {
		return ErrInterrupted
	}
	return nil
}

// reportProgress forwards to the installed ProgressFunc, if any.
func reportProgress(task string, done, total int) {
	if h := currentProgress.Load(); h != nil && h.f != nil {
		h.f(task, done, total)
	}
}
