package magic

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gohpc/gohpc/internal/testclock"
)

// TestTranscripts runs the cells of testdata/transcripts/*.txt and matches
// what they print. A transcript is a sequence of sections:
//
//	-- cell --      the cell (several cells run in order, one session)
//	-- stdout --    what it prints on stdout
//	-- stderr --    what it prints on stderr
//	-- error --     the error it returns
//
// Expected text is literal except for placeholders that match numbers:
// {{time}} a duration as IPython formats it, {{n}} a count (with commas),
// {{bytes}} a byte size, {{any}} anything on one line, {{s}} a plural's s. In the session, a
// statement containing sleep(D) takes D on the executor's clock, per run.
func TestTranscripts(t *testing.T) {
	files, err := filepath.Glob("testdata/transcripts/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts: %v", err)
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			clock := testclock.New()
			s := &fakeSession{clock: clock, workers: 4, cost: sleepCost,
				vars: []Var{{"n", "int", 3}, {"xs", "[]float64", []float64{1, 2}}}}
			e := &Executor{Session: s, Now: clock.Now}
			var out *fakeOut
			var runErr error
			for _, sec := range sections(t, string(raw)) {
				switch sec.name {
				case "cell":
					out = &fakeOut{}
					runErr = nil
					p, err := Parse(sec.text)
					if err == nil {
						_, err = e.Execute(context.Background(), p, out)
					}
					runErr = err
				case "stdout", "stderr":
					if got := out.text(sec.name); !matches(sec.text, got) {
						t.Errorf("line %d: %s\n%s\ndoes not match\n%s", sec.line, sec.name, got, sec.text)
					}
				case "error":
					got := "<nil>"
					if runErr != nil {
						got = runErr.Error() + "\n"
					}
					if !matches(sec.text, got) {
						t.Errorf("line %d: error %q does not match %q", sec.line, got, sec.text)
					}
				default:
					t.Fatalf("line %d: unknown section %q", sec.line, sec.name)
				}
			}
		})
	}
}

var sleepRE = regexp.MustCompile(`sleep\((\w+)\)`)

func sleepCost(code string, _ int) time.Duration {
	var d time.Duration
	for _, m := range sleepRE.FindAllStringSubmatch(code, -1) {
		x, err := time.ParseDuration(m[1])
		if err == nil {
			d += x
		}
	}
	return d
}

type section struct {
	name, text string
	line       int
}

var sectionRE = regexp.MustCompile(`(?m)^-- (\w+) --\n`)

func sections(t *testing.T, s string) []section {
	t.Helper()
	idx := sectionRE.FindAllStringSubmatchIndex(s, -1)
	var out []section
	for i, m := range idx {
		end := len(s)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		text := s[m[1]:end]
		name := s[m[2]:m[3]]
		if name == "cell" {
			text = strings.TrimSuffix(text, "\n")
		}
		out = append(out, section{name: name, text: text, line: strings.Count(s[:m[0]], "\n") + 1})
	}
	return out
}

var placeholders = map[string]string{
	"time":  timeRE,
	"n":     `[0-9][0-9,]*`,
	"bytes": `[0-9.]+ (B|KiB|MiB|GiB|TiB)`,
	"any":   `.*`,
	"s":     `s?`,
}

// matches reports whether got matches the expected text with placeholders.
func matches(want, got string) bool {
	var re strings.Builder
	re.WriteString(`^`)
	for {
		i := strings.Index(want, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(want[i:], "}}")
		if j < 0 {
			break
		}
		p, ok := placeholders[want[i+2:i+j]]
		if !ok {
			p = regexp.QuoteMeta(want[i : i+j+2])
		}
		re.WriteString(regexp.QuoteMeta(want[:i]) + "(?:" + p + ")")
		want = want[i+j+2:]
	}
	re.WriteString(regexp.QuoteMeta(want) + `$`)
	return regexp.MustCompile(re.String()).MatchString(got)
}

func TestMatches(t *testing.T) {
	for _, tc := range []struct {
		want, got string
		ok        bool
	}{
		{"Wall time: {{time}}\n", "Wall time: 1.22 s\n", true},
		{"Wall time: {{time}}\n", "Wall time: 2min 5s\n", true},
		{"Wall time: {{time}}\n", "Wall time: fast\n", false},
		{"({{n}} loops)", "(1,000 loops)", true},
		{"a.b", "axb", false},
		{"{{bytes}} allocated", "76.3 MiB allocated", true},
		{"x {{nope}}", "x {{nope}}", true},
	} {
		if got := matches(tc.want, tc.got); got != tc.ok {
			t.Errorf("matches(%q, %q) = %v", tc.want, tc.got, got)
		}
	}
}
