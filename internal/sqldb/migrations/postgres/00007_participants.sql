-- Workflow participants (record.Participation): the objects of a form a
-- user started an instance of, or holds, held or was cc'd a task on, are
-- read on every list of a workflow form by a user, so both lookups are by
-- user and form. The task index holds what the lookup reads (the instance
-- and the node), so it does not visit the task rows.

-- +goose Up
CREATE INDEX wf_tasks_participant ON wf_tasks (assignee, form_code, instance_id, node_id);
CREATE INDEX wf_instances_participant ON wf_instances (initiator, form_code, object_id);

-- +goose Down
DROP INDEX wf_instances_participant;
DROP INDEX wf_tasks_participant;
