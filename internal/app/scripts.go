package app

import (
	"context"
	"os"
	"sync"
	"time"

	"github.com/tritiumhq/tritium/internal/hook"
	"github.com/tritiumhq/tritium/internal/script"
	"github.com/tritiumhq/tritium/internal/secret"
)

// initScripts wires the script runtime to its hooks: record writes,
// workflow steps, custom APIs; $db, $env and $proxy.
func (a *App) initScripts(ctx context.Context) error {
	store, err := hook.NewStore(ctx, a.DB)
	if err != nil {
		return err
	}
	a.Env = hook.NewEnv(a.DB, a.secrets)
	eng := script.NewEngine(script.Config{Proxy: a.Connectors, DB: hook.NewDB(a.Records, a.subjectOf), Env: a.Env, Logger: a.log})
	a.Scripts = hook.NewRunner(hook.Config{DB: a.DB, Store: store, Engine: eng, Records: a.Records, Jobs: a.Jobs, Users: newUserNames(a), Logger: a.log})
	a.Records.SetHooks(a.Scripts)
	a.Connectors.SetScriptAuth(a.Scripts.SignRequest)
	a.Workflow.SetScripts(a.Scripts.Flow())
	return nil
}

// loadSecrets returns the box that seals secrets at rest: the configured
// key, TRITIUM_SECRET_KEY, or (SQLite) the data directory's generated key.
func (a *App) loadSecrets() (*secret.Box, error) {
	key := a.cfg.SecretKey
	if key == "" {
		key = os.Getenv(secret.EnvKey)
	}
	return secret.Load(key, a.cfg.DataDir, a.cfg.DB != "")
}

// userNames names $user from a cache: a hook runs on every write, and a
// query per run for a display name would cost more than the script. A
// renamed user shows the new name within a minute.
type userNames struct {
	a     *App
	mu    *sync.Mutex
	cache map[string]cachedName
}

type cachedName struct {
	name string
	read time.Time
}

func newUserNames(a *App) userNames {
	return userNames{a: a, mu: &sync.Mutex{}, cache: map[string]cachedName{}}
}

func (u userNames) UserName(ctx context.Context, id string) string {
	u.mu.Lock()
	c, ok := u.cache[id]
	u.mu.Unlock()
	if ok && time.Since(c.read) < time.Minute {
		return c.name
	}
	name := ""
	if usr, err := u.a.Org.GetUser(ctx, id); err == nil {
		name = usr.Name
	}
	u.mu.Lock()
	if len(u.cache) > 10000 {
		clear(u.cache)
	}
	u.cache[id] = cachedName{name, time.Now()}
	u.mu.Unlock()
	return name
}
