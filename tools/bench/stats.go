// Summaries over the rounds: medians, and ratios to the reference taken
// round by round.

package main

import (
	"math"
	"slices"
)

// median returns the middle of xs (the mean of the two middle values for
// an even count), or NaN for none. NaNs in xs are left out.
func median(xs []float64) float64 {
	s := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) {
			s = append(s, x)
		}
	}
	if len(s) == 0 {
		return math.NaN()
	}
	slices.Sort(s)
	m := len(s) / 2
	if len(s)%2 == 1 {
		return s[m]
	}
	return (s[m-1] + s[m]) / 2
}

// ratio returns a/b, or NaN when b is not a positive number.
func ratio(a, b float64) float64 {
	if !(b > 0) || math.IsNaN(a) {
		return math.NaN()
	}
	return a / b
}

// medianRatio returns the median over the rounds of xs[i]/ref[i]: each
// round's figure is divided by the reference's from the same round, so
// that a moment of noise, which falls on both, cancels out.
func medianRatio(xs, ref []float64) float64 {
	rs := make([]float64, 0, len(xs))
	for i := range min(len(xs), len(ref)) {
		rs = append(rs, ratio(xs[i], ref[i]))
	}
	return median(rs)
}

// field returns one figure of each round's sample.
func field(rounds []sample, f func(sample) float64) []float64 {
	xs := make([]float64, len(rounds))
	for i, s := range rounds {
		xs[i] = f(s)
	}
	return xs
}

func rps(s sample) float64      { return s.RPS }
func p50(s sample) float64      { return s.P50 }
func p99(s sample) float64      { return s.P99 }
func requests(s sample) float64 { return float64(s.Requests) }
