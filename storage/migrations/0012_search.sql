-- fiveheads schema v12: the coordinators' desk (issue #12) — search in the issues' text and
-- the indexes its filtered, paged table and the per-grid building map read by.

-- The issues' text for search, with the trigram tokenizer: any substring of three or more
-- characters is found, in Chinese as in English (no word segmentation needed), ignoring
-- case. Shorter words (楼道) are matched with LIKE on issues.text instead (storage/desk.py).
-- An external-content table: the text is stored once, in issues; the index follows it
-- through the triggers below.
CREATE VIRTUAL TABLE issues_fts USING fts5(
    text, content = 'issues', content_rowid = 'id', tokenize = 'trigram'
);

CREATE TRIGGER issues_fts_insert AFTER INSERT ON issues
BEGIN
    INSERT INTO issues_fts (rowid, text) VALUES (NEW.id, NEW.text);
END;

CREATE TRIGGER issues_fts_delete AFTER DELETE ON issues
BEGIN
    INSERT INTO issues_fts (issues_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);
END;

CREATE TRIGGER issues_fts_update AFTER UPDATE OF text ON issues
BEGIN
    INSERT INTO issues_fts (issues_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);
    INSERT INTO issues_fts (rowid, text) VALUES (NEW.id, NEW.text);
END;

-- The issues already on file.
INSERT INTO issues_fts (issues_fts) VALUES ('rebuild');

-- The desk's table, newest first within what a filter names (a head's grid, an assignee,
-- a department); the rowid at the end of every index breaks ties by number.
CREATE INDEX issues_grid_created ON issues(grid_key, created_at);
CREATE INDEX issues_assignee ON issues(assignee_user_id, created_at)
    WHERE assignee_user_id IS NOT NULL;
CREATE INDEX issues_department ON issues(department, created_at) WHERE department IS NOT NULL;

-- The building map: a grid's unresolved issues by building and unit, read from the index
-- alone (status is in it so that no row of the table is read).
CREATE INDEX issues_open_place ON issues(grid_key, building, unit, due_at, status)
    WHERE status NOT IN ('closed', 'rejected');
