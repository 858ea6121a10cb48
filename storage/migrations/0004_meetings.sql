-- fiveheads schema v4: the meetings of the 9th, 19th and 29th, and escalation of unclaimed
-- items.

-- One row per grid and meeting date once its agenda is posted: the agenda goes out exactly
-- once, also across restarts; a bot that was down posts on start-up, marked late.
CREATE TABLE meetings (
    grid_key      TEXT NOT NULL REFERENCES grids(key),
    meeting_date  TEXT NOT NULL,          -- local date, YYYY-MM-DD
    scheduled_at  TEXT NOT NULL,          -- UTC, when it was due
    posted_at     TEXT NOT NULL,          -- UTC, when it went into the outbox
    late          INTEGER NOT NULL DEFAULT 0,
    messages      INTEGER NOT NULL DEFAULT 0,
    unresolved    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (grid_key, meeting_date)
);

-- Each escalation step of an item happens once (the primary key says so).
CREATE TABLE escalations (
    issue_id   INTEGER NOT NULL REFERENCES issues(id),
    step       INTEGER NOT NULL,
    at         TEXT NOT NULL,
    from_user  INTEGER,
    to_user    INTEGER,
    PRIMARY KEY (issue_id, step)
);

-- When an unclaimed item climbs next (cleared by a claim), and its resolution target.
ALTER TABLE issues ADD COLUMN ack_due_at TEXT;
ALTER TABLE issues ADD COLUMN due_at TEXT;
CREATE INDEX issues_ack_due ON issues(ack_due_at) WHERE ack_due_at IS NOT NULL;
