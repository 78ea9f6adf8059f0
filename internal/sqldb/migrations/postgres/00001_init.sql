-- System tables.

-- +goose Up
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE credentials (
    code         TEXT PRIMARY KEY,
    secret_hash  TEXT NOT NULL,
    user_id      TEXT NOT NULL,
    created_time TIMESTAMPTZ NOT NULL,
    rotated_time TIMESTAMPTZ NOT NULL
);

CREATE TABLE forms (
    code          TEXT PRIMARY KEY,
    definition    TEXT NOT NULL,
    revision      BIGINT NOT NULL,
    created_time  TIMESTAMPTZ NOT NULL,
    modified_time TIMESTAMPTZ NOT NULL
);

-- Every form and child-table code, so codes stay unique across both.
CREATE TABLE form_schemas (
    code_lower TEXT PRIMARY KEY,
    form_code  TEXT NOT NULL
);
CREATE INDEX form_schemas_form ON form_schemas (form_code);

CREATE TABLE sequences (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE departments (
    id            TEXT PRIMARY KEY,
    external_id   TEXT UNIQUE,
    name          TEXT NOT NULL,
    parent_id     TEXT,
    manager_id    TEXT,
    sort_order    INTEGER NOT NULL DEFAULT 0,
    created_time  TIMESTAMPTZ NOT NULL,
    modified_time TIMESTAMPTZ NOT NULL
);
CREATE INDEX departments_parent ON departments (parent_id);

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    external_id   TEXT UNIQUE,
    name          TEXT NOT NULL,
    login_name    TEXT UNIQUE,
    email         TEXT,
    mobile        TEXT,
    title         TEXT,
    department_id TEXT,
    leader_id     TEXT,
    enabled       BOOLEAN NOT NULL DEFAULT TRUE,
    created_time  TIMESTAMPTZ NOT NULL,
    modified_time TIMESTAMPTZ NOT NULL
);
CREATE INDEX users_department ON users (department_id);
CREATE INDEX users_email ON users (email);
-- Deleting a user clears them as leader of others (org.DeleteUser).
CREATE INDEX users_leader ON users (leader_id);

CREATE TABLE roles (
    id            TEXT PRIMARY KEY,
    external_id   TEXT UNIQUE,
    name          TEXT NOT NULL,
    description   TEXT,
    created_time  TIMESTAMPTZ NOT NULL,
    modified_time TIMESTAMPTZ NOT NULL
);

CREATE TABLE role_members (
    role_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (role_id, user_id)
);
CREATE INDEX role_members_user ON role_members (user_id);

CREATE TABLE files (
    file_key     TEXT PRIMARY KEY,
    name         TEXT NOT NULL,
    size         BIGINT NOT NULL,
    content_type TEXT NOT NULL,
    form_code    TEXT,
    field_code   TEXT,
    object_id    TEXT,
    created_by   TEXT,
    created_time TIMESTAMPTZ NOT NULL
);
CREATE INDEX files_object ON files (object_id);

-- +goose Down
DROP TABLE files;
DROP TABLE role_members;
DROP TABLE roles;
DROP TABLE users;
DROP TABLE departments;
DROP TABLE sequences;
DROP TABLE form_schemas;
DROP TABLE forms;
DROP TABLE credentials;
DROP TABLE settings;
