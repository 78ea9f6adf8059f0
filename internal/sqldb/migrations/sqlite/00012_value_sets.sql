-- Value sets (值集): named, ordered lists of coded values that select
-- fields may take their options from; form_value_sets records which form
-- uses which set, so a set in use cannot be deleted.

-- +goose Up
CREATE TABLE value_sets (
    id            TEXT PRIMARY KEY,
    external_id   TEXT UNIQUE,
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    description   TEXT,
    enabled       INTEGER NOT NULL,
    created_time  INTEGER NOT NULL,
    modified_time INTEGER NOT NULL
);

CREATE TABLE value_set_values (
    set_id      TEXT NOT NULL,
    code        TEXT NOT NULL,
    label       TEXT NOT NULL,
    description TEXT,
    enabled     INTEGER NOT NULL,
    sort_order  INTEGER NOT NULL,
    position    INTEGER NOT NULL,
    PRIMARY KEY (set_id, code)
);

CREATE TABLE form_value_sets (
    form_code      TEXT NOT NULL,
    value_set_code TEXT NOT NULL,
    field          TEXT NOT NULL,
    PRIMARY KEY (form_code, value_set_code, field)
);
CREATE INDEX form_value_sets_set ON form_value_sets (value_set_code);

-- +goose Down
DROP TABLE form_value_sets;
DROP TABLE value_set_values;
DROP TABLE value_sets;
