// Package record is the business-object service: every API (the H3Yun
// endpoint, REST v1, scripts) creates, reads, changes and removes objects
// through it, with the same validation, defaults and transactions.
package record

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/tritiumhq/tritium/internal/access"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Actor is who makes a call: the user written to CreatedBy/ModifiedBy and
// the default owner.
type Actor struct {
	UserID       string
	DepartmentID string
	// Subject, when set, holds the call to the user's grants (a user
	// context); nil for engine credentials, which bypass them.
	Subject *access.Subject
}

// Object is one business object. Values and Children are parallel to the
// form's Fields and Children; a child list is nil when it was not loaded.
type Object struct {
	Form     *form.Form
	ID       string
	Sys      Sys
	Values   []any
	Children [][]*Row
}

// Sys holds the system fields.
type Sys struct {
	Name               string
	Status             int64
	CreatedBy          string
	OwnerID            string
	OwnerDeptID        string
	CreatedTime        time.Time
	ModifiedBy         string
	ModifiedTime       time.Time
	WorkflowInstanceID string
	SeqNo              int64
	Version            int64
	SourceSystem       string
	SourceCode         string
}

// Row is one child-table row.
type Row struct {
	ID       string
	ParentID string
	Values   []any // parallel to the child's Fields
}

// CheckComplete reports the first required field, of the object or of a
// child row, that has no value: what a submit refuses.
func (o *Object) CheckComplete() error {
	for i, fd := range o.Form.Fields {
		if fd.Required && o.Values[i] == nil {
			return apperr.Field(fd.Code, "字段%s(%s) 必填 (required field %s is missing)", fd.Code, fd.Name, fd.Code)
		}
	}
	for ci, child := range o.Form.Children {
		if ci >= len(o.Children) {
			break
		}
		for ri, row := range o.Children[ci] {
			for i, fd := range child.Fields {
				if fd.Required && row.Values[i] == nil {
					return apperr.Field(child.Code+"."+fd.Code, "子表%s 第%d行: 字段%s(%s) 必填 (required)", child.Code, ri+1, fd.Code, fd.Name)
				}
			}
		}
	}
	return nil
}

// Value returns the value of field code (form fields only), or nil.
func (o *Object) Value(code string) any {
	for i, fd := range o.Form.Fields {
		if fd.Code == code {
			return o.Values[i]
		}
	}
	return nil
}

// Directory answers the org questions writes need, inside the write's
// transaction.
type Directory interface {
	// UserDepartment returns the user's department; ok is false when the
	// user does not exist.
	UserDepartment(ctx context.Context, q sqldb.Querier, userID string) (deptID string, ok bool, err error)
	DepartmentExists(ctx context.Context, q sqldb.Querier, id string) (bool, error)
}

// Files resolves file keys written to attachment fields.
type Files interface {
	// Describe returns the stored metadata of each key, in order; a key that
	// does not exist is an error naming it.
	Describe(ctx context.Context, q sqldb.Querier, keys []string) ([]form.FileRef, error)
}

// ValueSets tells which values fields with a value set take.
type ValueSets interface {
	// ValueStates returns each value code of the set and whether a new
	// write may use it; found is false when there is no such set. The map
	// is shared: read it only.
	ValueStates(ctx context.Context, code string) (states map[string]bool, found bool, err error)
}

// Workflows is the approval process of a workflow form's objects, told
// in the transaction that creates (or submits) an object, and in the one
// that deletes it. The workflow engine implements it; it is set after both
// services exist.
type Workflows interface {
	// StartTx starts instance instanceID for the object (already written
	// in tx with Status Running); with submit, the start node is completed
	// by the object's owner.
	StartTx(ctx context.Context, tx *sqldb.Tx, f *form.Form, objectID, instanceID string, actor Actor, submit bool) error
	// ObjectRemovedTx tells instance instanceID that actor deletes its
	// object in tx, just after: the instance records it and, when still
	// running, ends canceled without writing to the object.
	ObjectRemovedTx(ctx context.Context, tx *sqldb.Tx, f *form.Form, objectID, instanceID string, actor Actor) error
}

// Service is the record service.
type Service struct {
	db     *sqldb.DB
	forms  *form.Service
	codec  *form.Codec
	dir    Directory
	files  Files
	log    *slog.Logger
	plans  sync.Map // *form.Form → *plan
	wf     Workflows
	hooks  WriteHooks
	grants *access.Store
	part   Participants // nil: views are the grants' alone
	sets   ValueSets    // nil: fields with a value set take no value
	// feedOff leaves changes out of the change feed (benchmarks only).
	feedOff bool
}

// SetWorkflows connects the workflow engine (see Workflows); when it also
// implements Participants, workflow participants may view the objects of
// their approvals (see participants.go).
func (s *Service) SetWorkflows(w Workflows) {
	s.wf = w
	s.part, _ = w.(Participants)
}

// Config holds the service's collaborators.
type Config struct {
	DB        *sqldb.DB
	Forms     *form.Service
	Directory Directory
	Files     Files     // may be nil: attachment values are then refused
	ValueSets ValueSets // may be nil: values of fields with a value set are then refused
	Logger    *slog.Logger
}

// NewService returns a record service.
func NewService(cfg Config) *Service {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{db: cfg.DB, forms: cfg.Forms, codec: cfg.Forms.Codec(), dir: cfg.Directory, files: cfg.Files, sets: cfg.ValueSets, log: log}
}

// Codec returns the value codec.
func (s *Service) Codec() *form.Codec { return s.codec }

// Forms returns the form service.
func (s *Service) Forms() *form.Service { return s.forms }

func objectNotFound(id string) error {
	return apperr.New(apperr.NotFound, "业务对象不存在: %s (object not found)", id)
}
