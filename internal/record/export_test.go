package record

// SetFeedOff leaves s's changes out of the change feed, for benchmarks
// that measure the feed's cost.
func SetFeedOff(s *Service, off bool) { s.feedOff = off }
