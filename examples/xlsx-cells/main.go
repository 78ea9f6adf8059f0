// Command xlsx-cells prints or edits the cells of an .xlsx workbook, for
// the examples of docs/excel.md (what a person would do in Excel):
//
//	go run ./examples/xlsx-cells FILE                  print every sheet, row by row
//	go run ./examples/xlsx-cells FILE 'Sheet!C3=text' 'Sheet!D3=12.5' 'Sheet!A9='
//
// A value that reads as a number is written as a number cell; an empty
// value clears the cell.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "xlsx-cells:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: xlsx-cells FILE ['Sheet!A1=value' ...]")
	}
	f, err := excelize.OpenFile(args[0])
	if err != nil {
		return err
	}
	defer f.Close()
	if len(args) == 1 {
		return print(f)
	}
	for _, a := range args[1:] {
		ref, val, ok := strings.Cut(a, "=")
		sheet, cell, ok2 := strings.Cut(ref, "!")
		if !ok || !ok2 {
			return fmt.Errorf("%q: want Sheet!Cell=value", a)
		}
		var v any = val
		if n, err := strconv.ParseFloat(val, 64); err == nil {
			v = n
		}
		if val == "" {
			v = nil
		}
		if err := f.SetCellValue(sheet, cell, v); err != nil {
			return err
		}
	}
	return f.Save()
}

// print writes each sheet's rows, cells separated by " | ".
func print(f *excelize.File) error {
	for _, name := range f.GetSheetList() {
		rows, err := f.GetRows(name)
		if err != nil {
			return err
		}
		fmt.Printf("[%s]\n", name)
		for i, r := range rows {
			fmt.Printf("%d: %s\n", i+1, strings.Join(r, " | "))
		}
	}
	return nil
}
