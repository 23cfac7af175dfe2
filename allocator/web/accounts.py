"""Password sign-in for admins and operators: argon2id hashes (pwdlib), a password rule, throttling of failed
sign-ins, the session a sign-in opens, and the CSRF token every signed-in form carries.

A session is the same signed JWT the API takes (`auth.issue_token`), with `sv`, the user's session number: a
password change, a reset or disabling the user bumps it in the store, which ends every older session at once."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from allocator.store.repo import Store
from allocator.store.users import UserAccount, get_user, note_sign_in, set_password
from allocator.web.auth import issue_token
from allocator.web.limits import RateLimiter
from allocator.web.settings import WebSettings

_hasher = PasswordHash((Argon2Hasher(),))
MIN_PASSWORD, MAX_PASSWORD = 10, 256  # the upper bound keeps a sign-in from being a hashing denial of service
#: Failed sign-ins allowed per user name and per client address in `THROTTLE_WINDOW_S`, then 429 until it passes.
FAILURES_PER_NAME, FAILURES_PER_ADDRESS, THROTTLE_WINDOW_S = 5, 20, 15 * 60.0
#: Verified when the user name is unknown, so an unknown name takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-password-of-anyone")


class PasswordRejected(ValueError):
    """The new password breaks the rule; `key` is the page text that says which rule."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_new_password(name: str, password: str, repeat: str | None = None) -> None:
    """At least 10 characters, at most 256, not the user name, typed the same twice (`PasswordRejected`)."""
    if repeat is not None and password != repeat:
        raise PasswordRejected("pw_repeat")
    if len(password) < MIN_PASSWORD:
        raise PasswordRejected("pw_short")
    if len(password) > MAX_PASSWORD:
        raise PasswordRejected("pw_long")
    if password.strip().lower() == name.strip().lower():
        raise PasswordRejected("pw_name")


def verify(store: Store, name: str, password: str) -> UserAccount | None:
    """The active user whose password this is, else None (the same work either way). A hash made with weaker
    settings than today's is replaced on the way."""
    user = get_user(store, name) if 0 < len(name) <= 64 else None
    if user is None or not user.active or len(password) > MAX_PASSWORD:
        _hasher.verify(password[:MAX_PASSWORD], _DUMMY_HASH)
        return None
    ok, new_hash = _hasher.verify_and_update(password, user.password_hash)
    if not ok:
        return None
    if new_hash is not None:
        user = set_password(store, user.name, new_hash, actor="system:rehash")
    note_sign_in(store, user.name)
    return user


def session_token(settings: WebSettings, user: UserAccount) -> str:
    if user.role == "unit":  # its `operator` column names the unit's trained operator
        return issue_token(settings, role="unit", name=user.name, session=user.session, unit_operator=user.operator)
    return issue_token(settings, role=user.role, name=user.name, operator=user.operator, session=user.session)


def csrf_token(settings: WebSettings, session_cookie: str) -> str:
    """The token a signed-in form carries: bound to this session's cookie, so another site cannot know it."""
    mac = hmac.new(settings.secret.encode(), b"csrf\x00" + session_cookie.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def csrf_ok(settings: WebSettings, session_cookie: str, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(csrf_token(settings, session_cookie), sent or "")


@dataclass
class LoginThrottle:
    """Failed sign-ins counted per user name and per client address in a sliding window (this process's memory);
    once either is over its limit, sign-ins from there are refused until the window passes."""

    by_name: RateLimiter
    by_address: RateLimiter

    @classmethod
    def default(cls) -> LoginThrottle:
        return cls(RateLimiter(FAILURES_PER_NAME, window_s=THROTTLE_WINDOW_S),
                   RateLimiter(FAILURES_PER_ADDRESS, window_s=THROTTLE_WINDOW_S))  # fmt: skip

    def wait(self, name: str, address: str) -> float:
        """Seconds until a sign-in may be tried again (0: now)."""
        return max(self.by_name.wait(name.strip().lower()), self.by_address.wait(address))

    def failed(self, name: str, address: str) -> None:
        self.by_name.hit(name.strip().lower())
        self.by_address.hit(address)
