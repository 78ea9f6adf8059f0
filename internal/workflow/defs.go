package workflow

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
	"github.com/tritiumhq/tritium/internal/workflow/model"
)

// DefinitionInfo is a stored process version.
type DefinitionInfo struct {
	Form       string            `json:"form"`
	Version    int               `json:"version"`
	Definition *model.Definition `json:"definition"`
}

func decodeDefinition(raw string) (*model.Definition, error) {
	var d model.Definition
	if err := json.Unmarshal([]byte(raw), &d); err != nil {
		return nil, fmt.Errorf("decode process definition: %w", err)
	}
	return &d, nil
}

// PutDefinition validates def against the form and stores it as the
// form's next version; new instances use it, running ones keep theirs.
func (e *Engine) PutDefinition(ctx context.Context, formCode string, def *model.Definition, actor string) (DefinitionInfo, error) {
	f, err := e.forms.Lookup(ctx, formCode)
	if err != nil {
		return DefinitionInfo{}, err
	}
	if !f.Workflow {
		return DefinitionInfo{}, apperr.New(apperr.Conflict, "表单 %s 未启用流程 (the form has \"workflow\": false)", f.Code)
	}
	if _, err := compile(f, def); err != nil {
		return DefinitionInfo{}, err
	}
	if err := e.checkExternals(def); err != nil {
		return DefinitionInfo{}, err
	}
	raw, err := json.Marshal(def)
	if err != nil {
		return DefinitionInfo{}, err
	}
	var v int
	err = e.db.Write(ctx, func(tx *sqldb.Tx) error {
		if err := tx.QueryRow(ctx, "SELECT COALESCE(MAX(version), 0) FROM wf_definitions WHERE form_code = ?", f.Code).Scan(&v); err != nil {
			return err
		}
		v++
		_, err := tx.Exec(ctx, "INSERT INTO wf_definitions (form_code, version, definition, created_by, created_time) VALUES (?, ?, ?, ?, ?)",
			f.Code, v, string(raw), nilIfEmpty(actor), tx.Dialect().TimeValue(e.clock()))
		if err != nil && tx.Dialect().IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "流程 %s 正在被同时修改 (the process was changed meanwhile; try again)", f.Code)
		}
		return err
	})
	if err != nil {
		return DefinitionInfo{}, err
	}
	e.current.Delete(f.Code)
	return DefinitionInfo{Form: f.Code, Version: v, Definition: def}, nil
}

// Definition returns version v of the form's process (0: the newest).
func (e *Engine) Definition(ctx context.Context, formCode string, v int) (DefinitionInfo, error) {
	f, err := e.forms.Lookup(ctx, formCode)
	if err != nil {
		return DefinitionInfo{}, err
	}
	if v == 0 {
		e.current.Delete(f.Code)
	}
	c, v, err := e.definition(ctx, e.db.Reader(), f, v)
	if err != nil {
		if apperr.CodeOf(err) == apperr.Internal {
			return DefinitionInfo{}, apperr.New(apperr.NotFound, "流程 %s 没有第%d版 (no such version)", f.Code, v)
		}
		return DefinitionInfo{}, err
	}
	return DefinitionInfo{Form: f.Code, Version: v, Definition: c.def}, nil
}
