package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/tritiumhq/tritium/internal/script"
)

// manifestFile lists a scripts folder's scripts; each one's source is in
// <scope>/<target>/<name>.<lang> beside it.
const manifestFile = "tritium-scripts.json"

type manifestEntry struct {
	Scope     string `json:"scope"`
	Target    string `json:"target"`
	Name      string `json:"name"`
	Lang      string `json:"lang"`
	File      string `json:"file"`
	TimeoutMS int    `json:"timeoutMs"`
	Enabled   bool   `json:"enabled"`
}

type manifest struct {
	Scripts []manifestEntry `json:"scripts"`
}

// apiClient calls a Tritium server's REST API with engine credentials.
type apiClient struct {
	base, code, secret string
	http               *http.Client
}

func (c *apiClient) do(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.base, "/")+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("EngineCode", c.code)
	req.Header.Set("EngineSecret", c.secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if resp.StatusCode >= 300 {
		var e struct {
			Error struct{ Message string } `json:"error"`
		}
		if json.Unmarshal(b, &e) == nil && e.Error.Message != "" {
			return fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, e.Error.Message)
		}
		return fmt.Errorf("%s %s: HTTP %d", method, path, resp.StatusCode)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func scriptsCmd(stdout io.Writer) *cobra.Command {
	cmd := &cobra.Command{Use: "scripts", Short: "Work with scripts: the TypeScript declarations, and a folder of scripts kept in git"}
	c := &apiClient{http: &http.Client{Timeout: 60 * time.Second}}
	flags := func(k *cobra.Command) {
		k.Flags().StringVar(&c.base, "url", "http://127.0.0.1:8090", "the server (TRITIUM_URL)")
		k.Flags().StringVar(&c.code, "engine-code", "", "EngineCode (TRITIUM_ENGINE_CODE)")
		k.Flags().StringVar(&c.secret, "engine-secret", "", "EngineSecret (TRITIUM_ENGINE_SECRET)")
	}
	types := &cobra.Command{
		Use:   "types [FILE]",
		Short: "Write tritium.d.ts (every script global, for editors) to FILE, or stdout",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(_ *cobra.Command, args []string) error {
			if len(args) == 0 {
				_, err := io.WriteString(stdout, script.Types())
				return err
			}
			return os.WriteFile(args[0], []byte(script.Types()), 0o644)
		},
	}
	pull := &cobra.Command{
		Use:   "pull DIR",
		Short: "Write the server's scripts to DIR: one .js/.ts file each and " + manifestFile + " (and tritium.d.ts)",
		Args:  cobra.ExactArgs(1),
		RunE:  func(k *cobra.Command, args []string) error { return pullScripts(k.Context(), c, args[0], stdout) },
	}
	push := &cobra.Command{
		Use:   "push DIR",
		Short: "Save the scripts of DIR (as " + manifestFile + " lists them) on the server; unchanged ones are left alone",
		Args:  cobra.ExactArgs(1),
		RunE:  func(k *cobra.Command, args []string) error { return pushScripts(k.Context(), c, args[0], stdout) },
	}
	flags(pull)
	flags(push)
	cmd.AddCommand(types, pull, push)
	return cmd
}

type remoteScript struct {
	Scope     string `json:"scope"`
	Target    string `json:"target"`
	Name      string `json:"name"`
	Lang      string `json:"lang"`
	Source    string `json:"source"`
	TimeoutMS int    `json:"timeoutMs"`
	Enabled   bool   `json:"enabled"`
	Version   int    `json:"version"`
}

func listRemote(ctx context.Context, c *apiClient) ([]remoteScript, error) {
	var page struct {
		Items []remoteScript `json:"items"`
	}
	if err := c.do(ctx, "GET", "/api/v1/scripts", nil, &page); err != nil {
		return nil, err
	}
	return page.Items, nil
}

func pullScripts(ctx context.Context, c *apiClient, dir string, stdout io.Writer) error {
	items, err := listRemote(ctx, c)
	if err != nil {
		return err
	}
	var m manifest
	for _, s := range items {
		file := filepath.ToSlash(filepath.Join(s.Scope, s.Target, s.Name+"."+s.Lang))
		p := filepath.Join(dir, filepath.FromSlash(file))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, []byte(s.Source), 0o644); err != nil {
			return err
		}
		m.Scripts = append(m.Scripts, manifestEntry{Scope: s.Scope, Target: s.Target, Name: s.Name, Lang: s.Lang, File: file, TimeoutMS: s.TimeoutMS, Enabled: s.Enabled})
	}
	sort.Slice(m.Scripts, func(i, j int) bool { return m.Scripts[i].File < m.Scripts[j].File })
	b, _ := json.MarshalIndent(m, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, manifestFile), append(b, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "tritium.d.ts"), []byte(script.Types()), 0o644); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "pulled %d scripts into %s\n", len(m.Scripts), dir)
	return nil
}

func pushScripts(ctx context.Context, c *apiClient, dir string, stdout io.Writer) error {
	raw, err := os.ReadFile(filepath.Join(dir, manifestFile))
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s has no %s (tritium scripts pull writes one)", dir, manifestFile)
	}
	if err != nil {
		return err
	}
	var m manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("%s: %w", manifestFile, err)
	}
	remote, err := listRemote(ctx, c)
	if err != nil {
		return err
	}
	have := map[string]remoteScript{}
	for _, s := range remote {
		have[s.Scope+"/"+s.Target+"/"+s.Name] = s
	}
	saved, same := 0, 0
	for _, e := range m.Scripts {
		if strings.Contains(e.File, "..") || filepath.IsAbs(e.File) {
			return fmt.Errorf("%s: file %q must stay inside %s", manifestFile, e.File, dir)
		}
		src, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(e.File)))
		if err != nil {
			return err
		}
		lang := e.Lang
		if lang == "" {
			lang = strings.TrimPrefix(filepath.Ext(e.File), ".")
		}
		if r, ok := have[e.Scope+"/"+e.Target+"/"+e.Name]; ok && r.Source == string(src) && r.Lang == lang && r.TimeoutMS == e.TimeoutMS && r.Enabled == e.Enabled {
			same++
			continue
		}
		path := "/api/v1/scripts/" + url.PathEscape(e.Scope) + "/" + url.PathEscape(e.Target) + "/" + url.PathEscape(e.Name)
		in := map[string]any{"lang": lang, "source": string(src), "timeoutMs": e.TimeoutMS, "enabled": e.Enabled}
		if err := c.do(ctx, "PUT", path, in, nil); err != nil {
			return fmt.Errorf("%s: %w", e.File, err)
		}
		saved++
	}
	fmt.Fprintf(stdout, "pushed %d scripts (%d unchanged)\n", saved, same)
	return nil
}
