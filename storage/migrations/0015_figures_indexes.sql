-- fiveheads schema v15: the figures counted in SQL (issue #11: a year of /stats on a
-- district of a million issues took seconds when every issue was read into Python). Each
-- index holds every column its query reads, so a period is one range of index entries and
-- no row of the big issues table is visited. They begin with the column of the index they
-- replace, so whatever read those reads these.

-- Issues reported in a period, per grid and kind, and the roles' items (storage/figures.py).
DROP INDEX issues_created;
CREATE INDEX issues_created_figures ON issues(created_at, grid_key, kind, assignee_role);

-- Issues closed in a period: per grid and kind, verified or not, the spans from report to
-- close per priority, per month.
DROP INDEX issues_closed;
CREATE INDEX issues_closed_figures
    ON issues(closed_at, status, grid_key, kind, priority, verified, created_at)
    WHERE closed_at IS NOT NULL;

-- Households visited and people served in a period, per grid.
DROP INDEX visits_at;
CREATE INDEX visits_at_figures ON visits(at, grid_key, households, people);
