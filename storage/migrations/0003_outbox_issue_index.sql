-- Finding an issue's card request (every album photo, every start-up sweep) must not scan
-- the whole outbox, which grows with every message ever sent.
CREATE INDEX outbox_issue ON outbox(issue_id, kind) WHERE issue_id IS NOT NULL;
