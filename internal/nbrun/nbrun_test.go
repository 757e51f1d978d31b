package nbrun

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gohpc/gohpc/internal/nbformat"
	"github.com/gohpc/gohpc/kernel"
)

// fakeInterp interprets a tiny command language, one command per line:
//
//	print TEXT | eprint TEXT | show ID TEXT | update ID TEXT | clear | clearwait
//	result TEXT | fail TEXT | sleep | panic | stdin
type fakeInterp struct{ seen []string }

func (f *fakeInterp) KernelInfo() kernel.KernelInfo { return kernel.KernelInfo{LanguageName: "fake"} }

func (f *fakeInterp) Execute(ctx context.Context, req kernel.ExecuteRequest, out kernel.Output) (kernel.ExecuteResult, error) {
	f.seen = append(f.seen, req.Code)
	var res kernel.ExecuteResult
	for _, line := range strings.Split(req.Code, "\n") {
		cmd, arg, _ := strings.Cut(line, " ")
		switch cmd {
		case "print":
			out.Stream("stdout", arg+"\n")
		case "eprint":
			out.Stream("stderr", arg+"\n")
		case "show", "update":
			id, text, _ := strings.Cut(arg, " ")
			d := kernel.DisplayData{Data: map[string]any{"text/plain": text}, DisplayID: id}
			if cmd == "show" {
				out.Display(d)
			} else {
				out.UpdateDisplay(d)
			}
		case "clear":
			out.ClearOutput(false)
		case "clearwait":
			out.ClearOutput(true)
		case "result":
			res.Value = &kernel.DisplayData{Data: map[string]any{"text/plain": arg}}
		case "fail":
			return res, &kernel.CellError{Name: "Failure", Value: arg, Traceback: []string{"at line 1"}}
		case "sleep":
			<-ctx.Done()
			return res, &kernel.CellError{Name: "Interrupted", Value: ctx.Err().Error()}
		case "panic":
			panic("broken interpreter")
		case "stdin":
			if _, err := out.Input(ctx, "?", false); err != nil {
				return res, &kernel.CellError{Name: "StdinError", Value: err.Error()}
			}
		}
	}
	return res, nil
}

func notebook(cells ...*nbformat.Cell) *nbformat.Notebook {
	return &nbformat.Notebook{Format: 4, FormatMinor: 5, Cells: cells}
}

func code(src string, tags ...string) *nbformat.Cell {
	c := &nbformat.Cell{Type: "code", Source: src, Metadata: map[string]any{}}
	if len(tags) > 0 {
		t := make([]any, len(tags))
		for i, s := range tags {
			t[i] = s
		}
		c.Metadata["tags"] = t
	}
	return c
}

func TestRunOutputs(t *testing.T) {
	nb := notebook(
		&nbformat.Cell{Type: "markdown", Source: "# hi"},
		code("print a\nprint b\neprint c\nprint d\nresult 42"),
		code("show bar 10%\nprint x"),
		code("update bar 100%"),
		code("print gone\nclear\nprint kept"),
		code("print gone\nclearwait\nprint kept"),
		code(""),
	)
	res, err := Run(context.Background(), nb, &fakeInterp{}, Options{})
	if err != nil || len(res.Failed) != 0 || res.Executed != 5 {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	c1 := nb.Cells[1].Outputs
	if len(c1) != 4 || c1[0]["text"] != "a\nb\n" || c1[1]["name"] != "stderr" || c1[3]["output_type"] != "execute_result" {
		t.Errorf("cell 1 outputs = %v", c1)
	}
	if got := c1[3]["execution_count"]; got != 1 {
		t.Errorf("execute_result count = %v", got)
	}
	if got := nb.Cells[2].Outputs[0]["data"].(map[string]any)["text/plain"]; got != "100%" {
		t.Errorf("display not updated in place: %v", got)
	}
	if len(nb.Cells[3].Outputs) != 0 {
		t.Errorf("update_display_data added an output: %v", nb.Cells[3].Outputs)
	}
	for _, i := range []int{4, 5} {
		if o := nb.Cells[i].Outputs; len(o) != 1 || o[0]["text"] != "kept\n" {
			t.Errorf("cell %d after clear = %v", i, o)
		}
	}
	if nb.Cells[6].ExecutionCount != nil {
		t.Error("empty cell got an execution count")
	}
}

func TestRunStopsOnError(t *testing.T) {
	nb := notebook(code("print 1"), code("fail expected", "raises-exception"), code("fail bad"), code("print never"))
	nb.Cells[3].Outputs = []nbformat.Output{{"output_type": "stream", "name": "stdout", "text": "stale"}}
	var log strings.Builder
	res, err := Run(context.Background(), nb, &fakeInterp{}, Options{Log: &log})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Failed) != 2 || res.Failed[1].Index != 2 || res.Failed[1].Err.Value != "bad" {
		t.Fatalf("failures = %+v", res.Failed)
	}
	if o := nb.Cells[2].Outputs; len(o) != 1 || o[0]["ename"] != "Failure" {
		t.Errorf("error output = %v", o)
	}
	if len(nb.Cells[3].Outputs) != 0 || nb.Cells[3].ExecutionCount != nil {
		t.Error("a cell after the failure ran or kept stale outputs")
	}
	if !strings.Contains(log.String(), "Failure: bad") || !strings.Contains(log.String(), "at line 1") {
		t.Errorf("log = %q", log.String())
	}
}

func TestRunAllowErrorsPanicTimeoutStdin(t *testing.T) {
	nb := notebook(code("panic"), code("sleep"), code("stdin"), code("result ok"))
	res, err := Run(context.Background(), nb, &fakeInterp{}, Options{AllowErrors: true, CellTimeout: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	names := []string{}
	for _, f := range res.Failed {
		names = append(names, f.Err.Name)
	}
	if strings.Join(names, ",") != "InternalError,Interrupted,StdinError" {
		t.Errorf("failures = %v", names)
	}
	if !strings.Contains(res.Failed[1].Err.Value, "timed out") {
		t.Errorf("timeout not reported: %v", res.Failed[1].Err.Value)
	}
	if nb.Cells[3].Outputs[0]["output_type"] != "execute_result" {
		t.Error("run did not continue with AllowErrors")
	}
}

func TestParams(t *testing.T) {
	tests := []struct {
		params []string
		want   string
	}{
		{[]string{"n=100", "name=gopher", "s=\"q\"", "x=-1.5", "ok=true", "xs=[]int{1,2}"},
			"n = 100\nname := \"gopher\"\ns := \"q\"\nx := -1.5\nok := true\nxs := []int{1,2}\n"},
	}
	for _, tt := range tests {
		var ps []Param
		for _, s := range tt.params {
			p, err := ParseParam(s)
			if err != nil {
				t.Fatal(err)
			}
			ps = append(ps, p)
		}
		nb := notebook(code("print first"), code("n := 10", "parameters"), code("print after"))
		f := &fakeInterp{}
		if _, err := Run(context.Background(), nb, f, Options{Params: ps}); err != nil {
			t.Fatal(err)
		}
		if len(f.seen) != 4 || f.seen[2] != tt.want || !nb.Cells[2].HasTag("injected-parameters") {
			t.Errorf("ran %q, want the injected cell third: %q", f.seen, tt.want)
		}
	}
	for _, bad := range []string{"noequals", "1x=2", "=3"} {
		if _, err := ParseParam(bad); err == nil {
			t.Errorf("ParseParam(%q) accepted", bad)
		}
	}
}
