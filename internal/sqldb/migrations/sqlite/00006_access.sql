-- Permissions: each form's grants (a JSON definition each; a form's
-- grants are replaced together), and a revision every change bumps so
-- each node sees at a glance whether its cache is current.

-- +goose Up
CREATE TABLE access_grants (
    id            TEXT PRIMARY KEY,
    form_code     TEXT NOT NULL,
    position      INTEGER NOT NULL,
    definition    TEXT NOT NULL,
    modified_by   TEXT,
    modified_time INTEGER NOT NULL
);
CREATE INDEX access_grants_form ON access_grants (form_code, position);

-- Forms whose grants were set (an empty set is "nobody", not the defaults).
CREATE TABLE access_forms (
    form_code     TEXT PRIMARY KEY,
    modified_time INTEGER NOT NULL
);

CREATE TABLE access_revision (
    id       INTEGER PRIMARY KEY,
    revision INTEGER NOT NULL
);
INSERT INTO access_revision (id, revision) VALUES (1, 0);

-- +goose Down
DROP TABLE access_revision;
DROP TABLE access_forms;
DROP TABLE access_grants;
