package form

import (
	"context"
	"fmt"
	"strings"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// sysIndex is an index every form table has on its system columns.
type sysIndex struct {
	unique bool
	where  string
	cols   []string
}

// systemIndexes are the indexes on a form table's system columns. The
// owner's and the owner department's end with the default sort
// (createdtime, objectid), as userIndexes do: the preset permission rules
// (OwnerId = @user.id, OwnerDeptId in @user.departments or
// @user.departmentTree) select on them, so a user's page can find their
// records without reading the others, and page one owner or department in
// the default order from the index alone.
var systemIndexes = []sysIndex{
	{cols: []string{"createdtime", "objectid"}},
	{cols: []string{"modifiedtime"}},
	{cols: []string{"ownerid", "createdtime", "objectid"}},
	{cols: []string{"ownerdeptid", "createdtime", "objectid"}},
	{cols: []string{"status"}},
	{unique: true, where: "sourcesystem IS NOT NULL", cols: []string{"sourcesystem", "sourcecode"}},
}

// retiredIndexes are system indexes that earlier versions created and
// systemIndexes replaced: (ownerid) by (ownerid, createdtime, objectid).
var retiredIndexes = [][]string{{"ownerid"}}

func (ix sysIndex) sql(d sqldb.Dialect, table string, ifNotExists bool) string {
	q := indexSQL(d, table, ix.unique, ix.where, ix.cols...)
	if ifNotExists {
		q = strings.Replace(q, "INDEX ", "INDEX IF NOT EXISTS ", 1)
	}
	return q
}

// upgradeIndexes gives the tables of forms created by earlier versions the
// system indexes they lack and drops retired ones: once, at the first
// start of a version that changed them (later starts find nothing to do
// in one catalog query). Each form is upgraded in its own transaction,
// with its definition's row locked as Update does, so nodes that start
// together and form changes take turns. A table that cannot be upgraded
// is logged and left as it is (it works, only slower); the next start
// tries again.
func (s *Service) upgradeIndexes(ctx context.Context) error {
	have, err := s.indexNames(ctx)
	if err != nil {
		return err
	}
	for _, f := range s.List() {
		var stmts []string
		for _, ix := range systemIndexes {
			if !have[IndexName(f.table, ix.cols...)] {
				stmts = append(stmts, ix.sql(s.db.Dialect(), f.table, true))
			}
		}
		for _, cols := range retiredIndexes {
			if have[IndexName(f.table, cols...)] {
				stmts = append(stmts, dropIndexSQL(s.db.Dialect(), f.table, cols...))
			}
		}
		if len(stmts) == 0 {
			continue
		}
		if err := s.upgradeTable(ctx, f, stmts); err != nil && s.log != nil {
			s.log.Warn("upgrade the system indexes of a form table", "form", f.Code, "err", err)
		}
	}
	return nil
}

func (s *Service) upgradeTable(ctx context.Context, f *Form, stmts []string) error {
	gone := false
	err := s.db.WriteAlone(ctx, func(tx *sqldb.Tx) error {
		if _, err := s.load(ctx, tx, f.Code, true); err != nil {
			if apperr.CodeOf(err) == apperr.NotFound {
				gone = true // deleted since the snapshot was read
				return nil
			}
			return err
		}
		for _, q := range stmts {
			if _, err := tx.ExecDirect(ctx, q); err != nil {
				return fmt.Errorf("%s: %w", q, err)
			}
		}
		return nil
	})
	if err != nil || gone {
		return err
	}
	if s.log != nil {
		s.log.Info("upgraded the system indexes of a form table", "form", f.Code, "statements", len(stmts))
	}
	// The new indexes need statistics before the planner can judge them.
	return s.db.Analyze(ctx, f.table)
}

// indexNames lists the indexes of this database (PostgreSQL: of the
// current schema).
func (s *Service) indexNames(ctx context.Context) (map[string]bool, error) {
	q := "SELECT name FROM sqlite_master WHERE type = 'index'"
	if s.db.Kind() == sqldb.Postgres {
		q = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
	}
	rows, err := s.db.Reader().Query(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list indexes: %w", err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, fmt.Errorf("list indexes: %w", err)
		}
		out[name] = true
	}
	return out, rows.Err()
}
