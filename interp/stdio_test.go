package interp

import (
	"os"
	"path/filepath"
	"testing"
)

// TestKeepFatalCopiesTheWholeLine: the runtime writes its fatal error line
// in pieces; every piece up to the line's end reaches the log, nothing
// before the marker's chunk and nothing after the line.
func TestKeepFatalCopiesTheWholeLine(t *testing.T) {
	tests := []struct {
		name   string
		chunks []string
		want   string
	}{
		{"one chunk", []string{"ordinary\n", "fatal error: out of memory\n", "\ngoroutine 1 [running]:\n"},
			"fatal error: out of memory\n"},
		{"in pieces", []string{"ordinary\n", "fatal error: ", "out of memory", "\n", "runtime stack:\n"},
			"fatal error: out of memory\n"},
		{"reason and stacks together", []string{"fatal error: ", "concurrent map writes\n\ngoroutine 5 [running]:\n", "more stacks\n"},
			"fatal error: concurrent map writes\n\ngoroutine 5 [running]:\n"},
		{"no fatal error", []string{"fatal", " error: is not the marker\n", "error: \n"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log, err := os.Create(filepath.Join(t.TempDir(), "log"))
			if err != nil {
				t.Fatal(err)
			}
			defer log.Close()
			c := &fdCapture{origErr: log}
			for _, ch := range tt.chunks {
				c.keepFatal([]byte(ch))
			}
			if got, _ := os.ReadFile(log.Name()); string(got) != tt.want {
				t.Errorf("log = %q, want %q", got, tt.want)
			}
		})
	}
}
