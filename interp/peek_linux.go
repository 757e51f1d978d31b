package interp

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// peekingReader reads a capture pipe without taking bytes out of it until
// they are passed on: peek copies the unread bytes with tee(2) into a
// scratch pipe and reads them from there; consume then drops them from the
// capture pipe. A process that dies between the two leaves them in the
// pipe, where its witness (internal/lastwords) finds them: the runtime's
// "fatal error:" line is such bytes.
type peekingReader struct {
	src                *os.File
	scratchR, scratchW *os.File
	drop               []byte
}

func newPeekingReader(src *os.File) (pipeReader, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("interp: scratch pipe: %w", err)
	}
	return &peekingReader{src: src, scratchR: r, scratchW: w, drop: make([]byte, 32<<10)}, nil
}

// peek waits for bytes in the capture pipe and copies at most len(buf) of
// them into buf, leaving them in the pipe. It returns io.EOF once every
// writer is gone. len(buf) must not exceed the scratch pipe's capacity
// (64 KiB).
func (p *peekingReader) peek(buf []byte) (int, error) {
	raw, err := p.src.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int64
	var teeErr error
	err = raw.Read(func(fd uintptr) bool {
		n, teeErr = unix.Tee(int(fd), int(p.scratchW.Fd()), len(buf), unix.SPLICE_F_NONBLOCK)
		return teeErr != unix.EAGAIN
	})
	switch {
	case err != nil:
		return 0, err
	case teeErr != nil:
		return 0, teeErr
	case n == 0:
		return 0, io.EOF
	}
	return io.ReadFull(p.scratchR, buf[:n])
}

// consume drops n bytes, already peeked, from the capture pipe.
func (p *peekingReader) consume(n int) error {
	for n > 0 {
		m, err := p.src.Read(p.drop[:min(n, len(p.drop))])
		n -= m
		if err != nil {
			return err
		}
	}
	return nil
}

func (p *peekingReader) release() {
	p.scratchR.Close()
	p.scratchW.Close()
}
