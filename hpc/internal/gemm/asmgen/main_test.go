package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestGenerated fails when the committed kernels differ from what asmgen
// writes now: run go generate in hpc/internal/gemm and commit the result.
func TestGenerated(t *testing.T) {
	files := Generate()
	if len(files) == 0 {
		t.Fatal("asmgen generated nothing")
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join("..", name))
		if err != nil {
			t.Errorf("%s: %v (run go generate in hpc/internal/gemm)", name, err)
			continue
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate in hpc/internal/gemm and commit the result", name)
		}
	}
}
