-- fiveheads schema v16: the roles' figures read from the issues alone (issue #11: a year of
-- /stats on a million issues looked up each of the year's hundred thousand issues in the
-- event log, for its first claim and whether it was ever reopened). Each issue now holds
-- both, kept by triggers on the append-only event log, so a year of roles is one range of
-- one index (storage/figures.py).

-- The first claim or resolution in the issue's event log (the earliest `at` of either), and
-- whether it was ever reopened. Derived from the events, never written by the code.
ALTER TABLE issues ADD COLUMN first_response_at TEXT;
ALTER TABLE issues ADD COLUMN reopened INTEGER NOT NULL DEFAULT 0;

-- An event is only ever inserted (events_no_update, events_no_delete), so following the
-- inserts keeps both columns what the log says. The earliest wins even when an event is
-- logged late with an earlier `at`.
CREATE TRIGGER events_first_response AFTER INSERT ON events
WHEN NEW.type IN ('claim', 'resolve')
BEGIN
    UPDATE issues SET first_response_at = NEW.at
     WHERE id = NEW.issue_id AND (first_response_at IS NULL OR NEW.at < first_response_at);
END;

CREATE TRIGGER events_reopened AFTER INSERT ON events
WHEN NEW.type = 'reopen'
BEGIN
    UPDATE issues SET reopened = 1 WHERE id = NEW.issue_id AND reopened = 0;
END;

-- The issues already on file, from their events (through events_type_at, one pass).
UPDATE issues SET first_response_at = found.first_at
  FROM (SELECT issue_id, MIN(at) AS first_at FROM events
         WHERE type IN ('claim', 'resolve') GROUP BY issue_id) AS found
 WHERE issues.id = found.issue_id;
UPDATE issues SET reopened = 1
 WHERE id IN (SELECT issue_id FROM events WHERE type = 'reopen');

-- The issues a role holds, reported in a period, with every column its figures read: the
-- spans to first response, to resolution and to a verified close, and the reopenings. The
-- role comes first so that each role is one range, read without sorting rows into groups.
CREATE INDEX issues_role_figures
    ON issues(assignee_role, created_at, first_response_at, resolved_at, status, verified,
              closed_at, reopened)
    WHERE assignee_role IS NOT NULL;
