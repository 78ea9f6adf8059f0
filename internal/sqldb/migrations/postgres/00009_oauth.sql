-- OAuth2 clients (client credentials grant), the keys that sign their
-- tokens (sealed), and a revision every change of either bumps so each
-- node's cache of revoked clients and keys is current within a second.

-- +goose Up
CREATE TABLE oauth_clients (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    secret_hash   TEXT NOT NULL,
    scopes        TEXT NOT NULL,
    rate_limit    DOUBLE PRECISION NOT NULL,
    allowed_ips   TEXT NOT NULL,
    enabled       INTEGER NOT NULL,
    revoked       INTEGER NOT NULL,
    created_time  TIMESTAMPTZ NOT NULL,
    modified_time TIMESTAMPTZ NOT NULL
);

CREATE TABLE oauth_keys (
    kid          TEXT PRIMARY KEY,
    sealed_key   TEXT NOT NULL,
    created_time TIMESTAMPTZ NOT NULL,
    retired_time TIMESTAMPTZ
);

CREATE TABLE oauth_revision (
    id       INTEGER PRIMARY KEY,
    revision INTEGER NOT NULL
);
INSERT INTO oauth_revision (id, revision) VALUES (1, 0);

-- +goose Down
DROP TABLE oauth_revision;
DROP TABLE oauth_keys;
DROP TABLE oauth_clients;
