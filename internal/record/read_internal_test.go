package record

import "testing"

// TestWalkCheaper: a page's strategy follows the share of the table that
// matches, not the number of matches alone.
func TestWalkCheaper(t *testing.T) {
	for _, c := range []struct {
		matches, rows int64
		want          int
		walk          bool
	}{
		{6669, 100003, 50, true},     // 2/3 × 1/10 of 100,000: walk some 750 rows
		{100, 100000, 20, false},     // 0.1%: the matches through an index
		{6669, 100003, 5050, false},  // a deep page: the walk would read 75,000
		{10000, 10000, 500, true},    // every row matches
		{2000, 1000000, 50, false},   // 0.2% of a million
		{10000, 1000000, 50, true},   // 1%: 5,000 rows
		{10000, 1000000, 500, false}, // 1%, 500 a page: 50,000 rows
	} {
		if got := walkCheaper(c.matches, c.rows, c.want); got != c.walk {
			t.Errorf("%d of %d rows, page ending at %d: walk %v, want %v", c.matches, c.rows, c.want, got, c.walk)
		}
	}
}
