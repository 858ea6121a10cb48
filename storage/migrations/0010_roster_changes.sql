-- fiveheads schema v10: the roster as commands change it (/sethead, SPEC §6).
-- Every change of a head's seat is logged with who made it and when; the seats a command
-- set are marked, with the config file's entry for the seat at that moment, so that the
-- heads in the file still load at start without undoing them: a seat changed by command
-- keeps the command's holder until the file's entry for that seat changes (README, Roster).

-- Append-only: one row per change of one seat. `user_id` is the new holder (NULL: vacated);
-- `previous` the user ids who held the seat before (JSON list); `by_user_id` who ran the
-- command (NULL when the config file took the seat back at start, source 'config').
CREATE TABLE roster_changes (
    id          INTEGER PRIMARY KEY,
    grid_key    TEXT NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('community', 'police', 'grid', 'building', 'unit')),
    building    TEXT NOT NULL DEFAULT '',
    unit        TEXT NOT NULL DEFAULT '',
    user_id     INTEGER,
    name        TEXT NOT NULL DEFAULT '',
    previous    TEXT NOT NULL DEFAULT '[]',
    by_user_id  INTEGER,
    source      TEXT NOT NULL CHECK (source IN ('command', 'config')),
    at          TEXT NOT NULL
);
CREATE INDEX roster_changes_grid ON roster_changes(grid_key, id);
CREATE TRIGGER roster_changes_no_update BEFORE UPDATE ON roster_changes
BEGIN SELECT RAISE(ABORT, 'roster changes are append-only'); END;
CREATE TRIGGER roster_changes_no_delete BEFORE DELETE ON roster_changes
BEGIN SELECT RAISE(ABORT, 'roster changes are append-only'); END;

-- The seats a command set, one row per seat: who holds it by command (NULL: left vacant)
-- and the config file's entry for the seat when the command was given ('' for none).
CREATE TABLE roster_overrides (
    grid_key      TEXT NOT NULL,
    role          TEXT NOT NULL,
    building      TEXT NOT NULL DEFAULT '',
    unit          TEXT NOT NULL DEFAULT '',
    user_id       INTEGER,
    config_entry  TEXT NOT NULL,
    change_id     INTEGER NOT NULL REFERENCES roster_changes(id),
    PRIMARY KEY (grid_key, role, building, unit)
);
