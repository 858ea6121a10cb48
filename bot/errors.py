"""Expected errors are types: a UserError carries a catalog key and becomes a reply."""

from __future__ import annotations

from typing import Any


class UserError(Exception):
    """Something the user did that we refuse, with the catalog key that explains it."""

    def __init__(self, key: str, /, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params
