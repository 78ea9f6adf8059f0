-- External-approval nodes: the one-time callback token of each request
-- (only its SHA-256), and the decision once the external system called
-- back. decision IS NULL while the callback is awaited.

-- +goose Up
CREATE TABLE wf_external (
    token_hash   TEXT PRIMARY KEY,
    instance_id  TEXT NOT NULL,
    task_id      TEXT NOT NULL,
    node_id      TEXT NOT NULL,
    decision     TEXT,
    created_time INTEGER NOT NULL,
    decided_time INTEGER
);
CREATE INDEX wf_external_task ON wf_external (task_id);

-- +goose Down
DROP TABLE wf_external;
