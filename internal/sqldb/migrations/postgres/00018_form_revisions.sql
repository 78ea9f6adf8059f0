-- Every definition a form has had: one row per revision, written in the
-- same transaction as the change to forms. Forms that exist when this
-- migration runs keep only their current revision; a deleted form's
-- revisions go with it.

-- +goose Up
CREATE TABLE form_revisions (
    form_code  TEXT NOT NULL,
    revision   BIGINT NOT NULL,
    definition TEXT NOT NULL,
    PRIMARY KEY (form_code, revision)
);
INSERT INTO form_revisions (form_code, revision, definition)
SELECT code, revision, definition FROM forms;

-- +goose Down
DROP TABLE form_revisions;
