-- fiveheads schema v2: residents close the loop (QR codes, relay lookups, verification) and PTB's
-- conversation persistence for half-finished private reports.

-- Opaque deep-link codes printed on posters: resolved here, so nobody can forge a code for
-- another building, and a coordinator can revoke one and print a new one.
CREATE TABLE qr_codes (
    code        TEXT PRIMARY KEY,
    grid_key    TEXT NOT NULL REFERENCES grids(key),
    building    TEXT NOT NULL DEFAULT '',
    unit        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    created_by  INTEGER,
    revoked_at  TEXT
);
CREATE INDEX qr_codes_place ON qr_codes(grid_key, building, unit) WHERE revoked_at IS NULL;

-- A reply to any message the bot sent about an issue (a relayed message, a status notice)
-- finds the issue through the outbox row that sent it.
CREATE INDEX outbox_result ON outbox(chat_id, result_message_id)
    WHERE result_message_id IS NOT NULL;

-- python-telegram-bot persistence: conversation states and user data (drafts).
CREATE TABLE ptb_state (
    kind   TEXT NOT NULL,
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (kind, key)
);

-- 1: the reporter confirmed the fix; 0: closed without the reporter's word; NULL: not closed.
ALTER TABLE issues ADD COLUMN verified INTEGER;
CREATE INDEX issues_reporter ON issues(reporter_user_id, created_at);
CREATE INDEX issues_resolved ON issues(status, resolved_at);

-- What a photo is for: the report itself, or the resolver's "after" picture.
ALTER TABLE media ADD COLUMN role TEXT NOT NULL DEFAULT 'report'
    CHECK (role IN ('report', 'after'));
