package nbformat

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRoundTripJupyterWritten(t *testing.T) {
	want, err := os.ReadFile("testdata/jupyter-written.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	nb, err := Read(bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	if got := len(nb.Cells); got != 5 {
		t.Fatalf("%d cells, want 5", got)
	}
	if c := nb.Cells[1]; c.Source != "x := 1\nx + 1" || *c.ExecutionCount != 1 || c.ID != "calc" {
		t.Errorf("code cell = %+v", c)
	}
	if got := nb.Cells[2].Outputs[0]["text"]; got != "a\nb\n" {
		t.Errorf("stream text = %q", got)
	}
	if !nb.Cells[2].HasTag("check") || nb.Cells[1].HasTag("check") {
		t.Error("tags misread")
	}
	var buf bytes.Buffer
	if err := Write(&buf, nb); err != nil {
		t.Fatal(err)
	}
	if buf.String() != string(want) {
		t.Errorf("Write(Read(x)) != x\n--- got\n%s\n--- want\n%s", buf.String(), want)
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"not json", "{", "not a notebook"},
		{"no nbformat", `{"cells": []}`, "no nbformat"},
		{"v3", `{"nbformat": 3, "cells": []}`, "version 3"},
		{"no cell type", `{"nbformat": 4, "cells": [{"source": ""}]}`, "cell 0: no cell_type"},
		{"bad cell type", `{"nbformat": 4, "cells": [{"cell_type": "x"}]}`, `unknown cell_type "x"`},
		{"bad source", `{"nbformat": 4, "cells": [{"cell_type": "code", "source": [1]}]}`, "source is neither"},
		{"bad output", `{"nbformat": 4, "cells": [{"cell_type": "code", "source": "", "outputs": [{}]}]}`, "no output_type"},
		{"cell not object", `{"nbformat": 4, "cells": [3]}`, "cell 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

func FuzzRead(f *testing.F) {
	// Real notebooks: one Jupyter wrote, and the workshop's.
	files, _ := filepath.Glob("../../notebooks/*.ipynb")
	for _, name := range append([]string{"testdata/jupyter-written.ipynb"}, files...) {
		if seed, err := os.ReadFile(name); err == nil {
			f.Add(seed)
		}
	}
	// Shapes the reader must take or refuse cleanly.
	for _, seed := range []string{
		`{"nbformat": 4, "cells": [{"cell_type": "code", "source": ["a\n", "b"], "outputs": [{"output_type": "stream", "text": ["x"]}]}]}`,
		`{"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "gohpc"}}, "cells": [{"id": "a1", "cell_type": "markdown", "source": "# T", "attachments": {"i.png": {"image/png": "AA=="}}}, {"id": "r", "cell_type": "raw", "source": []}]}`,
		`{"nbformat": 4, "cells": [{"cell_type": "code", "execution_count": null, "metadata": {"tags": ["raises-exception"]}, "source": "x", "outputs": [{"output_type": "error", "ename": "E", "evalue": "v", "traceback": ["t"]}, {"output_type": "display_data", "data": {"text/plain": ["1", "2"]}, "metadata": {}}, {"output_type": "execute_result", "execution_count": 3, "data": {"image/png": "AA=="}, "metadata": {}}]}]}`,
		`{"nbformat": 3, "worksheets": []}`,
		`{"nbformat": 4, "cells": null}`,
		`{"nbformat": 4, "cells": [{"cell_type": "code", "source": 7}]}`,
		`{"nbformat": 4, "cells": [{"source": "no type"}]}`,
		`{"nbformat": 4, "cells": [{"cell_type": "code", "source": "\u00e9\u4e2d\ud83d\ude00", "outputs": []}]}`,
		`[]`,
		``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		nb, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		// Whatever reads must write, and read back to the same cells.
		var buf bytes.Buffer
		if err := Write(&buf, nb); err != nil {
			t.Fatalf("Write: %v", err)
		}
		again, err := Read(&buf)
		if err != nil {
			t.Fatalf("re-Read: %v\n%s", err, buf.String())
		}
		if len(again.Cells) != len(nb.Cells) {
			t.Fatalf("%d cells after round trip, want %d", len(again.Cells), len(nb.Cells))
		}
		for i := range nb.Cells {
			if again.Cells[i].Source != nb.Cells[i].Source {
				t.Fatalf("cell %d source %q -> %q", i, nb.Cells[i].Source, again.Cells[i].Source)
			}
		}
	})
}
