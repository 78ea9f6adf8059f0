package app_test

import (
	"testing"

	"github.com/tritiumhq/tritium/internal/sqldb/sqldbtest"
)

// BenchmarkReference is the reference BenchmarkApprovalInstance is
// reported against (cpu, select1/<db>; see sqldbtest.BenchmarkReference):
// run it in the same invocation. BenchmarkHTTP has its own, healthz.
func BenchmarkReference(b *testing.B) { sqldbtest.BenchmarkReference(b) }
