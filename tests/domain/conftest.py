"""Shows the text reader's accuracy figures at the end of every run, ``-q`` included.

``test_reading_corpus`` records its table with ``record_property("reading_summary", …)``;
the figures matter when the reader changes, so they should not need ``-s`` to be seen.
"""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    for reports in terminalreporter.stats.values():
        for report in reports:
            for name, value in getattr(report, "user_properties", ()):
                if name == "reading_summary" and getattr(report, "when", "") == "call":
                    terminalreporter.write_sep("-", "text reader")
                    terminalreporter.write_line(str(value))
