-- Files from POST /api/v1/files: the caller's source system and document
-- number (seed: sourceDocumentNumber), and when a record last took the
-- file into an attachment field (garbage collection spares a file for a
-- grace period after that, or after its upload); and the type its content
-- was sniffed as, the only one files are served with.

-- +goose Up
ALTER TABLE files ADD COLUMN source_system TEXT;
ALTER TABLE files ADD COLUMN source_document_number TEXT;
ALTER TABLE files ADD COLUMN used_time TIMESTAMPTZ;
ALTER TABLE files ADD COLUMN sniffed_type TEXT;
UPDATE files SET used_time = created_time;
CREATE INDEX files_used ON files (used_time);
CREATE INDEX files_source ON files (source_system, source_document_number);

-- +goose Down
DROP INDEX files_source;
DROP INDEX files_used;
ALTER TABLE files DROP COLUMN sniffed_type;
ALTER TABLE files DROP COLUMN used_time;
ALTER TABLE files DROP COLUMN source_document_number;
ALTER TABLE files DROP COLUMN source_system;
