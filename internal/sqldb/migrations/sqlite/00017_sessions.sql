-- Console sign-in: users' password hashes (argon2id, PHC strings) and the
-- sessions of signed-in browsers (only the SHA-256 of each cookie token).

-- +goose Up
CREATE TABLE user_passwords (
    user_id      TEXT PRIMARY KEY,
    hash         TEXT NOT NULL,
    changed_time INTEGER NOT NULL
);

CREATE TABLE sessions (
    token_hash        TEXT PRIMARY KEY,
    user_id           TEXT NOT NULL,
    csrf_token        TEXT NOT NULL,
    created_time      INTEGER NOT NULL,
    last_seen_time    INTEGER NOT NULL,
    idle_expires_time INTEGER NOT NULL,
    expires_time      INTEGER NOT NULL,
    address           TEXT NOT NULL DEFAULT '',
    user_agent        TEXT NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_idle_expires ON sessions (idle_expires_time);

-- +goose Down
DROP TABLE sessions;
DROP TABLE user_passwords;
