-- A grant's id is unique within its form, not across forms: two forms may
-- each have a grant called "staff-own".

-- +goose Up
ALTER TABLE access_grants DROP CONSTRAINT access_grants_pkey, ADD PRIMARY KEY (form_code, id);

-- +goose Down
ALTER TABLE access_grants DROP CONSTRAINT access_grants_pkey, ADD PRIMARY KEY (id);
