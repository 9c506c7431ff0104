-- Nothing is dropped: the schema's tables went one by one in earlier migrations.
CREATE SCHEMA IF NOT EXISTS reporting;
