package sheet

import (
	"context"
	"errors"
	"io"
	"regexp"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/tritiumhq/tritium/internal/access"
	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/record"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// Mode says what an import does when some rows are refused.
type Mode string

const (
	Atomic Mode = "atomic" // all rows or none
	Rows   Mode = "rows"   // each good row; the bad ones are reported
)

// Options are an import's choices.
type Options struct {
	DryRun bool // validate every row as the write would, write nothing
	Mode   Mode
	// Submit creates records as submitted (Effective on a form without
	// workflow; on a workflow form, its approval starts past the start
	// node); updates are not submitted.
	Submit bool
}

// Result is an import's outcome. On a dry run, or when atomic mode wrote
// nothing because a row was refused, Created and Updated count what the
// good rows would have done.
type Result struct {
	DryRun  bool       `json:"dryRun"`
	Mode    Mode       `json:"mode"`
	Written bool       `json:"written"`
	Total   int        `json:"total"`
	Created int        `json:"created"`
	Updated int        `json:"updated"`
	Failed  int        `json:"failed"`
	Errors  []RowError `json:"errors"`
}

// errRollback ends a write that must leave nothing behind.
var errRollback = errors.New("sheet: roll back")

// Import reads an .xlsx workbook from r and writes its rows to form
// formCode as actor, with the record service's validation: a main row
// with an ObjectId updates that record, one without creates a record;
// child sheets replace the child rows of the records on the main sheet.
// A workbook that cannot be read, or whose code row names no field, is an
// error; rows the service refuses are the Result's Errors.
func (s *Service) Import(ctx context.Context, actor record.Actor, formCode string, r io.Reader, opt Options) (*Result, error) {
	f, err := s.records.Forms().Lookup(ctx, formCode)
	if err != nil {
		return nil, err
	}
	if opt.Mode == "" {
		opt.Mode = Atomic
	}
	if d, err := s.records.Decision(ctx, actor.Subject, formCode, access.Import); err != nil {
		return nil, err
	} else if d != nil && !d.Allowed {
		return nil, apperr.New(apperr.Forbidden, "无权导入表单 %s 的对象 (your grants on form %s do not allow import)", f.Code, f.Code)
	}
	file, err := excelize.OpenReader(r, excelize.Options{UnzipSizeLimit: s.maxUnzip, UnzipXMLSizeLimit: min(s.maxUnzip, excelize.StreamChunkSize)})
	if err != nil {
		return nil, badFile(err)
	}
	b, err := read(f, s.records.Codec().Loc, file)
	file.Close() // its rows are read: free them (and its temporary files) before writing
	if err != nil {
		return nil, err
	}
	if err := s.dropReadOnly(ctx, actor, f, b); err != nil {
		return nil, err
	}
	res := &Result{DryRun: opt.DryRun, Mode: opt.Mode, Total: len(b.items), Errors: b.errs}
	w := &importer{s: s, f: f, b: b, res: res}
	if err := w.write(ctx, actor, opt); err != nil {
		return nil, err
	}
	for _, it := range b.items {
		if it.failed {
			res.Failed++
		}
	}
	if res.Errors == nil {
		res.Errors = []RowError{}
	}
	return res, nil
}

// dropReadOnly leaves out the cells of fields read-only to the actor: an
// exported sheet shows them, and sending them back unchanged must not
// refuse the row.
func (s *Service) dropReadOnly(ctx context.Context, actor record.Actor, f *form.Form, b *book) error {
	for i, action := range []string{access.Edit, access.Create} {
		d, err := s.records.Decision(ctx, actor.Subject, f.Code, action)
		if err != nil || d == nil {
			return err
		}
		b.skip[i] = d.ReadOnly
	}
	return nil
}

// importer writes one book.
type importer struct {
	s   *Service
	f   *form.Form
	b   *book
	res *Result
}

// chunk is how many rows a rows-mode import or a dry run writes (or
// tries) per transaction.
const chunk = 500

// write writes the book's rows: in atomic mode all in one transaction, in
// rows mode and on a dry run chunk by chunk, each chunk in its own
// transaction (committed in rows mode, rolled back on a dry run), so only
// a chunk's prepared writes are held at a time.
func (w *importer) write(ctx context.Context, actor record.Actor, opt Options) error {
	var good []*item
	for _, it := range w.b.items {
		if !it.failed {
			good = append(good, it)
		}
	}
	if opt.Mode == Atomic && !opt.DryRun {
		// A row refused while reading already means nothing is written,
		// but every row is still checked, so all errors come back at once.
		return w.apply(ctx, actor, opt, good, len(w.b.errs) == 0)
	}
	for i := 0; i < len(good); i += chunk {
		if err := w.apply(ctx, actor, opt, good[i:min(i+chunk, len(good))], !opt.DryRun); err != nil {
			return err
		}
	}
	return nil
}

// apply writes items in one transaction, committed when keep holds (and,
// in atomic mode, no item failed).
func (w *importer) apply(ctx context.Context, actor record.Actor, opt Options, items []*item, keep bool) error {
	var creates, updates []record.WriteItem
	var cItems, uItems []*item
	for _, it := range items {
		if it.id == "" {
			creates, cItems = append(creates, record.WriteItem{Data: w.b.data(it)}), append(cItems, it)
		} else {
			updates, uItems = append(updates, record.WriteItem{ObjectID: it.id, Data: w.b.data(it)}), append(uItems, it)
		}
	}
	cw, err := w.s.records.PrepareWrites(ctx, actor, w.f.Code, record.WriteCreate, "", creates, record.CreateOptions{Submit: opt.Submit})
	if err != nil {
		return err
	}
	uw, err := w.s.records.PrepareWrites(ctx, actor, w.f.Code, record.WriteUpdate, "", updates, record.CreateOptions{})
	if err != nil {
		return err
	}
	creates, updates = nil, nil // parsed now
	for _, it := range items {
		it.cells = nil // only the row numbers are needed from here
		for _, rows := range it.kids {
			for j := range rows {
				rows[j].cells = nil
			}
		}
	}
	var cr, ur []record.WriteResult
	err = w.s.db.WriteAlone(ctx, func(tx *sqldb.Tx) error {
		var err error
		if cr, err = cw.Apply(ctx, tx); err != nil {
			return err
		}
		if ur, err = uw.Apply(ctx, tx); err != nil {
			return err
		}
		if !keep || opt.Mode == Atomic && (failed(cr) || failed(ur)) {
			return errRollback
		}
		return nil
	})
	if err != nil && !errors.Is(err, errRollback) {
		return err
	}
	if err == nil && len(cr)+len(ur) > 0 {
		w.res.Written = true
	}
	w.outcomes(cItems, cr)
	w.outcomes(uItems, ur)
	return nil
}

func failed(rs []record.WriteResult) bool {
	for _, r := range rs {
		if r.Err != nil {
			return true
		}
	}
	return false
}

// outcomes counts results and turns refusals into row errors.
func (w *importer) outcomes(items []*item, rs []record.WriteResult) {
	for i, r := range rs {
		switch {
		case r.Err != nil:
			items[i].failed = true
			w.res.Errors = append(w.res.Errors, w.rowError(items[i], r.Err))
		case r.Outcome == record.OutcomeCreated:
			w.res.Created++
		case r.Outcome == record.OutcomeUpdated:
			w.res.Updated++
		}
	}
}

// childRowRE finds the child row number in the record service's message
// of a child-row refusal ("子表X 第3行: …").
var childRowRE = regexp.MustCompile(`第(\d+)行`)

// rowError places a refusal of it on the cell it names: a child table's
// field on that child row's sheet, anything else on the main row.
func (w *importer) rowError(it *item, err error) RowError {
	b := w.b
	re := RowError{Sheet: b.main, Row: it.row, Message: err.Error()}
	e := apperr.As(err)
	if e == nil {
		return re
	}
	re.Message, re.Field = e.Message, e.Field
	childCode, code, isChild := strings.Cut(e.Field, ".")
	if c := w.f.Child(childCode); c != nil {
		ci := childIndex(w.f, c)
		sheet := b.sheets[ci]
		if m := childRowRE.FindStringSubmatch(e.Message); m != nil && sheet != "" {
			if n, _ := strconv.Atoi(m[1]); n >= 1 && n <= len(it.kids[ci]) {
				re.Sheet, re.Row = sheet, it.kids[ci][n-1].row
				if isChild {
					re.Column = b.letter(sheet, code)
				}
			}
		}
		return re
	}
	re.Column = b.letter(b.main, e.Field)
	return re
}

func childIndex(f *form.Form, c *form.Child) int {
	for i, x := range f.Children {
		if x == c {
			return i
		}
	}
	return -1
}
