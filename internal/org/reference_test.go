package org_test

import (
	"testing"

	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// BenchmarkReference is the reference the other benchmarks of this
// package are reported against (cpu, select1/<db>; see
// sqldbtest.BenchmarkReference): run it in the same invocation.
func BenchmarkReference(b *testing.B) { sqldbtest.BenchmarkReference(b) }
