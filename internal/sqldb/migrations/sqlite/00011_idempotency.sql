-- Idempotency-Key: the first answer to a REST POST, kept 24 hours per
-- credential and key, so a retry on any node replays it.

-- +goose Up
CREATE TABLE idempotency_keys (
    owner        TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    fingerprint  TEXT NOT NULL,
    status       INTEGER NOT NULL,
    content_type TEXT,
    location     TEXT,
    body         BLOB,
    created_time INTEGER NOT NULL,
    PRIMARY KEY (owner, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_time);

-- +goose Down
DROP TABLE idempotency_keys;
