package sheet

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/tritiumhq/tritium/internal/access"
	"github.com/tritiumhq/tritium/internal/filter"
	"github.com/tritiumhq/tritium/internal/form"
	"github.com/tritiumhq/tritium/internal/record"
)

// exportPage is how many records export reads at a time.
const exportPage = record.MaxPage

// Workbook is an export or template ready to be written: the rows sit in
// the stream writers' temporary files, so an error while reading records
// is answered before a byte of the download goes out.
type Workbook struct {
	file *excelize.File
	// FormName and FormCode name the download.
	FormName, FormCode string
}

// WriteTo writes the .xlsx and releases its temporary files.
func (wb *Workbook) WriteTo(w io.Writer) (int64, error) {
	defer wb.Close()
	return wb.file.WriteTo(w)
}

// Close releases the workbook's temporary files.
func (wb *Workbook) Close() error { return wb.file.Close() }

// Export writes the records q selects, as List would return them to
// q.Subject (the same records and fields), held to their export grants
// too, to a workbook. q.Offset and
// q.Limit are ignored: export takes every match, page by page.
func (s *Service) Export(ctx context.Context, formCode string, q record.Query) (*Workbook, error) {
	f, err := s.records.Forms().Lookup(ctx, formCode)
	if err != nil {
		return nil, err
	}
	file := excelize.NewFile(excelize.Options{})
	wb := &Workbook{file: file, FormName: f.Name, FormCode: f.Code}
	ex := &exporter{s: s, file: file, loc: s.records.Codec().Loc}
	if ex.st, err = newStyles(file); err != nil {
		file.Close()
		return nil, err
	}
	q.Offset, q.Limit, q.Count, q.Action = 0, exportPage, false, access.Export
	err = s.records.Walk(ctx, formCode, q, func(p *record.Page) error {
		if ex.sheets == nil {
			if err := ex.start(layouts(f, p.Projection)); err != nil {
				return err
			}
		}
		return ex.page(p)
	})
	if err == nil {
		err = ex.flush()
	}
	if err != nil {
		file.Close()
		return nil, err
	}
	return wb, nil
}

// exporter streams one workbook.
type exporter struct {
	s      *Service
	file   *excelize.File
	st     *styles
	loc    *time.Location
	sheets []*layout
	sw     []*excelize.StreamWriter
	next   []int // the next row of each sheet
}

// start creates the sheets with their header and code rows.
func (ex *exporter) start(ls []*layout) error {
	ex.sheets = ls
	for i, l := range ls {
		if i == 0 {
			if err := ex.file.SetSheetName("Sheet1", l.name); err != nil {
				return fmt.Errorf("name sheet: %w", err)
			}
		} else if _, err := ex.file.NewSheet(l.name); err != nil {
			return fmt.Errorf("add sheet: %w", err)
		}
		sw, err := ex.file.NewStreamWriter(l.name)
		if err != nil {
			return fmt.Errorf("stream sheet: %w", err)
		}
		if err := writeHeader(sw, l, ex.st); err != nil {
			return err
		}
		ex.sw = append(ex.sw, sw)
		ex.next = append(ex.next, firstDataRow)
	}
	return nil
}

// writeHeader writes a sheet's header row and its hidden code row, and
// freezes them.
func writeHeader(sw *excelize.StreamWriter, l *layout, st *styles) error {
	names := make([]any, len(l.cols))
	codes := make([]any, len(l.cols))
	for i, c := range l.cols {
		names[i] = excelize.Cell{StyleID: st.header, Value: c.name}
		codes[i] = l.codeOf(c)
	}
	if err := sw.SetColWidth(1, len(l.cols), 18); err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	if err := sw.SetRow("A1", names); err != nil {
		return err
	}
	return sw.SetRow("A2", codes, excelize.RowOpts{Hidden: true})
}

// page writes one page of records and their child rows.
func (ex *exporter) page(p *record.Page) error {
	main := ex.sheets[0]
	vals := make([]any, len(main.cols))
	for _, o := range p.Objects {
		for i, c := range main.cols {
			switch {
			case c.code == RowKey:
				vals[i] = nil
			case c.fd.System():
				vals[i] = ex.st.sysCell(ex.loc, o, c.code)
			default:
				vals[i] = ex.st.cell(ex.loc, c.fd, o.Values[c.fd.Pos()])
			}
		}
		if err := ex.row(0, vals); err != nil {
			return err
		}
		for si, l := range ex.sheets[1:] {
			if err := ex.childRows(si+1, l, o); err != nil {
				return err
			}
		}
	}
	return nil
}

func (ex *exporter) childRows(si int, l *layout, o *record.Object) error {
	vals := make([]any, len(l.cols))
	for _, r := range o.Children[l.index] {
		vals[0], vals[1] = o.ID, r.ID
		for i, c := range l.cols[2:] {
			vals[i+2] = ex.st.cell(ex.loc, c.fd, r.Values[c.fd.Pos()])
		}
		if err := ex.row(si, vals); err != nil {
			return err
		}
	}
	return nil
}

func (ex *exporter) row(si int, vals []any) error {
	cell, err := excelize.CoordinatesToCellName(1, ex.next[si])
	if err != nil {
		return err
	}
	ex.next[si]++
	return ex.sw[si].SetRow(cell, vals)
}

func (ex *exporter) flush() error {
	for _, sw := range ex.sw {
		if err := sw.Flush(); err != nil {
			return fmt.Errorf("flush sheet: %w", err)
		}
	}
	return nil
}

// Template is an empty workbook with the import layout for subject (nil:
// every field): the header, a note on each required field's header and,
// for selects with few enough options, a drop-down list.
func (s *Service) Template(ctx context.Context, subject *access.Subject, formCode string) (*Workbook, error) {
	f, err := s.records.Forms().Lookup(ctx, formCode)
	if err != nil {
		return nil, err
	}
	// The projection of a walk that matches nothing: the columns an
	// export shows subject.
	var p *record.Projection
	none := &filter.Cond{Field: form.SysObjectID, Op: filter.IsNull}
	if err := s.records.Walk(ctx, formCode, record.Query{Filter: none, Limit: 1, Subject: subject}, func(pg *record.Page) error {
		p = pg.Projection
		return nil
	}); err != nil {
		return nil, err
	}
	// No stream writer: excelize drops data validations added to a
	// streamed sheet, and a template is two rows.
	file := excelize.NewFile(excelize.Options{})
	ls := layouts(f, p)
	st, err := newStyles(file)
	for i := 0; err == nil && i < len(ls); i++ {
		err = plainHeader(file, i, ls[i], st)
	}
	if err == nil {
		err = annotate(file, ls)
	}
	if err != nil {
		file.Close()
		return nil, err
	}
	return &Workbook{file: file, FormName: f.Name, FormCode: f.Code}, nil
}

// annotate adds the template's notes and drop-down lists.
func annotate(file *excelize.File, ls []*layout) error {
	for _, l := range ls {
		for i, c := range l.cols {
			if c.fd == nil || c.fd.System() {
				continue
			}
			col, err := excelize.ColumnNumberToName(i + 1)
			if err != nil {
				return err
			}
			if c.fd.Required {
				if err := file.AddComment(l.name, excelize.Comment{Cell: col + "1", Author: "Tritium",
					Paragraph: []excelize.RichTextRun{{Text: "必填 (required)"}}}); err != nil {
					return fmt.Errorf("add note: %w", err)
				}
			}
			if len(c.fd.Options) == 0 || c.fd.Multi() || len(strings.Join(c.fd.Options, ",")) > 250 {
				continue
			}
			dv := excelize.NewDataValidation(true)
			dv.Sqref = col + "3:" + col + "1048576"
			if err := dv.SetDropList(c.fd.Options); err != nil {
				continue // an option Excel cannot list (a comma, a quote)
			}
			if err := file.AddDataValidation(l.name, dv); err != nil {
				return fmt.Errorf("add list: %w", err)
			}
		}
	}
	return nil
}

// plainHeader is writeHeader without a stream writer, on sheet i.
func plainHeader(file *excelize.File, i int, l *layout, st *styles) error {
	if i == 0 {
		if err := file.SetSheetName("Sheet1", l.name); err != nil {
			return fmt.Errorf("name sheet: %w", err)
		}
	} else if _, err := file.NewSheet(l.name); err != nil {
		return fmt.Errorf("add sheet: %w", err)
	}
	names := make([]any, len(l.cols))
	codes := make([]any, len(l.cols))
	for j, c := range l.cols {
		names[j], codes[j] = c.name, l.codeOf(c)
	}
	last, err := excelize.ColumnNumberToName(len(l.cols))
	if err != nil {
		return err
	}
	for _, step := range []func() error{
		func() error { return file.SetSheetRow(l.name, "A1", &names) },
		func() error { return file.SetSheetRow(l.name, "A2", &codes) },
		func() error { return file.SetRowVisible(l.name, 2, false) },
		func() error { return file.SetCellStyle(l.name, "A1", last+"1", st.header) },
		func() error { return file.SetColWidth(l.name, "A", last, 18) },
		func() error {
			return file.SetPanes(l.name, &excelize.Panes{Freeze: true, YSplit: 2, TopLeftCell: "A3", ActivePane: "bottomLeft"})
		},
	} {
		if err := step(); err != nil {
			return fmt.Errorf("template header: %w", err)
		}
	}
	return nil
}
