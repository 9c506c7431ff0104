-- Every run of a scheduled job, written by the replica running it: a 'running' row when it
-- starts, its outcome when it ends. Any replica's /metrics and status page read from here, so
-- they agree whichever replica ran the job.
CREATE TABLE job_runs (
    id             bigserial   PRIMARY KEY,
    target         text        NOT NULL,
    kind           text        NOT NULL,
    fire_id        text        NOT NULL,
    scheduled_time timestamptz NOT NULL,
    instance       text        NOT NULL,
    recovering     boolean     NOT NULL DEFAULT false,
    started_at     timestamptz NOT NULL,
    finished_at    timestamptz,
    outcome        text        NOT NULL CHECK (outcome IN ('running', 'succeeded', 'failed', 'aborted', 'lost')),
    backup_id      text,
    bytes          bigint,
    summary        text,
    error          text
);

CREATE INDEX job_runs_target_kind_started ON job_runs (target, kind, started_at DESC);
CREATE INDEX job_runs_running ON job_runs (outcome) WHERE outcome = 'running';

-- Conditions that alert once when they start and once when they end (WAL archive lag), shared
-- by the replicas: the one whose UPDATE flips 'active' sends the alert, the others do not.
CREATE TABLE alert_state (
    key        text        PRIMARY KEY,
    active     boolean     NOT NULL,
    changed_at timestamptz NOT NULL,
    detail     text
);
