-- Outbound deliveries (batch callbacks, webhooks, external-approval
-- requests) and their attempt log; the platform change feed (record and
-- workflow events, written in the change's transaction); webhook
-- subscriptions and the relay's place in the feed; sealed copies of
-- the client and engine secrets that sign callbacks.

-- +goose Up
ALTER TABLE oauth_clients ADD COLUMN secret_sealed TEXT NOT NULL DEFAULT '';
ALTER TABLE credentials ADD COLUMN secret_sealed TEXT NOT NULL DEFAULT '';

CREATE TABLE deliveries (
    id                TEXT PRIMARY KEY,
    kind              TEXT NOT NULL,
    owner             TEXT NOT NULL,
    ref               TEXT NOT NULL,
    url               TEXT NOT NULL,
    body              TEXT NOT NULL,
    secret_kind       TEXT NOT NULL,
    secret_id         TEXT NOT NULL,
    secret_sealed     TEXT NOT NULL,
    status            TEXT NOT NULL,
    generation        INTEGER NOT NULL,
    round_attempts    INTEGER NOT NULL,
    attempts          INTEGER NOT NULL,
    response_code     INTEGER NOT NULL,
    latency_ms        INTEGER NOT NULL,
    last_error        TEXT NOT NULL,
    next_attempt_time TIMESTAMPTZ,
    created_time      TIMESTAMPTZ NOT NULL,
    modified_time     TIMESTAMPTZ NOT NULL,
    delivered_time    TIMESTAMPTZ
);
CREATE INDEX deliveries_ref ON deliveries (ref, created_time);
CREATE INDEX deliveries_owner ON deliveries (owner, created_time);

CREATE TABLE delivery_attempts (
    delivery_id   TEXT NOT NULL,
    attempt       INTEGER NOT NULL,
    generation    INTEGER NOT NULL,
    started_time  TIMESTAMPTZ NOT NULL,
    response_code INTEGER NOT NULL,
    latency_ms    INTEGER NOT NULL,
    error         TEXT NOT NULL,
    response      TEXT NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
);

CREATE TABLE feed_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- the writing transaction: ids from the sequence are not commit-ordered,
    -- (txid, id) read below the oldest running transaction is (feed.go)
    txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
    type         TEXT NOT NULL,
    form         TEXT NOT NULL,
    object_id    TEXT NOT NULL,
    instance_id  TEXT NOT NULL,
    task_id      TEXT NOT NULL,
    actor        TEXT NOT NULL,
    data         TEXT NOT NULL,
    created_time TIMESTAMPTZ NOT NULL
);
CREATE INDEX feed_events_txid ON feed_events (txid, id);

CREATE TABLE webhooks (
    id              TEXT PRIMARY KEY,
    name            TEXT NOT NULL,
    url             TEXT NOT NULL,
    events          TEXT NOT NULL,
    form            TEXT NOT NULL,
    enabled         INTEGER NOT NULL,
    secret_sealed   TEXT NOT NULL,
    failures        INTEGER NOT NULL,
    disabled_reason TEXT NOT NULL,
    created_time    TIMESTAMPTZ NOT NULL,
    modified_time   TIMESTAMPTZ NOT NULL
);

-- Where the webhook relay has read the feed up to (feed.Position).
CREATE TABLE feed_cursors (
    name     TEXT PRIMARY KEY,
    txid     BIGINT NOT NULL,
    event_id BIGINT NOT NULL
);

-- +goose Down
DROP TABLE feed_cursors;
DROP TABLE webhooks;
DROP TABLE feed_events;
DROP TABLE delivery_attempts;
DROP TABLE deliveries;
ALTER TABLE credentials DROP COLUMN secret_sealed;
ALTER TABLE oauth_clients DROP COLUMN secret_sealed;
