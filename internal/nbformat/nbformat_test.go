package nbformat

import (
	"bytes"
	"os"
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
	seed, _ := os.ReadFile("testdata/jupyter-written.ipynb")
	f.Add(seed)
	f.Add([]byte(`{"nbformat": 4, "cells": [{"cell_type": "code", "source": ["a\n", "b"], "outputs": [{"output_type": "stream", "text": ["x"]}]}]}`))
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
