"""Session cookies and CSRF tokens for the desk.

A session is a signed cookie: ``payload.signature``, the payload base64url JSON of the user
id, the expiry and a random nonce, the signature hex HMAC-SHA256 under the desk's key. The
cookie is HttpOnly, SameSite=Lax (Strict would drop it on the first request after a link
sign-in that came from Telegram), and Secure when the desk is served over https. A form's
CSRF token is an HMAC of the session's nonce: a page of another site cannot read it."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass

COOKIE = "desk_session"
LANG_COOKIE = "desk_lang"


@dataclass(frozen=True)
class Session:
    user_id: int
    expires: int  # unix seconds
    nonce: str
    language: str


def _sign(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()


def make_cookie(key: bytes, user_id: int, expires: int, language: str) -> tuple[str, Session]:
    session = Session(user_id, expires, secrets.token_hex(16), language)
    body = json.dumps({"u": user_id, "e": expires, "n": session.nonce, "l": language},
                      separators=(",", ":"))
    payload = base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")
    return f"{payload}.{_sign(key, 'session:' + payload)}", session


def read_cookie(key: bytes, value: str | None, now: float) -> Session | None:
    """The session a cookie carries, or None when it is missing, forged or expired."""
    if not value or value.count(".") != 1:
        return None
    payload, signature = value.split(".")
    if not hmac.compare_digest(_sign(key, "session:" + payload), signature):
        return None
    try:
        body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        session = Session(int(body["u"]), int(body["e"]), str(body["n"]), str(body["l"]))
    except (ValueError, KeyError, TypeError, binascii.Error):
        return None
    return session if session.expires > now else None


def csrf_token(key: bytes, session: Session) -> str:
    return _sign(key, "csrf:" + session.nonce)


def csrf_ok(key: bytes, session: Session, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(csrf_token(key, session), given or "")
