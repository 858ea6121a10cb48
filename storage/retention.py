"""Forgetting residents: what identifies a resident on an issue that ended long ago.

A private chat's id is the resident's user id, so the chat ids of their messages identify
them as much as ``reporter_user_id`` does: both go. What the figures count (kind, status,
dates, decisions, who among the heads acted) stays as it was.
"""

from __future__ import annotations

import aiosqlite

from storage.db import Store


async def finished_resident_issues(store: Store, cutoff: str, limit: int = 500) -> list[int]:
    """Resident reports closed or rejected before ``cutoff`` that still name their reporter."""
    rows = await store.fetchall(
        """SELECT id FROM issues
           WHERE reporter_kind = 'resident' AND reporter_user_id IS NOT NULL
             AND status IN ('closed', 'rejected') AND COALESCE(closed_at, updated_at) < ?
           ORDER BY id LIMIT ?""",
        (cutoff, limit),
    )
    return [int(r["id"]) for r in rows]


async def forget_reporter_in(conn: aiosqlite.Connection, issue_id: int) -> int | None:
    """Remove the resident's identity from one issue; answers whose it was (None: nobody's)."""
    async with conn.execute(
        "SELECT reporter_user_id FROM issues WHERE id = ? AND reporter_kind = 'resident'",
        (issue_id,),
    ) as cur:
        row = await cur.fetchone()
    if row is None or row[0] is None:
        return None
    user = int(row[0])
    await conn.execute(
        """UPDATE issues SET reporter_user_id = NULL, reporter_name = NULL,
               source_chat_id = NULL, source_message_id = NULL
           WHERE id = ?""",
        (issue_id,),
    )
    await conn.execute(
        "DELETE FROM issue_messages WHERE issue_id = ? AND chat_id = ?", (issue_id, user)
    )
    await conn.execute(
        "UPDATE events SET actor_user_id = NULL WHERE issue_id = ? AND actor_user_id = ?",
        (issue_id, user),
    )
    await conn.execute(
        "UPDATE events SET chat_id = NULL, message_id = NULL WHERE issue_id = ? AND chat_id = ?",
        (issue_id, user),
    )
    await conn.execute(
        """UPDATE events SET data = json_remove(data, '$.author')
           WHERE issue_id = ? AND json_extract(data, '$.author') = ?""",
        (issue_id, user),
    )
    await conn.execute(
        "DELETE FROM followers WHERE user_id = ? AND issue_id IN (?, "
        "(SELECT original_id FROM duplicates WHERE issue_id = ?))",
        (user, issue_id, issue_id),
    )
    # What was said to the resident about it; anything still waiting to go is left alone.
    await conn.execute(
        "DELETE FROM outbox WHERE issue_id = ? AND chat_id = ? AND status <> 'pending'",
        (issue_id, user),
    )
    return user


async def forget_person_in(
    conn: aiosqlite.Connection, user_id: int, cutoff: str, coordinators: tuple[int, ...]
) -> bool:
    """Forget a resident altogether (name, language, saved conversation) once nothing on
    file names them (no issue, no follow, no role) and they have not been seen since the
    cutoff (so no draft is in progress). Heads and coordinators are kept."""
    if user_id in coordinators:
        return False
    async with conn.execute(
        """SELECT EXISTS (SELECT 1 FROM issues WHERE reporter_user_id = :u)
               OR EXISTS (SELECT 1 FROM followers WHERE user_id = :u)
               OR EXISTS (SELECT 1 FROM roles WHERE user_id = :u)
               OR EXISTS (SELECT 1 FROM persons WHERE user_id = :u AND updated_at >= :cutoff)""",
        {"u": user_id, "cutoff": cutoff},
    ) as cur:
        row = await cur.fetchone()
    if row is None or row[0]:
        return False
    await conn.execute("DELETE FROM persons WHERE user_id = ?", (user_id,))
    await conn.execute("DELETE FROM ptb_state WHERE kind = 'user' AND key = ?", (str(user_id),))
    await conn.execute(
        """DELETE FROM ptb_state WHERE kind LIKE 'conversation:%'
             AND EXISTS (SELECT 1 FROM json_each(ptb_state.key) WHERE value = ?)""",
        (user_id,),
    )
    return True


async def prune_inbox_in(conn: aiosqlite.Connection, cutoff: str) -> int:
    """Raw updates carry every sender's name and id: processed ones older than the cutoff
    have done their work (a redelivery that old is long past)."""
    # The newest row stays whatever its age: the next getUpdates offset is read from it.
    cur = await conn.execute(
        """DELETE FROM inbox WHERE processed_at IS NOT NULL AND received_at < ?
             AND update_id < (SELECT MAX(update_id) FROM inbox)""",
        (cutoff,),
    )
    return cur.rowcount
