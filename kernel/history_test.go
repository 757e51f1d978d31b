package kernel

import (
	"fmt"
	"testing"
)

func TestHistoryKeepsRecentOutputsOnly(t *testing.T) {
	var h history
	const n = outputsKept + 250
	for i := 1; i <= n; i++ {
		out := fmt.Sprint("out ", i)
		h.add(i, fmt.Sprint("in ", i), &out)
	}
	cases := []struct {
		line       int
		wantOutput any
	}{
		{1, nil},
		{n - outputsKept, nil},
		{n - outputsKept + 1, fmt.Sprint("out ", n-outputsKept+1)},
		{n, fmt.Sprint("out ", n)},
	}
	for _, c := range cases {
		got := h.query(historyQuery{HistAccessType: "range", Output: true, Start: c.line, Stop: c.line + 1})
		if len(got) != 1 {
			t.Fatalf("line %d: %d entries", c.line, len(got))
		}
		pair := got[0].([]any)[2].([]any)
		if pair[0] != fmt.Sprint("in ", c.line) {
			t.Errorf("line %d: input %v, want kept", c.line, pair[0])
		}
		if out := pair[1]; (c.wantOutput == nil && out != nil) || (c.wantOutput != nil && fmt.Sprint(out) != c.wantOutput) {
			t.Errorf("line %d: output %v, want %v", c.line, out, c.wantOutput)
		}
	}
}
