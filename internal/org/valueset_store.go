package org

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

const valueSetColumns = `id, COALESCE(external_id, ''), code, name, COALESCE(description, ''), enabled, created_time, modified_time`

func scanValueSet(d sqldb.Dialect, sc scanner) (ValueSet, error) {
	var v ValueSet
	var enabled, created, modified any
	if err := sc.Scan(&v.ID, &v.ExternalID, &v.Code, &v.Name, &v.Description, &enabled, &created, &modified); err != nil {
		return v, err
	}
	var err error
	if v.Enabled, err = d.ScanBool(enabled); err != nil {
		return v, err
	}
	v.CreatedTime, v.ModifiedTime, err = scanTimes(d, created, modified)
	return v, err
}

// loadValueSet reads the set whose col ("id" or "code") is key, with its
// values; lock keeps the row for an update.
func loadValueSet(ctx context.Context, q sqldb.Querier, col, key string, lock bool) (ValueSet, error) {
	query := "SELECT " + valueSetColumns + " FROM value_sets WHERE " + col + " = ?"
	if lock {
		query += q.Dialect().ForUpdate()
	}
	v, err := scanValueSet(q.Dialect(), q.QueryRow(ctx, query, key))
	if errors.Is(err, sql.ErrNoRows) {
		return ValueSet{}, valueSetNotFound(key)
	}
	if err != nil {
		return ValueSet{}, err
	}
	v.Values, err = loadValues(ctx, q, v.ID)
	return v, err
}

// loadValues returns a set's values in their order; never nil.
func loadValues(ctx context.Context, q sqldb.Querier, setID string) ([]Value, error) {
	m, err := valuesOf(ctx, q, []string{setID})
	if err != nil || m[setID] != nil {
		return m[setID], err
	}
	return []Value{}, nil
}

// valuesOf returns the values of each of the sets ids (at most one page
// of them), in their order, by set id.
func valuesOf(ctx context.Context, q sqldb.Querier, ids []string) (map[string][]Value, error) {
	out := make(map[string][]Value, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := q.Query(ctx, "SELECT set_id, code, label, COALESCE(description, ''), enabled, sort_order FROM value_set_values WHERE set_id IN ("+
		placeholders(len(ids))+") ORDER BY set_id, position", anySlice(ids)...)
	if err != nil {
		return nil, fmt.Errorf("load values: %w", err)
	}
	defer rows.Close()
	d := q.Dialect()
	for rows.Next() {
		var set string
		var x Value
		var enabled any
		if err := rows.Scan(&set, &x.Code, &x.Label, &x.Description, &enabled, &x.Order); err != nil {
			return nil, fmt.Errorf("load values: %w", err)
		}
		on, err := d.ScanBool(enabled)
		if err != nil {
			return nil, fmt.Errorf("load values: %w", err)
		}
		x.Enabled = &on
		out[set] = append(out[set], x)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("load values: %w", err)
	}
	return out, nil
}

func insertValueSet(ctx context.Context, tx *sqldb.Tx, v ValueSet) (ValueSet, error) {
	if v.ID == "" {
		v.ID = uuid.NewString()
	} else if err := checkID("id", v.ID); err != nil {
		return ValueSet{}, err
	}
	if err := v.normalize(); err != nil {
		return ValueSet{}, err
	}
	err := checkUnique(ctx, tx, "value_sets", "",
		unique{"id", "id", "编号", v.ID},
		unique{"external_id", "externalId", "外部编号", v.ExternalID},
		unique{"code", "code", "值集编码", v.Code})
	if err != nil {
		return ValueSet{}, err
	}
	v.CreatedTime = sqldb.Now()
	v.ModifiedTime = v.CreatedTime
	d := tx.Dialect()
	_, err = tx.Exec(ctx, `INSERT INTO value_sets (id, external_id, code, name, description, enabled, created_time, modified_time)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, v.ID, nullable(v.ExternalID), v.Code, v.Name, nullable(v.Description), d.BoolValue(v.Enabled),
		d.TimeValue(v.CreatedTime), d.TimeValue(v.ModifiedTime))
	if err != nil {
		return ValueSet{}, uniqueErr(d, err, "值集", "value set")
	}
	return v, insertValues(ctx, tx, v.ID, v.Values)
}

func patchValueSet(ctx context.Context, tx *sqldb.Tx, id string, p ValueSetPatch) (ValueSet, error) {
	cur, err := loadValueSet(ctx, tx, "id", id, true)
	if err != nil {
		return ValueSet{}, err
	}
	v := cur
	v.Values = slices.Clone(cur.Values)
	p.apply(&v)
	if err := v.normalize(); err != nil {
		return ValueSet{}, err
	}
	if v.ExternalID != cur.ExternalID || v.Code != cur.Code {
		if err := checkUnique(ctx, tx, "value_sets", id, unique{"external_id", "externalId", "外部编号", v.ExternalID}, unique{"code", "code", "值集编码", v.Code}); err != nil {
			return ValueSet{}, err
		}
	}
	if v.Code != cur.Code {
		if err := refuseInUse(ctx, tx, cur.Code, "修改编码", "renamed"); err != nil {
			return ValueSet{}, err
		}
	}
	v.ModifiedTime = sqldb.Now()
	d := tx.Dialect()
	_, err = tx.Exec(ctx, "UPDATE value_sets SET external_id = ?, code = ?, name = ?, description = ?, enabled = ?, modified_time = ? WHERE id = ?",
		nullable(v.ExternalID), v.Code, v.Name, nullable(v.Description), d.BoolValue(v.Enabled), d.TimeValue(v.ModifiedTime), id)
	if err != nil {
		return ValueSet{}, uniqueErr(d, err, "值集", "value set")
	}
	if p.Values == nil {
		return v, nil
	}
	if _, err := tx.Exec(ctx, "DELETE FROM value_set_values WHERE set_id = ?", id); err != nil {
		return ValueSet{}, fmt.Errorf("clear values: %w", err)
	}
	return v, insertValues(ctx, tx, id, v.Values)
}

// insertValues stores values (normalized, in order) for set id, a chunk of
// rows per statement.
func insertValues(ctx context.Context, tx *sqldb.Tx, id string, values []Value) error {
	d := tx.Dialect()
	const cols = 7
	const per = chunk / cols // rows per statement
	for start := 0; start < len(values); start += per {
		part := values[start:min(len(values), start+per)]
		rows := strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?), ", len(part)), ", ")
		args := make([]any, 0, cols*len(part))
		for i, x := range part {
			args = append(args, id, x.Code, x.Label, nullable(x.Description), d.BoolValue(x.On()), x.Order, start+i)
		}
		if _, err := tx.Exec(ctx, "INSERT INTO value_set_values (set_id, code, label, description, enabled, sort_order, position) VALUES "+rows, args...); err != nil {
			return fmt.Errorf("store values: %w", err)
		}
	}
	return nil
}
