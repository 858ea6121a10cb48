-- Urgent work must not wait behind a resident's chatter (a burst of relays once held a fire
-- report's card back for a minute and a half). Each row gets a class, sent lowest first
-- within a chat: 0 urgent cards and pings, 1 other cards, pings and answers, 2 relays and
-- notices. Rows queued before this migration keep the middle class.
ALTER TABLE outbox ADD COLUMN klass INTEGER NOT NULL DEFAULT 1 CHECK (klass BETWEEN 0 AND 2);

-- Set while a relay row may still take more text (a burst of replies becomes one message);
-- cleared when the sender takes the row, so text is never added to a message in flight.
ALTER TABLE outbox ADD COLUMN merge_key TEXT;

-- The sender looks at the oldest pending row of each class of each chat.
DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox(chat_id, klass, id) WHERE status = 'pending';
CREATE INDEX outbox_merge ON outbox(merge_key) WHERE merge_key IS NOT NULL;
