package hook

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/secret"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

// EnvVar is one $env value as the API shows it: a secret's value is never
// shown after it is set.
type EnvVar struct {
	Name         string    `json:"name"`
	Value        string    `json:"value,omitempty"`
	Secret       bool      `json:"secret"`
	ModifiedBy   string    `json:"modifiedBy,omitempty"`
	ModifiedTime time.Time `json:"modifiedTime"`
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

// Env is the script environment: admin-set values scripts read through
// $env; secrets are sealed at rest and write-only.
type Env struct {
	db  *sqldb.DB
	box *secret.Box
	mu  sync.Mutex
	// cache holds decrypted values for a second, so a hook reading $env on
	// every save does not read the database every time.
	cache map[string]envCached
}

type envCached struct {
	v    string
	ok   bool
	read time.Time
}

// NewEnv returns the environment store.
func NewEnv(db *sqldb.DB, box *secret.Box) *Env {
	return &Env{db: db, box: box, cache: map[string]envCached{}}
}

// Put sets name.
func (e *Env) Put(ctx context.Context, by string, v EnvVar) (EnvVar, error) {
	if !envName.MatchString(v.Name) {
		return EnvVar{}, apperr.Field("name", "变量名无效: %q (a name is letters, digits and _, not starting with a digit)", v.Name)
	}
	stored := v.Value
	if v.Secret {
		var err error
		if stored, err = e.box.Seal(v.Value); err != nil {
			return EnvVar{}, err
		}
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	err := e.db.Write(ctx, func(tx *sqldb.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM script_env WHERE name = ?", v.Name); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "INSERT INTO script_env (name, value, secret, modified_by, modified_time) VALUES (?, ?, ?, ?, ?)",
			v.Name, stored, boolInt(v.Secret), by, tx.Dialect().TimeValue(now))
		return err
	})
	if err != nil {
		return EnvVar{}, fmt.Errorf("set env %s: %w", v.Name, err)
	}
	e.mu.Lock()
	delete(e.cache, v.Name)
	e.mu.Unlock()
	v.ModifiedBy, v.ModifiedTime = by, now
	if v.Secret {
		v.Value = ""
	}
	return v, nil
}

// Delete removes name.
func (e *Env) Delete(ctx context.Context, name string) error {
	err := e.db.Write(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, "DELETE FROM script_env WHERE name = ?", name)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.New(apperr.NotFound, "没有这个变量: %s (no such env value)", name)
		}
		return nil
	})
	e.mu.Lock()
	delete(e.cache, name)
	e.mu.Unlock()
	return err
}

// List shows every value; secrets without theirs.
func (e *Env) List(ctx context.Context) ([]EnvVar, error) {
	rows, err := e.db.Reader().Query(ctx, "SELECT name, value, secret, COALESCE(modified_by, ''), modified_time FROM script_env ORDER BY name")
	if err != nil {
		return nil, fmt.Errorf("list env: %w", err)
	}
	defer rows.Close()
	out := []EnvVar{}
	for rows.Next() {
		var v EnvVar
		var sec int
		var t any
		if err := rows.Scan(&v.Name, &v.Value, &sec, &v.ModifiedBy, &t); err != nil {
			return nil, err
		}
		v.Secret = sec != 0
		if v.Secret {
			v.Value = ""
		}
		if v.ModifiedTime, err = e.db.Dialect().ScanTime(t); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Lookup implements script.Env.
func (e *Env) Lookup(ctx context.Context, name string) (string, bool, error) {
	e.mu.Lock()
	c, hit := e.cache[name]
	e.mu.Unlock()
	if hit && time.Since(c.read) < time.Second {
		return c.v, c.ok, nil
	}
	var v string
	var sec int
	err := e.db.Reader().QueryRow(ctx, "SELECT value, secret FROM script_env WHERE name = ?", name).Scan(&v, &sec)
	ok := err == nil
	if errors.Is(err, sql.ErrNoRows) {
		err = nil
	}
	if err != nil {
		return "", false, fmt.Errorf("read env %s: %w", name, err)
	}
	if ok && sec != 0 {
		if v, err = e.box.Open(v); err != nil {
			return "", false, fmt.Errorf("env %s: %w", name, err)
		}
	}
	e.mu.Lock()
	e.cache[name] = envCached{v, ok, time.Now()}
	e.mu.Unlock()
	return v, ok, nil
}
