package app

import (
	"context"
	"os"

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
	eng := script.NewEngine(script.Config{Proxy: a.Connectors, DB: hook.NewDB(a.Records), Env: a.Env, Logger: a.log})
	a.Scripts = hook.NewRunner(hook.Config{DB: a.DB, Store: store, Engine: eng, Records: a.Records, Jobs: a.Jobs, Users: userNames{a}, Logger: a.log})
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

// userNames names $user.
type userNames struct{ a *App }

func (u userNames) UserName(ctx context.Context, id string) string {
	if usr, err := u.a.Org.GetUser(ctx, id); err == nil {
		return usr.Name
	}
	return ""
}
