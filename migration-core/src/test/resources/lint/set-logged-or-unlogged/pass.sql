CREATE UNLOGGED TABLE event_buffer (id bigint, payload jsonb);
