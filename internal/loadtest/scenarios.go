package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
)

// The bench form: a typical business object with two indexed fields. Qty is
// uniform in [0, 100000) and Category one of ten, so the list scenario's
// filter (Category = c AND Qty < x, x uniform in [0, 2000)) matches about
// 0.1% of the objects: ~100 of 100,000, pages of 20.
const (
	categories = 10
	qtyRange   = 100000
	qtyWindow  = 2000
)

// FormDefinition is the bench form, created by Setup when absent. With
// composite, it also declares the index (Category, Qty) that the list
// scenario's filter can be answered from.
func FormDefinition(code string, composite bool) map[string]any {
	opts := make([]string, categories)
	for i := range opts {
		opts[i] = "C" + strconv.Itoa(i)
	}
	def := map[string]any{
		"code": code, "name": "Bench order",
		"fields": []map[string]any{
			{"code": "Title", "type": "text", "required": true},
			{"code": "Amount", "type": "decimal", "scale": 2},
			{"code": "Qty", "type": "number", "indexed": true},
			{"code": "Category", "type": "select", "options": opts, "indexed": true},
			{"code": "Due", "type": "date"},
			{"code": "Done", "type": "bool"},
			{"code": "Note", "type": "textarea"},
		},
	}
	if composite {
		def["indexes"] = [][]string{{"Category", "Qty"}}
	}
	return def
}

// object builds one bench object's JSON.
func object(rng *rand.Rand) string {
	return fmt.Sprintf(`{"Title":"订单 %d","Amount":"%d.%02d","Qty":%d,"Category":"C%d","Due":"2025/%02d/%02d","Done":%t,"Note":"bench"}`,
		rng.IntN(1e9), rng.IntN(100000), rng.IntN(100), rng.IntN(qtyRange), rng.IntN(categories),
		1+rng.IntN(12), 1+rng.IntN(28), rng.IntN(2) == 0)
}

// Setup creates the bench form when it does not exist and fills it up to
// cfg.Objects objects. It returns up to 20,000 object ids for the load
// scenario.
func (c *Client) Setup(ctx context.Context) ([]string, error) {
	status, body, err := c.rest(ctx, "GET", "/api/v1/forms/"+c.cfg.Form, nil)
	if err != nil {
		return nil, err
	}
	if status == 404 {
		if status, body, err = c.rest(ctx, "POST", "/api/v1/forms", FormDefinition(c.cfg.Form, c.cfg.Composite)); err != nil {
			return nil, err
		}
		if status != 201 {
			return nil, fmt.Errorf("create bench form: HTTP %d: %s", status, truncate(body))
		}
	} else if status != 200 {
		return nil, fmt.Errorf("get bench form: HTTP %d: %s", status, truncate(body))
	}
	have, err := c.count(ctx)
	if err != nil {
		return nil, err
	}
	if err := c.fill(ctx, c.cfg.Objects-have); err != nil {
		return nil, err
	}
	return c.sampleIDs(ctx, 20000)
}

func (c *Client) count(ctx context.Context) (int, error) {
	rd, err := c.Invoke(ctx, []byte(`{"ActionName":"LoadBizObjects","SchemaCode":`+quote(c.cfg.Form)+`,"Filter":"{\"FromRowNum\":0,\"ToRowNum\":1,\"RequireCount\":true}"}`))
	if err != nil {
		return 0, fmt.Errorf("count bench objects: %w", err)
	}
	var out struct{ TotalCount int }
	err = json.Unmarshal(rd, &out)
	return out.TotalCount, err
}

// fill creates n objects in batches of 500 from 4 workers.
func (c *Client) fill(ctx context.Context, n int) error {
	if n <= 0 {
		return nil
	}
	batches := make(chan int)
	errc := make(chan error, 4)
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			for size := range batches {
				items := make([]string, size)
				for i := range items {
					items[i] = object(rng)
				}
				body := `{"ActionName":"CreateBizObjects","SchemaCode":` + quote(c.cfg.Form) + `,"IsSubmit":true,"BizObjectArray":[` + strings.Join(items, ",") + `]}`
				if _, err := c.Invoke(ctx, []byte(body)); err != nil {
					errc <- fmt.Errorf("seed bench objects: %w", err)
					return
				}
			}
		}()
	}
	go func() {
		defer close(batches)
		for left := n; left > 0; left -= 500 {
			select {
			case batches <- min(500, left):
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	close(errc)
	return <-errc
}

func (c *Client) sampleIDs(ctx context.Context, max int) ([]string, error) {
	var ids []string
	for from := 0; len(ids) < max; from += 500 {
		f := fmt.Sprintf(`{"FromRowNum":%d,"ToRowNum":%d,"ReturnItems":["ObjectId"]}`, from, from+500)
		rd, err := c.Invoke(ctx, []byte(`{"ActionName":"LoadBizObjects","SchemaCode":`+quote(c.cfg.Form)+`,"Filter":`+quote(f)+`}`))
		if err != nil {
			return nil, fmt.Errorf("list bench ids: %w", err)
		}
		var out struct{ BizObjectArray []struct{ ObjectId string } }
		if err := json.Unmarshal(rd, &out); err != nil {
			return nil, err
		}
		for _, o := range out.BizObjectArray {
			ids = append(ids, o.ObjectId)
		}
		if len(out.BizObjectArray) < 500 {
			break
		}
	}
	if len(ids) == 0 {
		return nil, fmt.Errorf("the bench form %s has no objects", c.cfg.Form)
	}
	return ids, nil
}

// Create is the CreateBizObject scenario (submitted objects).
func (c *Client) Create(ctx context.Context, rng *rand.Rand) error {
	body := `{"ActionName":"CreateBizObject","SchemaCode":` + quote(c.cfg.Form) + `,"IsSubmit":true,"BizObject":` + quote(object(rng)) + `}`
	_, err := c.Invoke(ctx, []byte(body))
	return err
}

// Load returns the LoadBizObject scenario over ids.
func (c *Client) Load(ids []string) func(context.Context, *rand.Rand) error {
	prefix := `{"ActionName":"LoadBizObject","SchemaCode":` + quote(c.cfg.Form) + `,"BizObjectId":`
	return func(ctx context.Context, rng *rand.Rand) error {
		_, err := c.Invoke(ctx, []byte(prefix+quote(ids[rng.IntN(len(ids))])+`}`))
		return err
	}
}

// List is the LoadBizObjects scenario: two conditions on indexed fields,
// 20 per page, with RequireCount.
func (c *Client) List(ctx context.Context, rng *rand.Rand) error {
	f := fmt.Sprintf(`{"FromRowNum":0,"ToRowNum":20,"RequireCount":true,"SortByCollection":[],"Matcher":{"Type":"And","Matchers":[`+
		`{"Type":"Item","Name":"Category","Operator":2,"Value":"C%d"},{"Type":"Item","Name":"Qty","Operator":4,"Value":%d}]}}`,
		rng.IntN(categories), rng.IntN(qtyWindow))
	_, err := c.Invoke(ctx, []byte(`{"ActionName":"LoadBizObjects","SchemaCode":`+quote(c.cfg.Form)+`,"Filter":`+quote(f)+`}`))
	return err
}
