-- fiveheads schema v14: the indexes a district needs (issue #11: 1,000 grids and a million
-- issues, measured by `fiveheads bench --only scale`). Each was found with EXPLAIN QUERY
-- PLAN on the generated database; without it the query named scans a big table.

-- An issue's events of one type: the figures read each issue's first claim or resolution
-- and whether it was ever reopened (storage/figures.py). Without this index SQLite took
-- events_type_at and read every claim of every issue once per issue: a year of /stats on a
-- million issues never finished.
CREATE INDEX events_issue_type ON events(issue_id, type, at);

-- The items a meeting reviews: a grid's items closed since the last meeting
-- (storage/meetings.py closed_between), without reading every item the grid ever closed.
CREATE INDEX issues_grid_closed ON issues(grid_key, closed_at) WHERE closed_at IS NOT NULL;

-- Start-up looks for issues whose card was never asked for (an album cut short by a crash):
-- a handful at most, found without scanning every issue.
CREATE INDEX issues_without_card ON issues(id)
    WHERE card_message_id IS NULL AND card_chat_id IS NOT NULL;

-- Retention looks, every day and at start-up, for ended residents' reports that still name
-- their reporter: only those rows, not the whole table.
CREATE INDEX issues_resident_named ON issues(id)
    WHERE reporter_kind = 'resident' AND reporter_user_id IS NOT NULL;

-- The agendas posted on a date (start-up and every meeting tick): one index lookup, not a
-- pass over every grid's year of meetings.
CREATE INDEX meetings_date ON meetings(meeting_date);
