-- Workflow: definitions per form (versioned), instances, the task list
-- (a projection of the instance state) and the append-only event log, the
-- source of history and replay. A wf_events row holds the events one
-- transaction emitted for one instance (a JSON array; seq is the first
-- event's), so an action costs one row however many facts it records;
-- ids only grow, which later consumers (webhooks) read in order. Times are INTEGER microseconds (UTC).
-- wf_events.id is a plain rowid, not AUTOINCREMENT: rows are never
-- deleted, so ids still only grow, without a sqlite_sequence write per
-- insert. wf_tasks is keyed by its id alone (WITHOUT ROWID): one b-tree
-- fewer per task written.

-- +goose Up
CREATE TABLE wf_definitions (
    form_code    TEXT NOT NULL,
    version      INTEGER NOT NULL,
    definition   TEXT NOT NULL,
    created_by   TEXT,
    created_time INTEGER NOT NULL,
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
    created_time  INTEGER NOT NULL,
    modified_time INTEGER NOT NULL,
    finished_time INTEGER
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
    created_time INTEGER NOT NULL,
    acted_time   INTEGER
) WITHOUT ROWID;
CREATE INDEX wf_tasks_assignee ON wf_tasks (assignee, status, created_time);
CREATE INDEX wf_tasks_instance ON wf_tasks (instance_id);

CREATE TABLE wf_events (
    id           INTEGER PRIMARY KEY,
    instance_id  TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    events       TEXT NOT NULL,
    created_time INTEGER NOT NULL,
    UNIQUE (instance_id, seq)
);

-- +goose Down
DROP TABLE wf_events;
DROP TABLE wf_tasks;
DROP TABLE wf_instances;
DROP TABLE wf_definitions;
