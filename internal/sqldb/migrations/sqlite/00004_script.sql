-- Scripts: the current version of each (scope, target, name) and every
-- saved version; the execution log; the script environment ($env).
-- scope is form, flow or api; target the form code or the controller; name
-- the hook, flow hook name or action.

-- +goose Up
CREATE TABLE scripts (
    scope         TEXT NOT NULL,
    target        TEXT NOT NULL,
    name          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    lang          TEXT NOT NULL,
    source        TEXT NOT NULL,
    timeout_ms    INTEGER NOT NULL,
    enabled       INTEGER NOT NULL,
    modified_by   TEXT,
    modified_time INTEGER NOT NULL,
    PRIMARY KEY (scope, target, name)
);

CREATE TABLE script_versions (
    scope        TEXT NOT NULL,
    target       TEXT NOT NULL,
    name         TEXT NOT NULL,
    version      INTEGER NOT NULL,
    lang         TEXT NOT NULL,
    source       TEXT NOT NULL,
    timeout_ms   INTEGER NOT NULL,
    created_by   TEXT,
    created_time INTEGER NOT NULL,
    PRIMARY KEY (scope, target, name, version)
);

-- One row, bumped by every script change, so each node sees at a glance
-- whether its cache is current.
CREATE TABLE script_revision (
    id       INTEGER PRIMARY KEY,
    revision INTEGER NOT NULL
);
INSERT INTO script_revision (id, revision) VALUES (1, 0);

CREATE TABLE script_executions (
    id          TEXT PRIMARY KEY,
    event_id    TEXT,
    scope       TEXT NOT NULL,
    target      TEXT NOT NULL,
    name        TEXT NOT NULL,
    version     INTEGER NOT NULL,
    hook        TEXT NOT NULL,
    form_code   TEXT,
    object_id   TEXT,
    instance_id TEXT,
    status      TEXT NOT NULL,
    attempt     INTEGER NOT NULL,
    started     INTEGER NOT NULL,
    duration_us INTEGER NOT NULL,
    result      TEXT,
    error       TEXT,
    console     TEXT,
    calls       TEXT
);
CREATE INDEX script_executions_started ON script_executions (started);
CREATE INDEX script_executions_object ON script_executions (object_id);
CREATE INDEX script_executions_instance ON script_executions (instance_id);

-- Events whose after-commit hooks have run: a job that runs again (a
-- crash between the script and the completion) finds its event here.
CREATE TABLE script_events_done (
    event_id TEXT PRIMARY KEY,
    done     INTEGER NOT NULL
);

CREATE TABLE script_env (
    name          TEXT PRIMARY KEY,
    value         TEXT NOT NULL,
    secret        INTEGER NOT NULL,
    modified_by   TEXT,
    modified_time INTEGER NOT NULL
);

-- +goose Down
DROP TABLE script_env;
DROP TABLE script_events_done;
DROP TABLE script_executions;
DROP TABLE script_revision;
DROP TABLE script_versions;
DROP TABLE scripts;
