// Command h3yun-client shows how an integration written for H3Yun talks to
// Tritium: every business-object call goes through POST /OpenApi/Invoke in
// H3Yun's wire format (an envelope with Successful/ErrorMessage/ReturnData,
// BizObject and Filter sent as JSON strings). Only the demo form is created
// through REST v1, because H3Yun has no API for defining forms.
//
// Usage (against a running `tritium serve`):
//
//	TRITIUM_URL=http://127.0.0.1:8090 \
//	TRITIUM_ENGINE_CODE=… TRITIUM_ENGINE_SECRET=… \
//	go run ./examples/h3yun-client
//
// It creates the form D000001Demo (with the child table D000001DemoLines)
// when absent, then creates, loads, updates, lists and removes one object,
// printing each result. It exits with status 1 on the first failure.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"
)

const (
	formCode  = "D000001Demo"
	childCode = "D000001DemoLines"
)

// demoForm is the form definition sent to POST /api/v1/forms.
var demoForm = map[string]any{
	"code": formCode,
	"name": "演示合同",
	"fields": []map[string]any{
		{"code": "F0000001", "name": "合同名称", "type": "text", "required": true},
		{"code": "F0000002", "name": "金额", "type": "decimal", "scale": 2},
		{"code": "F0000003", "name": "签订日期", "type": "date"},
		{"code": "F0000004", "name": "数量", "type": "number", "indexed": true},
		{"code": "F0000005", "name": "类型", "type": "select", "options": []string{"采购", "销售"}},
	},
	"children": []map[string]any{
		{"code": childCode, "name": "合同行", "fields": []map[string]any{
			{"code": "F0000011", "name": "物料", "type": "text"},
			{"code": "F0000012", "name": "单价", "type": "decimal", "scale": 4},
		}},
	},
}

// client calls one Tritium server.
type client struct {
	base, code, secret string
	http               *http.Client
}

// envelope is the body of every /OpenApi/Invoke response.
type envelope struct {
	Successful   bool            `json:"Successful"`
	ErrorMessage *string         `json:"ErrorMessage"`
	ReturnData   json.RawMessage `json:"ReturnData"`
}

// do sends one request with the engine credential headers and returns the
// status and body.
func (c *client) do(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	req.Header.Set("EngineCode", c.code)
	req.Header.Set("EngineSecret", c.secret)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return resp.StatusCode, out, err
}

// invoke calls /OpenApi/Invoke and decodes ReturnData into out. Application
// errors arrive as HTTP 200 with Successful:false; ErrorMessage says why.
func (c *client) invoke(ctx context.Context, req map[string]any, out any) error {
	status, body, err := c.do(ctx, "POST", "/OpenApi/Invoke", req)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("%v: HTTP %d: %s", req["ActionName"], status, body)
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("%v: decode envelope: %w", req["ActionName"], err)
	}
	if !env.Successful {
		msg := "(no message)"
		if env.ErrorMessage != nil {
			msg = *env.ErrorMessage
		}
		return fmt.Errorf("%v failed: %s", req["ActionName"], msg)
	}
	if out == nil {
		return nil
	}
	// UseNumber keeps decimals exact: 1234.50 stays "1234.50".
	dec := json.NewDecoder(bytes.NewReader(env.ReturnData))
	dec.UseNumber()
	return dec.Decode(out)
}

// jsonString encodes v as JSON text: H3Yun sends BizObject and Filter as
// strings holding JSON.
func jsonString(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// ensureForm creates the demo form through REST v1 unless it exists.
func (c *client) ensureForm(ctx context.Context) error {
	status, body, err := c.do(ctx, "GET", "/api/v1/forms/"+formCode, nil)
	if err != nil {
		return err
	}
	switch status {
	case http.StatusOK:
		fmt.Printf("form %s exists\n", formCode)
		return nil
	case http.StatusNotFound:
	default:
		return fmt.Errorf("get form %s: HTTP %d: %s", formCode, status, body)
	}
	status, body, err = c.do(ctx, "POST", "/api/v1/forms", demoForm)
	if err != nil {
		return err
	}
	if status != http.StatusCreated {
		return fmt.Errorf("create form %s: HTTP %d: %s", formCode, status, body)
	}
	fmt.Printf("form %s created\n", formCode)
	return nil
}

type bizObject map[string]any

func run(ctx context.Context, c *client) error {
	if err := c.ensureForm(ctx); err != nil {
		return err
	}
	// A title unique to this run, so the list below finds exactly one object.
	title := fmt.Sprintf("demo %d", time.Now().UnixNano())

	// CreateBizObject: BizObject is a JSON string; IsSubmit true makes the
	// object Effective (Status 1) and checks required fields.
	var created struct {
		BizObjectID        string `json:"BizObjectId"`
		WorkflowInstanceID string `json:"WorkflowInstanceId"`
	}
	err := c.invoke(ctx, map[string]any{
		"ActionName": "CreateBizObject",
		"SchemaCode": formCode,
		"IsSubmit":   true,
		"BizObject": jsonString(bizObject{
			"F0000001": title,
			"F0000002": "1234.5", // decimals may be sent as strings or numbers
			"F0000003": "2025/02/17",
			"F0000004": 12,
			"F0000005": "采购",
			childCode: []bizObject{
				{"F0000011": "螺纹钢", "F0000012": "3.1415"},
				{"F0000011": "水泥", "F0000012": 2},
			},
		}),
	}, &created)
	if err != nil {
		return err
	}
	id := created.BizObjectID
	fmt.Printf("CreateBizObject: BizObjectId=%s\n", id)

	// LoadBizObject: one object with its child rows.
	load := func() (bizObject, error) {
		var out struct{ BizObject bizObject }
		err := c.invoke(ctx, map[string]any{"ActionName": "LoadBizObject", "SchemaCode": formCode, "BizObjectId": id}, &out)
		return out.BizObject, err
	}
	bo, err := load()
	if err != nil {
		return err
	}
	rows, _ := bo[childCode].([]any)
	fmt.Printf("LoadBizObject: Name=%v Status=%v SeqNo=%v F0000002=%v F0000003=%v F0000004=%v rows=%d\n",
		bo["Name"], bo["Status"], bo["SeqNo"], bo["F0000002"], bo["F0000003"], bo["F0000004"], len(rows))
	if fmt.Sprint(bo["F0000002"]) != "1234.50" || fmt.Sprint(bo["Status"]) != "1" || len(rows) != 2 {
		return fmt.Errorf("LoadBizObject: unexpected object %v", bo)
	}
	firstRow, _ := rows[0].(map[string]any)

	// UpdateBizObject: only the fields sent change. A child table sent
	// replaces the rows: a row that carries its ObjectId is updated in
	// place, a row without one is added, rows not sent are removed.
	err = c.invoke(ctx, map[string]any{
		"ActionName":  "UpdateBizObject",
		"SchemaCode":  formCode,
		"BizObjectId": id,
		"BizObject": jsonString(bizObject{
			"F0000004": 42,
			childCode: []bizObject{
				{"ObjectId": firstRow["ObjectId"], "F0000012": "3.2"},
				{"F0000011": "砂石", "F0000012": "0.75"},
			},
		}),
	}, nil)
	if err != nil {
		return err
	}
	if bo, err = load(); err != nil {
		return err
	}
	rows, _ = bo[childCode].([]any)
	fmt.Printf("UpdateBizObject: F0000004=%v rows=%v\n", bo["F0000004"], rows)
	if fmt.Sprint(bo["F0000004"]) != "42" || len(rows) != 2 || rows[0].(map[string]any)["ObjectId"] != firstRow["ObjectId"] {
		return fmt.Errorf("UpdateBizObject: unexpected object %v", bo)
	}

	// LoadBizObjects: a Matcher (title contains this run's tag AND
	// F0000004 >= 40), the first 10 rows, the full count, three fields.
	filter := map[string]any{
		"FromRowNum":       0,
		"ToRowNum":         10,
		"RequireCount":     true,
		"ReturnItems":      []string{"F0000001", "F0000004", "SeqNo"},
		"SortByCollection": []map[string]any{{"ItemName": "CreatedTime", "Direction": "Descending"}},
		"Matcher": map[string]any{"Type": "And", "Matchers": []map[string]any{
			{"Type": "Item", "Name": "F0000001", "Operator": 8, "Value": title},
			{"Type": "Item", "Name": "F0000004", "Operator": 1, "Value": 40},
		}},
	}
	var list struct {
		BizObjectArray []bizObject
		TotalCount     json.Number
	}
	err = c.invoke(ctx, map[string]any{"ActionName": "LoadBizObjects", "SchemaCode": formCode, "Filter": jsonString(filter)}, &list)
	if err != nil {
		return err
	}
	fmt.Printf("LoadBizObjects: TotalCount=%s objects=%v\n", list.TotalCount, list.BizObjectArray)
	if list.TotalCount != "1" || len(list.BizObjectArray) != 1 || list.BizObjectArray[0]["ObjectId"] != id {
		return fmt.Errorf("LoadBizObjects: expected exactly object %s", id)
	}

	// RemoveBizObject: the object and its child rows are deleted.
	if err := c.invoke(ctx, map[string]any{"ActionName": "RemoveBizObject", "SchemaCode": formCode, "BizObjectId": id}, nil); err != nil {
		return err
	}
	fmt.Printf("RemoveBizObject: %s removed\n", id)
	if _, err := load(); err == nil || !strings.Contains(err.Error(), "业务对象不存在") {
		return fmt.Errorf("LoadBizObject after remove: want 业务对象不存在, got %v", err)
	}
	fmt.Println("LoadBizObject after remove: 业务对象不存在 (as expected)")
	return nil
}

func main() {
	base := strings.TrimRight(os.Getenv("TRITIUM_URL"), "/")
	if base == "" {
		base = "http://127.0.0.1:8090"
	}
	c := &client{
		base:   base,
		code:   os.Getenv("TRITIUM_ENGINE_CODE"),
		secret: os.Getenv("TRITIUM_ENGINE_SECRET"),
		http:   &http.Client{Timeout: 60 * time.Second},
	}
	if c.code == "" || c.secret == "" {
		fmt.Fprintln(os.Stderr, "set TRITIUM_ENGINE_CODE and TRITIUM_ENGINE_SECRET (printed by `tritium serve` on its first start)")
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := run(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "h3yun-client:", err)
		os.Exit(1)
	}
}
