-- A grant's id is unique within its form, not across forms: two forms may
-- each have a grant called "staff-own".

-- +goose Up
CREATE TABLE access_grants_by_form (
    id            TEXT NOT NULL,
    form_code     TEXT NOT NULL,
    position      INTEGER NOT NULL,
    definition    TEXT NOT NULL,
    modified_by   TEXT,
    modified_time INTEGER NOT NULL,
    PRIMARY KEY (form_code, id)
);
INSERT INTO access_grants_by_form (id, form_code, position, definition, modified_by, modified_time)
    SELECT id, form_code, position, definition, modified_by, modified_time FROM access_grants;
DROP TABLE access_grants;
ALTER TABLE access_grants_by_form RENAME TO access_grants;
CREATE INDEX access_grants_form ON access_grants (form_code, position);

-- +goose Down
CREATE TABLE access_grants_by_id (
    id            TEXT PRIMARY KEY,
    form_code     TEXT NOT NULL,
    position      INTEGER NOT NULL,
    definition    TEXT NOT NULL,
    modified_by   TEXT,
    modified_time INTEGER NOT NULL
);
INSERT INTO access_grants_by_id (id, form_code, position, definition, modified_by, modified_time)
    SELECT id, form_code, position, definition, modified_by, modified_time FROM access_grants;
DROP TABLE access_grants;
ALTER TABLE access_grants_by_id RENAME TO access_grants;
CREATE INDEX access_grants_form ON access_grants (form_code, position);
