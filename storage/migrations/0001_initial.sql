-- fiveheads schema v1: places and people, issues with their append-only event log,
-- media, and the inbox/outbox that make delivery durable.
-- Times are UTC ISO-8601 text ("2026-11-24T08:00:00.000000+00:00"), which sorts correctly.
-- Optional places use '' rather than NULL so that UNIQUE constraints hold.

CREATE TABLE grids (
    key         TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    chat_id     INTEGER UNIQUE,
    active      INTEGER NOT NULL DEFAULT 1,
    bound_at    TEXT,
    source      TEXT NOT NULL CHECK (source IN ('config', 'command'))
);

-- Everyone the bot has met: heads, coordinators, residents. `started_bot` says whether a
-- private message can reach them (a bot cannot write first).
CREATE TABLE persons (
    user_id     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL DEFAULT '',
    username    TEXT,
    language    TEXT,
    started_bot INTEGER NOT NULL DEFAULT 0,
    updated_at  TEXT NOT NULL
);

-- Role assignments (person, role, scope). One person may hold several.
CREATE TABLE roles (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('community', 'police', 'grid', 'building', 'unit')),
    grid_key    TEXT NOT NULL REFERENCES grids(key) ON DELETE CASCADE,
    building    TEXT NOT NULL DEFAULT '',
    unit        TEXT NOT NULL DEFAULT '',
    name        TEXT NOT NULL,
    source      TEXT NOT NULL CHECK (source IN ('config', 'command')),
    UNIQUE (grid_key, role, building, unit, user_id)
);
CREATE INDEX roles_user ON roles(user_id);

-- The issue number is the row id: global, sequential, never reused (AUTOINCREMENT).
CREATE TABLE issues (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    grid_key          TEXT NOT NULL REFERENCES grids(key),
    building          TEXT NOT NULL DEFAULT '',
    unit              TEXT NOT NULL DEFAULT '',
    category          TEXT NOT NULL,
    kind              TEXT NOT NULL CHECK (kind IN ('public_event', 'dispute', 'request', 'wish')),
    priority          TEXT NOT NULL CHECK (priority IN ('urgent', 'priority', 'normal', 'planned')),
    status            TEXT NOT NULL CHECK (status IN
                        ('open', 'assigned', 'in_progress', 'resolved', 'closed', 'referred', 'rejected')),
    reporter_kind     TEXT NOT NULL CHECK (reporter_kind IN ('head', 'resident')),
    reporter_user_id  INTEGER,
    reporter_name     TEXT,
    assignee_user_id  INTEGER,
    assignee_role     TEXT,
    wanted_role       TEXT NOT NULL,
    department        TEXT,
    reject_reason     TEXT,
    text              TEXT NOT NULL DEFAULT '',
    latitude          REAL,
    longitude         REAL,
    source_chat_id    INTEGER,
    source_message_id INTEGER,
    source_thread_id  INTEGER,
    media_group_id    TEXT,
    card_chat_id      INTEGER,
    card_message_id   INTEGER,
    card_thread_id    INTEGER,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    claimed_at        TEXT,
    resolved_at       TEXT,
    closed_at         TEXT
);
-- Idempotent intake: one issue per source message, one per album.
CREATE UNIQUE INDEX issues_source ON issues(source_chat_id, source_message_id)
    WHERE source_message_id IS NOT NULL;
CREATE UNIQUE INDEX issues_album ON issues(source_chat_id, media_group_id)
    WHERE media_group_id IS NOT NULL;
CREATE INDEX issues_grid_status ON issues(grid_key, status, created_at);
CREATE INDEX issues_status_created ON issues(status, created_at);
CREATE INDEX issues_card ON issues(card_chat_id, card_message_id);
CREATE INDEX issues_place ON issues(grid_key, building, unit, category, created_at);

-- Every message that makes up an issue (each photo of an album, the /report target), so an
-- edit of any of them is logged and a redelivered one is recognised.
CREATE TABLE issue_messages (
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    issue_id    INTEGER NOT NULL REFERENCES issues(id),
    PRIMARY KEY (chat_id, message_id)
);

-- Photos and voice messages. Telegram file ids are kept; never a file URL (it holds the token).
CREATE TABLE media (
    id              INTEGER PRIMARY KEY,
    issue_id        INTEGER NOT NULL REFERENCES issues(id),
    kind            TEXT NOT NULL CHECK (kind IN ('photo', 'voice')),
    file_id         TEXT NOT NULL,
    file_unique_id  TEXT NOT NULL,
    file_size       INTEGER,
    message_id      INTEGER,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'stored', 'rejected')),
    path            TEXT,
    sha256          TEXT,
    width           INTEGER,
    height          INTEGER,
    duration        INTEGER,
    error           TEXT,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    UNIQUE (issue_id, file_unique_id)
);
CREATE INDEX media_pending ON media(next_attempt_at) WHERE status = 'pending';

-- Append-only history of each issue; status on `issues` is derived from it and stored.
CREATE TABLE events (
    id              INTEGER PRIMARY KEY,
    issue_id        INTEGER NOT NULL REFERENCES issues(id),
    at              TEXT NOT NULL,
    type            TEXT NOT NULL,
    actor_user_id   INTEGER,
    from_status     TEXT,
    to_status       TEXT,
    data            TEXT NOT NULL DEFAULT '{}',
    chat_id         INTEGER,
    message_id      INTEGER
);
CREATE INDEX events_issue ON events(issue_id, id);
CREATE INDEX events_type_at ON events(type, at);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

-- Raw updates, committed before their offset is confirmed to Telegram.
CREATE TABLE inbox (
    update_id     INTEGER PRIMARY KEY,
    payload       TEXT NOT NULL,
    received_at   TEXT NOT NULL,
    processed_at  TEXT,
    error         TEXT
);
CREATE INDEX inbox_pending ON inbox(update_id) WHERE processed_at IS NULL;

-- Everything the bot says. kind 'call' is a stored Bot API call; kind 'card' means "make the
-- issue's card show its current state" (send it once, then edit it), rendered at send time so
-- that several changes coalesce into one edit.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    kind             TEXT NOT NULL CHECK (kind IN ('call', 'card')),
    chat_id          INTEGER NOT NULL,
    method           TEXT NOT NULL DEFAULT '',
    payload          TEXT NOT NULL DEFAULT '{}',
    issue_id         INTEGER REFERENCES issues(id),
    dedup_key        TEXT UNIQUE,
    status           TEXT NOT NULL DEFAULT 'pending'
                       CHECK (status IN ('pending', 'sent', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT NOT NULL,
    last_error       TEXT,
    result_message_id INTEGER,
    rev              INTEGER NOT NULL DEFAULT 0,  -- bumped when a pending card is asked for again
    created_at       TEXT NOT NULL,
    sent_at          TEXT
);
CREATE INDEX outbox_pending ON outbox(chat_id, id) WHERE status = 'pending';
CREATE UNIQUE INDEX outbox_one_pending_card ON outbox(issue_id)
    WHERE kind = 'card' AND status = 'pending';

-- Small key/value facts about the deployment (last heartbeat for downtime reports).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
