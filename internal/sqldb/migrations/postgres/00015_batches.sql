-- Async batch writes: the request and its items, stored in the transaction
-- that enqueues the batch's first job; each item's result is written in
-- the transaction that writes its record, with the batch's progress.
-- OAuth clients get their configured batch callbacks (per operation).

-- +goose Up
CREATE TABLE batches (
    id            TEXT PRIMARY KEY,
    owner         TEXT NOT NULL,
    form_code     TEXT NOT NULL,
    operation     TEXT NOT NULL,
    source_system TEXT NOT NULL,
    submit        INTEGER NOT NULL,
    actor         TEXT NOT NULL,
    callback_url  TEXT NOT NULL,
    secret_kind   TEXT NOT NULL,
    secret_id     TEXT NOT NULL,
    status        TEXT NOT NULL,
    total         INTEGER NOT NULL,
    done          INTEGER NOT NULL,
    succeeded     INTEGER NOT NULL,
    failed        INTEGER NOT NULL,
    gen           INTEGER NOT NULL,
    message       TEXT NOT NULL,
    created_time  TIMESTAMPTZ NOT NULL,
    modified_time TIMESTAMPTZ NOT NULL,
    finished_time TIMESTAMPTZ
);
CREATE INDEX batches_owner ON batches (owner, created_time);
CREATE INDEX batches_status ON batches (status, modified_time);

-- The items as submitted, one row per chunk: a JSON array of
-- [sourceCode, objectId, data] from item seq "first" on.
CREATE TABLE batch_items (
    batch_id TEXT NOT NULL,
    first    INTEGER NOT NULL,
    items    TEXT NOT NULL,
    PRIMARY KEY (batch_id, first)
);

CREATE TABLE batch_results (
    batch_id    TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    source_code TEXT NOT NULL,
    object_id   TEXT NOT NULL,
    code        TEXT NOT NULL,
    sub_code    TEXT NOT NULL,
    message     TEXT NOT NULL,
    PRIMARY KEY (batch_id, seq)
);

ALTER TABLE oauth_clients ADD COLUMN callbacks TEXT NOT NULL DEFAULT '{}';

-- +goose Down
ALTER TABLE oauth_clients DROP COLUMN callbacks;
DROP TABLE batch_results;
DROP TABLE batch_items;
DROP TABLE batches;
