-- Positions (岗位): a named post in a department, held by users; workflow
-- nodes and permission grants may name them.

-- +goose Up
CREATE TABLE positions (
    id            TEXT PRIMARY KEY,
    external_id   TEXT UNIQUE,
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    department_id TEXT,
    description   TEXT,
    created_time  TIMESTAMPTZ NOT NULL,
    modified_time TIMESTAMPTZ NOT NULL
);
CREATE INDEX positions_department ON positions (department_id);

CREATE TABLE position_members (
    position_id TEXT NOT NULL,
    user_id     TEXT NOT NULL,
    PRIMARY KEY (position_id, user_id)
);
CREATE INDEX position_members_user ON position_members (user_id);

-- +goose Down
DROP TABLE position_members;
DROP TABLE positions;
