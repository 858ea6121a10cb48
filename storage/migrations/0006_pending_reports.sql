-- fiveheads schema v6: a report sent in a group bound to no grid is kept, not lost. It waits
-- here until a coordinator binds the group, then becomes an issue once.

-- One row per Telegram message, keyed like an issue's source, so a redelivered message is
-- kept once. `report` is JSON of what rebuilds it (text, author, thread, photos and voice by
-- file id; never a file URL). `issue_id` is set once it became an issue: it is filed once.
CREATE TABLE pending_reports (
    chat_id         INTEGER NOT NULL,
    message_id      INTEGER NOT NULL,
    media_group_id  TEXT,
    report          TEXT NOT NULL,
    received_at     TEXT NOT NULL,
    issue_id        INTEGER REFERENCES issues(id),
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX pending_reports_waiting ON pending_reports(chat_id, message_id)
    WHERE issue_id IS NULL;
