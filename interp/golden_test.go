package interp

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The golden transcripts in testdata/*.txt are notebooks in text: each
// "-- cell --" line starts a cell's code, and the sections after it hold
// what the cell must show: "-- stdout --", "-- stderr --", "-- result --"
// (text/plain of the execute_result) and "-- error --" (a text that
// "ename: evalue" must contain). A section left out must be empty: no
// output, no result, no error. Lines starting with "#" before the first
// cell are comments. Each file runs in a fresh session, as one subtest.

type goldenCell struct {
	line     int
	code     string
	sections map[string]string // stdout, stderr, result, error
}

func parseGolden(t *testing.T, path string) []goldenCell {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cells []goldenCell
	section := ""
	var text strings.Builder
	flush := func() {
		if len(cells) == 0 || section == "" {
			return
		}
		c := &cells[len(cells)-1]
		v := text.String()
		if section != "stdout" && section != "stderr" {
			v = strings.TrimSuffix(v, "\n")
		}
		if section == "cell" {
			c.code = v
		} else {
			c.sections[section] = v
		}
		text.Reset()
	}
	for i, l := range strings.SplitAfter(string(b), "\n") {
		h := strings.TrimRight(l, "\n")
		if strings.HasPrefix(h, "-- ") && strings.HasSuffix(h, " --") {
			name := strings.TrimSuffix(strings.TrimPrefix(h, "-- "), " --")
			flush()
			switch name {
			case "cell":
				cells = append(cells, goldenCell{line: i + 1, sections: map[string]string{}})
			case "stdout", "stderr", "result", "error":
				if len(cells) == 0 {
					t.Fatalf("%s:%d: section before the first cell", path, i+1)
				}
			default:
				t.Fatalf("%s:%d: unknown section %q", path, i+1, name)
			}
			section = name
			continue
		}
		if section != "" {
			text.WriteString(l)
		}
	}
	flush()
	return cells
}

// concurrentCells finds transcripts whose cells run interpreted code on
// several goroutines at once.
var concurrentCells = regexp.MustCompile(`\bgo func|\bgo [a-zA-Z_]+\(|hpc\.Parallel`)

func TestGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no golden files")
	}
	for _, path := range files {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txt"), func(t *testing.T) {
			if data, _ := os.ReadFile(path); raceEnabled && concurrentCells.Match(data) {
				t.Skip("cells run interpreted code concurrently, where yaegi v0.16.1 races on its own frames; make test runs this without -race")
			}
			s := newSession(t)
			for _, c := range parseGolden(t, path) {
				r := runCell(t, s, c.code)
				where := fmt.Sprintf("%s:%d", path, c.line)
				if got, want := r.out.stdout(), c.sections["stdout"]; got != want {
					t.Errorf("%s: stdout\n%q\nwant\n%q", where, got, want)
				}
				if got, want := r.out.stderr(), c.sections["stderr"]; got != want {
					t.Errorf("%s: stderr\n%q\nwant\n%q", where, got, want)
				}
				want, wantErr := c.sections["error"]
				switch {
				case r.err != nil && !wantErr:
					t.Errorf("%s: unexpected error %s: %s\n%s", where, r.err.Name, r.err.Value, strings.Join(r.err.Traceback, "\n"))
				case r.err == nil && wantErr:
					t.Errorf("%s: no error, want %q", where, want)
				case r.err != nil && !strings.Contains(r.err.Name+": "+r.err.Value, want):
					t.Errorf("%s: error\n%s: %s\nwant it to contain\n%s", where, r.err.Name, r.err.Value, want)
				}
				wantRes, hasRes := c.sections["result"]
				if r.has != hasRes || r.result != wantRes {
					t.Errorf("%s: result %v %q, want %v %q", where, r.has, r.result, hasRes, wantRes)
				}
			}
		})
	}
}
