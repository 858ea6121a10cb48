-- fiveheads schema v11: retention (issue #10). The event log stays append-only, with one
-- exception: an identity may be blanked (who acted, from which chat and message, and the
-- "author" of a report), so a resident is forgotten once an issue has long ended. Nothing
-- else of an event may change, and none may be deleted.
DROP TRIGGER events_no_update;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN NOT (
    NEW.id = OLD.id AND NEW.issue_id = OLD.issue_id AND NEW.at = OLD.at
    AND NEW.type = OLD.type AND NEW.from_status IS OLD.from_status
    AND NEW.to_status IS OLD.to_status
    AND (NEW.actor_user_id IS OLD.actor_user_id OR NEW.actor_user_id IS NULL)
    AND (NEW.chat_id IS OLD.chat_id OR NEW.chat_id IS NULL)
    AND (NEW.message_id IS OLD.message_id OR NEW.message_id IS NULL)
    AND (NEW.data = OLD.data OR NEW.data = json_remove(OLD.data, '$.author'))
)
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
