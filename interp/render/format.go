package render

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// FormatTime formats a duration in seconds the way IPython's %time and
// %timeit do (IPython's _format_time): below a minute, precision significant
// digits (%.*g) in the largest of s, ms, µs, ns that keeps the number at
// least 1, e.g. "1.23 ms", "500 µs", "0 ns"; from a minute on, whole units
// "1h 2min 5s". A precision below 1 means 3, IPython's default.
func FormatTime(seconds float64, precision int) string {
	if precision < 1 {
		precision = 3
	}
	if math.IsNaN(seconds) || math.IsInf(seconds, 0) {
		return fmt.Sprint(seconds) + " s"
	}
	if seconds >= 60 {
		parts := []struct {
			suffix string
			length float64
		}{{"d", 86400}, {"h", 3600}, {"min", 60}, {"s", 1}}
		var out []string
		left := seconds
		for _, p := range parts {
			value := int64(left / p.length)
			if value > 0 {
				left = math.Mod(left, p.length)
				out = append(out, strconv.FormatInt(value, 10)+p.suffix)
			}
			if left < 1 {
				break
			}
		}
		return strings.Join(out, " ")
	}
	units := [...]string{"s", "ms", "µs", "ns"}
	scaling := [...]float64{1, 1e3, 1e6, 1e9}
	order := 3
	if seconds > 0 {
		// Python: -int(floor(log10(t)) // 3), with floor division.
		e := int(math.Floor(math.Log10(seconds)))
		order = min(-floorDiv(e, 3), 3)
		// Durations of a minute and more were handled above, so order >= 0.
		order = max(order, 0)
	}
	return fmt.Sprintf("%.*g %s", precision, seconds*scaling[order], units[order])
}

func floorDiv(a, b int) int {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// FormatCount writes n with thousands separators, as Python's "{:,}".
func FormatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	if neg {
		s = s[1:]
	}
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// FormatBytes writes a byte count with binary units and three significant
// digits: "0 B", "512 B", "1.50 KiB", "76.3 MiB".
func FormatBytes(n uint64) string {
	if n < 1024 {
		return strconv.FormatUint(n, 10) + " B"
	}
	units := []string{"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v := float64(n) / 1024
	i := 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	var s string
	switch {
	case v >= 100:
		s = strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		s = strconv.FormatFloat(v, 'f', 1, 64)
	default:
		s = strconv.FormatFloat(v, 'f', 2, 64)
	}
	return s + " " + units[i]
}

// formatFloat is the cell format of floats in tables and matrices: six
// significant digits, like NumPy's and pandas' default precision.
func formatFloat(f float64) string {
	return strconv.FormatFloat(f, 'g', 6, 64)
}

// formatRate writes a rate of units per second, e.g. "213/s", "12.5/s", "21,300/s".
func formatRate(r float64) string {
	switch {
	case math.IsInf(r, 0) || math.IsNaN(r):
		return "–/s"
	case r >= 100:
		return FormatCount(int64(math.Round(r))) + "/s"
	case r >= 10:
		return strconv.FormatFloat(r, 'f', 1, 64) + "/s"
	default:
		return strconv.FormatFloat(r, 'f', 2, 64) + "/s"
	}
}

// formatClock writes a progress duration: "0.4 s", "12.3 s", "2 min 05 s", "1 h 02 min".
func formatClock(seconds float64) string {
	switch {
	case seconds < 0 || math.IsNaN(seconds) || math.IsInf(seconds, 0):
		return "?"
	case seconds < 60:
		return strconv.FormatFloat(seconds, 'f', 1, 64) + " s"
	case seconds < 3600:
		s := int(math.Round(seconds))
		return fmt.Sprintf("%d min %02d s", s/60, s%60)
	default:
		m := int(math.Round(seconds / 60))
		return fmt.Sprintf("%d h %02d min", m/60, m%60)
	}
}
