"""Retention: a resident's identity is kept only as long as an issue needs it.

Once an issue has been closed or rejected for ``[residents] keep_identity_days``, nobody
will be asked "fixed?" or hear of it again: the resident's user id, private chat and
messages are removed from it (``storage.retention``), and a resident with nothing left on
file is forgotten. The place, the text, the photos and every figure stay as they were.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.clock import Clock, iso
from bot.config import Config
from storage import retention
from storage.db import Store

log = logging.getLogger(__name__)


class RetentionService:
    def __init__(self, config: Config, store: Store, clock: Clock) -> None:
        self.config = config
        self.store = store
        self.clock = clock

    async def forget_due(self) -> int:
        """One pass (a daily job and the start-up catch-up): the issues that lost their
        reporter's identity."""
        cutoff = iso(self.clock.now() - timedelta(days=self.config.keep_identity_days))
        forgotten = 0
        while batch := await retention.finished_resident_issues(self.store, cutoff):
            people: set[int] = set()
            async with self.store.transaction() as conn:
                for issue_id in batch:
                    user = await retention.forget_reporter_in(conn, issue_id)
                    if user is not None:
                        people.add(user)
                for user in people:
                    await retention.forget_person_in(conn, user, cutoff,
                                                     self.config.coordinators)
            forgotten += len(batch)
        async with self.store.transaction() as conn:
            pruned = await retention.prune_inbox_in(conn, cutoff)
        if pruned:
            log.info("retention: %d processed updates older than the cutoff removed", pruned)
        return forgotten
