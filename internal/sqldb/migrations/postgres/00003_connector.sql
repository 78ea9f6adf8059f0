-- Integration hub (package connector): user-defined platforms (one JSON
-- definition each, interfaces included), instances (credentials: config
-- values in clear, secrets sealed with the server's key), one version row
-- every write bumps so nodes reload within a poll, and the call log. A
-- call's request is stored redacted for reading and, sealed, as the input
-- a replay re-sends. Times are TIMESTAMPTZ.

-- +goose Up
CREATE TABLE conn_platforms (
    platform_key  TEXT PRIMARY KEY,
    definition    TEXT NOT NULL,
    revision      INTEGER NOT NULL,
    created_time  TIMESTAMPTZ NOT NULL,
    modified_time TIMESTAMPTZ NOT NULL
);

CREATE TABLE conn_instances (
    platform_key  TEXT NOT NULL,
    instance_key  TEXT NOT NULL,
    name          TEXT NOT NULL,
    base_url      TEXT NOT NULL,
    is_default    BOOLEAN NOT NULL,
    config        TEXT NOT NULL,
    secrets       TEXT NOT NULL,
    network       TEXT NOT NULL,
    revision      INTEGER NOT NULL,
    created_time  TIMESTAMPTZ NOT NULL,
    modified_time TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (platform_key, instance_key)
);

CREATE TABLE conn_state (
    id      INTEGER PRIMARY KEY,
    version INTEGER NOT NULL
);
INSERT INTO conn_state (id, version) VALUES (1, 0);

CREATE TABLE conn_calls (
    id               TEXT PRIMARY KEY,
    created_time     TIMESTAMPTZ NOT NULL,
    platform_key     TEXT NOT NULL,
    instance_key     TEXT NOT NULL,
    interface_key    TEXT NOT NULL,
    caller_kind      TEXT NOT NULL,
    caller_script    TEXT NOT NULL,
    caller_form      TEXT NOT NULL,
    caller_object    TEXT NOT NULL,
    caller_instance  TEXT NOT NULL,
    caller_execution TEXT NOT NULL,
    caller_label     TEXT NOT NULL,
    method           TEXT NOT NULL,
    url              TEXT NOT NULL,
    request_headers  TEXT NOT NULL,
    request_body     TEXT NOT NULL,
    status           INTEGER NOT NULL,
    code             INTEGER NOT NULL,
    response_headers TEXT NOT NULL,
    response_body    TEXT NOT NULL,
    truncated        BOOLEAN NOT NULL,
    duration_ms      INTEGER NOT NULL,
    error            TEXT NOT NULL,
    input            TEXT NOT NULL
);
CREATE INDEX conn_calls_time ON conn_calls (created_time);
CREATE INDEX conn_calls_platform ON conn_calls (platform_key, created_time);
CREATE INDEX conn_calls_caller ON conn_calls (caller_form, caller_object);

-- +goose Down
DROP TABLE conn_calls;
DROP TABLE conn_state;
DROP TABLE conn_instances;
DROP TABLE conn_platforms;
