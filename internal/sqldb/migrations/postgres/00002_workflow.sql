-- Workflow: definitions per form (versioned), instances, the task list
-- (a projection of the instance state) and the append-only event log, the
-- source of history and replay. A wf_events row holds the events one
-- transaction emitted for one instance (a JSON array; seq is the first
-- event's), so an action costs one row however many facts it records;
-- ids only grow, which later consumers (webhooks) read in order. Times are TIMESTAMPTZ.

-- +goose Up
CREATE TABLE wf_definitions (
    form_code    TEXT NOT NULL,
    version      INTEGER NOT NULL,
    definition   TEXT NOT NULL,
    created_by   TEXT,
    created_time TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (form_code, version)
);

CREATE TABLE wf_instances (
    id            TEXT PRIMARY KEY,
    form_code     TEXT NOT NULL,
    object_id     TEXT NOT NULL,
    def_version   INTEGER NOT NULL,
    status        TEXT NOT NULL,
    initiator     TEXT NOT NULL,
    state         TEXT NOT NULL,
    revision      INTEGER NOT NULL,
    created_time TIMESTAMPTZ NOT NULL,
    modified_time TIMESTAMPTZ NOT NULL,
    finished_time TIMESTAMPTZ
);
CREATE INDEX wf_instances_initiator ON wf_instances (initiator, created_time);

CREATE TABLE wf_tasks (
    id           TEXT PRIMARY KEY,
    instance_id  TEXT NOT NULL,
    node_id      TEXT NOT NULL,
    kind         TEXT NOT NULL,
    assignee     TEXT NOT NULL,
    status       TEXT NOT NULL,
    form_code    TEXT NOT NULL,
    initiator    TEXT NOT NULL,
    created_time TIMESTAMPTZ NOT NULL,
    acted_time TIMESTAMPTZ
);
CREATE INDEX wf_tasks_assignee ON wf_tasks (assignee, status, created_time);
CREATE INDEX wf_tasks_instance ON wf_tasks (instance_id);

CREATE TABLE wf_events (
    id           BIGSERIAL PRIMARY KEY,
    instance_id  TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    events       TEXT NOT NULL,
    created_time TIMESTAMPTZ NOT NULL,
    UNIQUE (instance_id, seq)
);

-- +goose Down
DROP TABLE wf_events;
DROP TABLE wf_tasks;
DROP TABLE wf_instances;
DROP TABLE wf_definitions;
