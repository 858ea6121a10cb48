"""fiveheads: the five heads' bot for a neighbourhood grid."""

import os

# Opt into python-telegram-bot's announced switch of durations (retry_after, voice duration)
# from int to timedelta, so the code is written once for it and no deprecation warning fires.
os.environ.setdefault("PTB_TIMEDELTA", "true")
