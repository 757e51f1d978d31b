package interp

import (
	"context"
	"strings"
	"testing"

	"github.com/gohpc/gohpc/kernel"
)

func TestParseHelpCell(t *testing.T) {
	tests := []struct {
		code   string
		name   string
		detail int
		ok     bool
	}{
		{"x?", "x", 0, true},
		{"x??", "x", 1, true},
		{"?x", "x", 0, true},
		{"  ??strings.Split \n", "strings.Split", 1, true},
		{"p.Norm?", "p.Norm", 0, true},
		{"größe?", "größe", 0, true},
		{"?x?", "", 0, false},  // both sides
		{"x", "", 0, false},    // no question
		{"x???", "", 0, false}, // IPython has no third level
		{"a.b.c?", "", 0, false},
		{"f()?", "", 0, false},
		{"x?\ny := 1", "", 0, false},
		{"%time?", "", 0, false}, // a magic's own help, handled by package magic
		{"1?", "", 0, false},
	}
	for _, tt := range tests {
		name, detail, ok := parseHelpCell(tt.code)
		if name != tt.name || detail != tt.detail || ok != tt.ok {
			t.Errorf("parseHelpCell(%q) = %q, %d, %v; want %q, %d, %v", tt.code, name, detail, ok, tt.name, tt.detail, tt.ok)
		}
	}
}

// TestHelpCellPages: a help cell puts the name's documentation in the
// execute_reply's pager payload, or says it found nothing, and never runs.
func TestHelpCellPages(t *testing.T) {
	s := newSession(t)
	mustRun(t, s, "answer := 42")
	tests := []struct {
		code      string
		wantPage  string // in the payload's text/plain; "" for no payload
		wantPrint string
	}{
		{"strings.Split?", "func Split(s, sep string) []string", ""},
		{"answer?", "Value: 42", ""},
		{"answer??", "Declared by: answer := 42", ""},
		{"?fmt", "package fmt", ""},
		{"nosuchname?", "", "Object `nosuchname` not found.\n"},
	}
	for _, tt := range tests {
		out := newFakeOutput()
		res, err := s.Execute(context.Background(), kernel.ExecuteRequest{Code: tt.code, StoreHistory: true}, out)
		if err != nil {
			t.Fatalf("%q: %v", tt.code, err)
		}
		if res.Value != nil {
			t.Errorf("%q: an execute_result %v", tt.code, res.Value.Data)
		}
		if got := out.stdout(); got != tt.wantPrint {
			t.Errorf("%q: stdout %q, want %q", tt.code, got, tt.wantPrint)
		}
		if tt.wantPage == "" {
			if len(res.Payload) != 0 {
				t.Errorf("%q: payload %v, want none", tt.code, res.Payload)
			}
			continue
		}
		if len(res.Payload) != 1 || res.Payload[0]["source"] != "page" {
			t.Fatalf("%q: payload %v, want one page", tt.code, res.Payload)
		}
		data, _ := res.Payload[0]["data"].(map[string]any)
		if text, _ := data["text/plain"].(string); !strings.Contains(text, tt.wantPage) {
			t.Errorf("%q: page %q, want it to contain %q", tt.code, text, tt.wantPage)
		}
	}
	if r := mustRun(t, s, "answer"); r.result != "42" {
		t.Errorf("after help cells: answer = %q", r.result)
	}
}
