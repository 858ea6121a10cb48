-- fiveheads schema v7: possible duplicates (SPEC §3). A merged report points at the issue it
-- repeats (each merge is one "me too" of the original), and the people who follow an issue
-- they did not report hear its status changes as its reporter does.

-- One row per merged duplicate: a report is merged into at most one original.
CREATE TABLE duplicates (
    issue_id     INTEGER PRIMARY KEY REFERENCES issues(id),
    original_id  INTEGER NOT NULL REFERENCES issues(id),
    merged_by    INTEGER,
    merged_at    TEXT NOT NULL
);
CREATE INDEX duplicates_original ON duplicates(original_id);

-- Who follows an issue besides its reporter; `kind` is how they reported (resident | head).
CREATE TABLE followers (
    issue_id  INTEGER NOT NULL REFERENCES issues(id),
    user_id   INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    PRIMARY KEY (issue_id, user_id)
);
