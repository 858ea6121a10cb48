-- fiveheads schema v13: the coordinators' desk (issue #12). Sign-in links that /desk hands
-- out (only a hash of each token is kept: a copy of the database cannot sign anyone in),
-- Mini App sign-ins already used (their hash, so a replayed initData is refused), and the
-- secret that signs the desk's session cookies.
CREATE TABLE web_logins (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE TABLE web_initdata_used (
    hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL,
    used_at TEXT NOT NULL
);
CREATE INDEX web_initdata_used_at ON web_initdata_used (used_at);
CREATE TABLE web_secret (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    secret TEXT NOT NULL
);
