// How the report writes numbers: rates, milliseconds, KiB, ratios, and
// the values of a chart.

package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// conns says "512 connections", or "1 connection".
func conns(c int) string {
	if c == 1 {
		return "1 connection"
	}
	return fmt.Sprintf("%d connections", c)
}

// formatRate writes requests per second: "24,469", "9.6".
func formatRate(x float64) string {
	switch {
	case math.IsNaN(x):
		return "–"
	case x >= 100:
		return thousands(int64(math.Round(x)))
	case x >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	}
	return strconv.FormatFloat(x, 'f', 2, 64)
}

// formatMS writes milliseconds to about three significant digits.
func formatMS(x float64) string {
	switch {
	case math.IsNaN(x):
		return "–"
	case x >= 1000:
		return thousands(int64(math.Round(x)))
	case x >= 100:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case x >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64)
	case x >= 1:
		return strconv.FormatFloat(x, 'f', 2, 64)
	}
	return strconv.FormatFloat(x, 'f', 3, 64)
}

// formatKiB writes a size in KiB to about three significant digits.
func formatKiB(x float64) string {
	if x >= 1000 {
		return thousands(int64(math.Round(x)))
	}
	return formatMS(x)
}

// formatCount writes a count: "20,480".
func formatCount(x float64) string {
	if math.IsNaN(x) {
		return "–"
	}
	return thousands(int64(math.Round(x)))
}

// formatRatio writes a ratio: "0.93×", "35×".
func formatRatio(x float64) string {
	switch {
	case math.IsNaN(x):
		return "–"
	case x >= 100:
		return thousands(int64(math.Round(x))) + "×"
	case x >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64) + "×"
	}
	return strconv.FormatFloat(x, 'f', 2, 64) + "×"
}

// formatRatioRef is formatRatio, with "1×" for the reference itself.
func formatRatioRef(x float64, column string) string {
	if column == reference {
		return "1×"
	}
	return formatRatio(x)
}

// thousands writes n with commas: 1234567 -> "1,234,567".
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, d := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(d)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// chartValues writes numbers for a chart: whole numbers from 100 up, one
// decimal below; 0 for a figure that is missing.
func chartValues(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		switch {
		case math.IsNaN(x):
			parts[i] = "0"
		case x >= 100:
			parts[i] = strconv.FormatFloat(x, 'f', 0, 64)
		default:
			parts[i] = strconv.FormatFloat(x, 'f', 1, 64)
		}
	}
	return strings.Join(parts, ", ")
}

// niceCeil rounds x up to 1, 2 or 5 times a power of ten, for an axis.
func niceCeil(x float64) float64 {
	if !(x > 0) {
		return 1
	}
	p := math.Pow(10, math.Floor(math.Log10(x)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= x {
			return m * p
		}
	}
	return 10 * p
}

func quoted(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = strconv.Quote(x)
	}
	return strings.Join(q, ", ")
}

// roundDuration writes a duration as a reader says it: "12m34s", "0.5s".
func roundDuration(d time.Duration) string {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second).String()
	case d >= 10*time.Second:
		return d.Round(time.Second).String()
	}
	return d.Round(100 * time.Millisecond).String()
}
