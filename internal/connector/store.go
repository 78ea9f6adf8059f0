package connector

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/tritiumhq/tritium/internal/apperr"
	"github.com/tritiumhq/tritium/internal/sqldb"
)

func (s *Service) loadPlatforms(ctx context.Context) ([]*Platform, error) {
	var out []*Platform
	for _, b := range s.builtins {
		out = append(out, b)
	}
	d := s.db.Dialect()
	rows, err := s.db.Reader().Query(ctx, "SELECT definition, revision, created_time, modified_time FROM conn_platforms")
	if err != nil {
		return nil, fmt.Errorf("load platforms: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var def string
		var rev int64
		var ct, mt any
		if err := rows.Scan(&def, &rev, &ct, &mt); err != nil {
			return nil, fmt.Errorf("load platforms: %w", err)
		}
		var p Platform
		if err := json.Unmarshal([]byte(def), &p); err != nil {
			return nil, fmt.Errorf("load platforms: %w", err)
		}
		p.Revision = rev
		if p.CreatedTime, err = d.ScanTime(ct); err != nil {
			return nil, err
		}
		if p.ModifiedTime, err = d.ScanTime(mt); err != nil {
			return nil, err
		}
		out = append(out, &p)
	}
	return out, rows.Err()
}

func (s *Service) loadInstances(ctx context.Context) ([]*inst, error) {
	d := s.db.Dialect()
	rows, err := s.db.Reader().Query(ctx, `SELECT platform_key, instance_key, name, base_url, is_default, config, secrets, network,
		revision, created_time, modified_time FROM conn_instances`)
	if err != nil {
		return nil, fmt.Errorf("load instances: %w", err)
	}
	defer rows.Close()
	var out []*inst
	for rows.Next() {
		in := &Instance{}
		var def, ct, mt any
		var config, sealed, network string
		if err := rows.Scan(&in.Platform, &in.Key, &in.Name, &in.BaseURL, &def, &config, &sealed, &network, &in.Revision, &ct, &mt); err != nil {
			return nil, fmt.Errorf("load instances: %w", err)
		}
		if in.Default, err = d.ScanBool(def); err != nil {
			return nil, err
		}
		if in.CreatedTime, err = d.ScanTime(ct); err != nil {
			return nil, err
		}
		if in.ModifiedTime, err = d.ScanTime(mt); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(config), &in.Config); err != nil {
			return nil, fmt.Errorf("instance %s/%s config: %w", in.Platform, in.Key, err)
		}
		if err := json.Unmarshal([]byte(network), &in.Network); err != nil {
			return nil, fmt.Errorf("instance %s/%s network: %w", in.Platform, in.Key, err)
		}
		secrets := map[string]string{}
		if plain, err := s.box.Open(sealed); err != nil {
			s.log.Warn("connector instance secrets cannot be opened", "platform", in.Platform, "instance", in.Key, "err", err)
		} else if err := json.Unmarshal([]byte(plain), &secrets); err != nil {
			return nil, fmt.Errorf("instance %s/%s secrets: %w", in.Platform, in.Key, err)
		}
		in.Secrets = map[string]string{}
		for k := range secrets {
			in.Secrets[k] = "set"
		}
		out = append(out, &inst{def: in, secrets: secrets})
	}
	return out, rows.Err()
}

// bump makes every node reload: one version row, changed in the write.
func bump(ctx context.Context, tx *sqldb.Tx) error {
	_, err := tx.Exec(ctx, "UPDATE conn_state SET version = version + 1 WHERE id = 1")
	return err
}

// ListPlatforms returns the built-in and defined platforms, by key.
func (s *Service) ListPlatforms() []Platform {
	sn := s.snap.Load()
	out := make([]Platform, 0, len(sn.platforms))
	for _, k := range slices.Sorted(maps.Keys(sn.platforms)) {
		out = append(out, *sn.platforms[k].def)
	}
	return out
}

// GetPlatform returns one platform.
func (s *Service) GetPlatform(key string) (*Platform, error) {
	p := s.snap.Load().platforms[key]
	if p == nil {
		return nil, noPlatform(key)
	}
	c := *p.def
	return &c, nil
}

// ExportPlatform returns a platform as the JSON ImportPlatforms reads.
func (s *Service) ExportPlatform(key string) (*Platform, error) {
	p, err := s.GetPlatform(key)
	if err != nil {
		return nil, err
	}
	p.BuiltIn, p.Revision = false, 0
	p.CreatedTime, p.ModifiedTime = zeroTime, zeroTime
	return p, nil
}

func noPlatform(key string) error {
	return apperr.New(apperr.NotFound, "没有这个平台: %s (no such platform)", key)
}

// CreatePlatform stores a new platform.
func (s *Service) CreatePlatform(ctx context.Context, p Platform) (*Platform, error) {
	out, _, err := s.savePlatform(ctx, p, false)
	return out, err
}

// PutPlatform creates or replaces the platform key; created says which.
func (s *Service) PutPlatform(ctx context.Context, key string, p Platform) (*Platform, bool, error) {
	if p.Key == "" {
		p.Key = key
	}
	if p.Key != key {
		return nil, false, apperr.Field("key", "请求体的 key %q 与路径的 %q 不同 (the body's key differs from the path's)", p.Key, key)
	}
	return s.savePlatform(ctx, p, true)
}

// ImportPlatforms creates or replaces each platform (all or none).
func (s *Service) ImportPlatforms(ctx context.Context, ps []Platform) ([]Platform, error) {
	for i := range ps {
		if err := s.checkPlatform(&ps[i]); err != nil {
			if e := apperr.As(err); e != nil {
				e.Field = fmt.Sprintf("platforms[%d].%s", i, e.Field)
			}
			return nil, err
		}
	}
	err := s.db.Write(ctx, func(tx *sqldb.Tx) error {
		for i := range ps {
			if _, err := s.upsertPlatform(ctx, tx, &ps[i], true); err != nil {
				return err
			}
		}
		return bump(ctx, tx)
	})
	if err != nil {
		return nil, err
	}
	if err := s.Refresh(ctx); err != nil {
		return nil, err
	}
	out := make([]Platform, len(ps))
	for i := range ps {
		p, err := s.GetPlatform(ps[i].Key)
		if err != nil {
			return nil, err
		}
		out[i] = *p
	}
	return out, nil
}

func (s *Service) checkPlatform(p *Platform) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if s.builtins[p.Key] != nil {
		return apperr.New(apperr.Conflict, "平台 %s 是内置平台, 只读 (platform %s is built in and read-only)", p.Key, p.Key)
	}
	p.BuiltIn = false
	return nil
}

func (s *Service) savePlatform(ctx context.Context, p Platform, replace bool) (*Platform, bool, error) {
	if err := s.checkPlatform(&p); err != nil {
		return nil, false, err
	}
	var created bool
	err := s.db.Write(ctx, func(tx *sqldb.Tx) error {
		var err error
		if created, err = s.upsertPlatform(ctx, tx, &p, replace); err != nil {
			return err
		}
		return bump(ctx, tx)
	})
	if err != nil {
		return nil, false, err
	}
	if err := s.Refresh(ctx); err != nil {
		return nil, false, err
	}
	out, err := s.GetPlatform(p.Key)
	return out, created, err
}

func (s *Service) upsertPlatform(ctx context.Context, tx *sqldb.Tx, p *Platform, replace bool) (bool, error) {
	d := tx.Dialect()
	stored := *p
	stored.Revision, stored.CreatedTime, stored.ModifiedTime = 0, zeroTime, zeroTime
	def, err := json.Marshal(stored)
	if err != nil {
		return false, err
	}
	t := d.TimeValue(sqldb.Now())
	res, err := tx.Exec(ctx, "UPDATE conn_platforms SET definition = ?, revision = revision + 1, modified_time = ? WHERE platform_key = ?", string(def), t, p.Key)
	if err != nil {
		return false, fmt.Errorf("update platform %s: %w", p.Key, err)
	}
	if n, _ := res.RowsAffected(); n > 0 {
		if !replace {
			return false, apperr.New(apperr.Conflict, "平台 %s 已存在 (platform %s already exists)", p.Key, p.Key)
		}
		return false, nil
	}
	_, err = tx.Exec(ctx, "INSERT INTO conn_platforms (platform_key, definition, revision, created_time, modified_time) VALUES (?, ?, 1, ?, ?)", p.Key, string(def), t, t)
	if err != nil {
		return false, fmt.Errorf("insert platform %s: %w", p.Key, err)
	}
	return true, nil
}

// DeletePlatform removes a platform and its instances.
func (s *Service) DeletePlatform(ctx context.Context, key string) error {
	if s.builtins[key] != nil {
		return apperr.New(apperr.Conflict, "平台 %s 是内置平台, 不能删除 (platform %s is built in and cannot be deleted)", key, key)
	}
	err := s.db.Write(ctx, func(tx *sqldb.Tx) error {
		res, err := tx.Exec(ctx, "DELETE FROM conn_platforms WHERE platform_key = ?", key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return noPlatform(key)
		}
		if _, err := tx.Exec(ctx, "DELETE FROM conn_instances WHERE platform_key = ?", key); err != nil {
			return err
		}
		return bump(ctx, tx)
	})
	if err != nil {
		return err
	}
	return s.Refresh(ctx)
}

// GetInterface returns one interface of a platform by its key or its
// camelCase name.
func (s *Service) GetInterface(platform, key string) (*Interface, error) {
	p := s.snap.Load().platforms[platform]
	if p == nil {
		return nil, noPlatform(platform)
	}
	f := p.ifaces[key]
	if f == nil {
		f = p.ifaces[camel(key)]
	}
	if f == nil {
		return nil, apperr.New(apperr.NotFound, "平台 %s 没有接口 %s (platform %s has no interface %s)", platform, key, platform, key)
	}
	c := *f.def
	return &c, nil
}
