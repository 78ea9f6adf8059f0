package connector

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

var zeroTime time.Time

func noInstance(platform, key string) error {
	return apperr.New(apperr.NotFound, "平台 %s 没有实例 %s (no such instance)", platform, key)
}

// ListInstances returns a platform's instances, by key; secrets show only
// their names.
func (s *Service) ListInstances(platform string) ([]Instance, error) {
	p := s.snap.Load().platforms[platform]
	if p == nil {
		return nil, noPlatform(platform)
	}
	out := make([]Instance, 0, len(p.instances))
	for _, k := range slices.Sorted(maps.Keys(p.instances)) {
		out = append(out, *p.instances[k].def)
	}
	return out, nil
}

// instance finds a platform's instance in the current snapshot.
func (s *Service) instance(platform, key string) (*inst, error) {
	p := s.snap.Load().platforms[platform]
	if p == nil {
		return nil, noPlatform(platform)
	}
	in := p.instances[key]
	if in == nil {
		return nil, noInstance(platform, key)
	}
	return in, nil
}

// GetInstance returns one instance; secrets show only their names.
func (s *Service) GetInstance(platform, key string) (*Instance, error) {
	in, err := s.instance(platform, key)
	if err != nil {
		return nil, err
	}
	c := *in.def
	return &c, nil
}

// CreateInstance adds an instance to a platform. The platform's first
// instance is its default whatever Default says.
func (s *Service) CreateInstance(ctx context.Context, platform string, in Instance) (*Instance, error) {
	p := s.snap.Load().platforms[platform]
	if p == nil {
		return nil, noPlatform(platform)
	}
	in.Platform = platform
	if err := validInstance(&in); err != nil {
		return nil, err
	}
	if in.Config == nil {
		in.Config = map[string]any{}
	}
	for k, v := range in.Secrets {
		if v == "" {
			delete(in.Secrets, k)
		}
	}
	err := s.db.Write(ctx, func(tx *sqldb.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM conn_instances WHERE platform_key = ?", platform).Scan(&n); err != nil {
			return err
		}
		def := in.Default || n == 0
		if def {
			if err := clearDefault(ctx, tx, platform); err != nil {
				return err
			}
		}
		err := s.writeInstance(ctx, tx, &in, in.Secrets, def, true)
		if err != nil && tx.Dialect().IsUniqueViolation(err) {
			return apperr.New(apperr.Conflict, "平台 %s 已有实例 %s (instance %s already exists)", platform, in.Key, in.Key)
		}
		if err != nil {
			return err
		}
		return bump(ctx, tx)
	})
	if err != nil {
		return nil, err
	}
	if err := s.Refresh(ctx); err != nil {
		return nil, err
	}
	return s.GetInstance(platform, in.Key)
}

// UpdateInstance changes the fields sent.
func (s *Service) UpdateInstance(ctx context.Context, platform, key string, patch InstancePatch) (*Instance, error) {
	cur, err := s.instance(platform, key)
	if err != nil {
		return nil, err
	}
	in := *cur.def
	secrets := maps.Clone(cur.secrets)
	if patch.Name != nil {
		in.Name = *patch.Name
	}
	if patch.BaseURL != nil {
		in.BaseURL = *patch.BaseURL
	}
	if patch.Config != nil {
		in.Config = patch.Config
	}
	if patch.Network != nil {
		in.Network = *patch.Network
	}
	for k, v := range patch.Secrets {
		if v == "" {
			delete(secrets, k)
		} else {
			secrets[k] = v
		}
	}
	if err := validInstance(&in); err != nil {
		return nil, err
	}
	err = s.db.Write(ctx, func(tx *sqldb.Tx) error {
		def := in.Default
		if patch.Default != nil && *patch.Default && !def {
			if err := clearDefault(ctx, tx, platform); err != nil {
				return err
			}
			def = true
		}
		if err := s.writeInstance(ctx, tx, &in, secrets, def, false); err != nil {
			return err
		}
		return bump(ctx, tx)
	})
	if err != nil {
		return nil, err
	}
	if err := s.Refresh(ctx); err != nil {
		return nil, err
	}
	return s.GetInstance(platform, key)
}

func clearDefault(ctx context.Context, tx *sqldb.Tx, platform string) error {
	_, err := tx.Exec(ctx, "UPDATE conn_instances SET is_default = ? WHERE platform_key = ?", tx.Dialect().BoolValue(false), platform)
	return err
}

func (s *Service) writeInstance(ctx context.Context, tx *sqldb.Tx, in *Instance, secrets map[string]string, def bool, insert bool) error {
	d := tx.Dialect()
	config, err := json.Marshal(in.Config)
	if err != nil {
		return apperr.Field("config", "config 无法编码为 JSON (config is not valid JSON)")
	}
	network, _ := json.Marshal(in.Network)
	plain, _ := json.Marshal(secrets)
	sealed, err := s.box.Seal(string(plain))
	if err != nil {
		return fmt.Errorf("seal instance secrets: %w", err)
	}
	now := d.TimeValue(sqldb.Now())
	if insert {
		_, err = tx.Exec(ctx, `INSERT INTO conn_instances (platform_key, instance_key, name, base_url, is_default, config, secrets, network,
			revision, created_time, modified_time) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)`,
			in.Platform, in.Key, in.Name, in.BaseURL, d.BoolValue(def), string(config), sealed, string(network), now, now)
		return err
	}
	_, err = tx.Exec(ctx, `UPDATE conn_instances SET name = ?, base_url = ?, is_default = ?, config = ?, secrets = ?, network = ?,
		revision = revision + 1, modified_time = ? WHERE platform_key = ? AND instance_key = ?`,
		in.Name, in.BaseURL, d.BoolValue(def), string(config), sealed, string(network), now, in.Platform, in.Key)
	return err
}

// DeleteInstance removes an instance; when it was the default, the
// remaining instance first by key becomes the default.
func (s *Service) DeleteInstance(ctx context.Context, platform, key string) error {
	if s.snap.Load().platforms[platform] == nil {
		return noPlatform(platform)
	}
	err := s.db.Write(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, "DELETE FROM conn_instances WHERE platform_key = ? AND instance_key = ?", platform, key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return noInstance(platform, key)
		}
		d := tx.Dialect()
		var left int
		if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM conn_instances WHERE platform_key = ? AND is_default = ?", platform, d.BoolValue(true)).Scan(&left); err != nil {
			return err
		}
		if left == 0 {
			_, err = tx.Exec(ctx, `UPDATE conn_instances SET is_default = ? WHERE platform_key = ? AND instance_key =
				(SELECT MIN(instance_key) FROM conn_instances WHERE platform_key = ?)`, d.BoolValue(true), platform, platform)
			if err != nil {
				return err
			}
		}
		return bump(ctx, tx)
	})
	if err != nil {
		return err
	}
	return s.Refresh(ctx)
}
