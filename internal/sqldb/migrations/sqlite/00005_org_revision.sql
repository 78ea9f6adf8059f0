-- Organisation revision (package org): one row, bumped in the same
-- transaction as every write to users, departments, roles and role
-- members, so each node's cache of resolved users (org.Subject) sees at a
-- glance, in one primary-key read, whether another node changed the
-- organisation.

-- +goose Up
CREATE TABLE org_revision (
    id       INTEGER PRIMARY KEY,
    revision INTEGER NOT NULL
);
INSERT INTO org_revision (id, revision) VALUES (1, 0);

-- +goose Down
DROP TABLE org_revision;
