-- fiveheads schema v9: home visits (走访) that heads log with /visit, and the indexes the
-- community figures (/stats, /export, `fiveheads stats`) read by.

-- One row per /visit. `households` visited and `people` served are what the community
-- reports upward ("1,566 households visited, 3,602 people served"). The command message
-- is unique, so a redelivered update logs its visit once.
CREATE TABLE visits (
    id          INTEGER PRIMARY KEY,
    grid_key    TEXT NOT NULL REFERENCES grids(key),
    building    TEXT NOT NULL DEFAULT '',
    unit        TEXT NOT NULL DEFAULT '',
    households  INTEGER NOT NULL CHECK (households >= 0),
    people      INTEGER NOT NULL CHECK (people >= 0),
    note        TEXT NOT NULL DEFAULT '',
    user_id     INTEGER NOT NULL,
    at          TEXT NOT NULL,
    chat_id     INTEGER,
    message_id  INTEGER,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX visits_at ON visits(at);
CREATE INDEX visits_grid_at ON visits(grid_key, at);

-- The figures of a period: issues reported in it, closed in it, and overdue now.
CREATE INDEX issues_created ON issues(created_at);
CREATE INDEX issues_closed ON issues(closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX issues_overdue ON issues(due_at) WHERE status NOT IN ('closed', 'rejected');
