-- Saved views of the console's record tables: a user's named filter,
-- sort, columns and page size for one form.

-- +goose Up
CREATE TABLE saved_views (
    user_id       TEXT NOT NULL,
    form_code     TEXT NOT NULL,
    name          TEXT NOT NULL,
    filter_text   TEXT NOT NULL DEFAULT '',
    sort_text     TEXT NOT NULL DEFAULT '',
    column_list   TEXT NOT NULL DEFAULT '',
    page_size     INTEGER NOT NULL,
    created_time  TIMESTAMPTZ NOT NULL,
    modified_time TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, form_code, name)
);

-- +goose Down
DROP TABLE saved_views;
