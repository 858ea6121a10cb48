"""Items nobody claims must not wait for the meeting (SPEC §4): past its acknowledge window
an unclaimed item climbs to the next head up the chain, once per step, with a mention in
the group and a private nudge. Checked every minute and once at start-up."""

from __future__ import annotations

from datetime import datetime

from bot.clock import iso
from bot.domain.issue import Assignee, Issue, climbed
from bot.domain.routing import escalate
from bot.services.base import IssueWork
from bot.services.messages import say_in
from bot.views import alerts
from storage import escalations, issues, outbox


class EscalationService(IssueWork):
    """Unclaimed items climb the chain once per step when their acknowledge window passes."""

    async def escalate_due(self, now: datetime | None = None) -> int:
        moment = now or self.clock.now()
        done = 0
        for row in await escalations.unclaimed_due(self.store, iso(moment)):
            done += await self._climb(row, moment)
        return done

    async def _climb(self, row: Issue, now: datetime) -> int:
        heads = await self.roster.heads(row.grid_key)
        current = next((h for h in heads if h.user_id == row.assignee_user_id), None)
        place = row.place if row.place.building else None
        higher = escalate(current, row.wanted_role, place, heads)
        stamp = iso(now)
        async with self.store.transaction() as conn:
            fresh = await issues.get_in(conn, row.id)
            # Claimed or changed since the query: nothing to do.
            if fresh is None or fresh.ack_due_at != row.ack_due_at:
                return 0
            step = await escalations.next_step_in(conn, row.id)
            if not await escalations.record_in(
                conn, row.id, step, stamp, row.assignee_user_id,
                higher.user_id if higher else None,
            ):
                return 0
            after, event = climbed(fresh, now, step,
                                   Assignee(higher.user_id, higher.role) if higher else None)
            await issues.save_in(conn, fresh, after)
            await issues.record_in(conn, row.id, stamp, event)
            if row.card_chat_id is None:
                return 1
            await outbox.enqueue_card(conn, row.id, row.card_chat_id, stamp)
            if higher is not None:
                await say_in(
                    conn, stamp, row.card_chat_id,
                    alerts.climbed(self.config.language, row, higher), html=True,
                    dedup_key=f"escalated:{row.id}:{step}",
                    reply_to=row.card_message_id, thread_id=row.card_thread_id,
                    issue_id=row.id, klass=await outbox.issue_class_in(conn, row.id),
                )
                await self.issues.ping_in(conn, row.id, higher, stamp, f"escalated:{step}")
        return 1
