// Command fakevendor is a small stand-in for the third-party systems that
// docs/integrations.md calls through the integration hub, so that page's
// examples run on a laptop and in the docs test. It is not a real vendor:
// it exists for the docs and demos. Its answers are deterministic (fixed
// customers, a fixed token, message ids counted from 1).
//
// It speaks two APIs on one address:
//
//   - a CRM: GET /customers/{id}[?fields=name,phone] and POST /customers,
//     both requiring the header X-Api-Key (-key, default demo-key), else 401;
//     answers are {"errcode":0,"errmsg":"ok","data":{…}};
//   - WeCom's wire format: GET /cgi-bin/gettoken?corpid=…&corpsecret=… and
//     POST /cgi-bin/message/send?access_token=… (errcode 40014 for a wrong
//     token). POST /fake/expire-token makes the current token invalid, as
//     WeCom may do early.
//
// Usage: go run ./examples/fakevendor -addr 127.0.0.1:18181 (port 0: it
// picks one). It prints the address it listens on, then one line per request.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
)

type vendor struct {
	key, corpID, corpSecret string

	mu      sync.Mutex
	token   int // the current access token is fmt.Sprintf("fake-token-%d", token)
	msgs    int // messages sent
	created int // customers created
	made    map[string]map[string]any
}

var customers = map[string]map[string]any{
	"12345": {"id": "12345", "name": "张三", "phone": "13800000000", "email": "zhangsan@example.com", "address": "上海市浦东新区世纪大道 100 号"},
	"23456": {"id": "23456", "name": "李四", "phone": "13900000000", "email": "lisi@example.com", "address": "北京市朝阳区建国路 1 号"},
}

func main() {
	addr := flag.String("addr", "127.0.0.1:18181", "address to listen on (port 0: any free port)")
	v := &vendor{token: 1, made: map[string]map[string]any{}}
	flag.StringVar(&v.key, "key", "demo-key", "the CRM's API key (header X-Api-Key)")
	flag.StringVar(&v.corpID, "corpid", "ww-demo", "the WeCom corpid gettoken accepts")
	flag.StringVar(&v.corpSecret, "corpsecret", "demo-corpsecret", "the WeCom corpsecret gettoken accepts")
	flag.Parse()

	mux := http.NewServeMux()
	mux.HandleFunc("GET /customers/{id}", v.crm(v.getCustomer))
	mux.HandleFunc("POST /customers", v.crm(v.createCustomer))
	mux.HandleFunc("GET /cgi-bin/gettoken", v.getToken)
	mux.HandleFunc("POST /cgi-bin/message/send", v.sendMessage)
	mux.HandleFunc("POST /fake/expire-token", func(w http.ResponseWriter, r *http.Request) {
		v.mu.Lock()
		v.token++
		v.mu.Unlock()
		reply(w, 200, map[string]any{"errcode": 0, "errmsg": "ok"})
	})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("fakevendor listening on http://%s\n", ln.Addr())
	logged := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(os.Stdout, "%s %s\n", r.Method, r.URL.RequestURI())
		mux.ServeHTTP(w, r)
	})
	log.Fatal(http.Serve(ln, logged))
}

// crm checks the API key before h runs.
func (v *vendor) crm(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Api-Key") != v.key {
			reply(w, http.StatusUnauthorized, map[string]any{"errcode": 401, "errmsg": "invalid api key"})
			return
		}
		h(w, r)
	}
}

func (v *vendor) getCustomer(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	v.mu.Lock()
	c, ok := customers[id]
	if !ok {
		c, ok = v.made[id]
	}
	v.mu.Unlock()
	if !ok {
		reply(w, http.StatusOK, map[string]any{"errcode": 40400, "errmsg": "customer " + id + " not found"})
		return
	}
	data := c
	if f := r.URL.Query().Get("fields"); f != "" {
		data = map[string]any{"id": c["id"]}
		for _, name := range strings.Split(f, ",") {
			if val, ok := c[strings.TrimSpace(name)]; ok {
				data[strings.TrimSpace(name)] = val
			}
		}
	}
	reply(w, http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok", "data": data})
}

func (v *vendor) createCustomer(w http.ResponseWriter, r *http.Request) {
	var in map[string]any
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		reply(w, http.StatusBadRequest, map[string]any{"errcode": 40000, "errmsg": "invalid JSON: " + err.Error()})
		return
	}
	if name, _ := in["name"].(string); name == "" {
		reply(w, http.StatusOK, map[string]any{"errcode": 40001, "errmsg": "name is required"})
		return
	}
	v.mu.Lock()
	v.created++
	id := fmt.Sprintf("C%04d", v.created)
	v.made[id] = map[string]any{"id": id, "name": in["name"]}
	v.mu.Unlock()
	reply(w, http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok", "data": map[string]any{"id": id, "received": in}})
}

func (v *vendor) getToken(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("corpid") != v.corpID {
		reply(w, http.StatusOK, map[string]any{"errcode": 40013, "errmsg": "invalid corpid"})
		return
	}
	if q.Get("corpsecret") != v.corpSecret {
		reply(w, http.StatusOK, map[string]any{"errcode": 40001, "errmsg": "invalid credential"})
		return
	}
	v.mu.Lock()
	tok := fmt.Sprintf("fake-token-%d", v.token)
	v.mu.Unlock()
	reply(w, http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok", "access_token": tok, "expires_in": 7200})
}

func (v *vendor) sendMessage(w http.ResponseWriter, r *http.Request) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if r.URL.Query().Get("access_token") != fmt.Sprintf("fake-token-%d", v.token) {
		reply(w, http.StatusOK, map[string]any{"errcode": 40014, "errmsg": "invalid access_token"})
		return
	}
	var in struct {
		ToUser  string `json:"touser"`
		MsgType string `json:"msgtype"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.ToUser == "" || in.MsgType == "" {
		reply(w, http.StatusOK, map[string]any{"errcode": 40008, "errmsg": "invalid message: touser and msgtype are required"})
		return
	}
	v.msgs++
	reply(w, http.StatusOK, map[string]any{"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": fmt.Sprintf("msgid-%06d", v.msgs)})
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
