"""Who may do what: signed bearer tokens for admins and operators, signed expiring links for PICs.

Both are HS256 JWTs under `WebSettings.secret`, told apart by their audience, so a PIC link is never accepted
as a bearer token and a bearer token never opens a PIC page.

- access token (`aud` = "vicon-api"): `sub` (a name), `role` (admin | operator), `op` (operator id, for
  operators), `iat`, `exp`. Sent as `Authorization: Bearer …`, or for the pages as the HttpOnly cookie set by
  `/login`; a password sign-in's token also carries `sv`, the user's session number (`accounts.session_valid`).
- a unit's session (`role` = "unit", `uo` = the unit's trained operator it belongs to): opens only the start-link
  pages (`/start`, allocator/web/start_pages.py); every other page and the API refuse it (`decode_token` takes it
  only when asked with `unit_ok=True`).
- PIC link token (`aud` = "vicon-pic"): `ref` (the one request it opens), `iat`, `exp`. Lives in the path,
  `/p/{token}`; the access log redacts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import jwt
from fastapi import Depends, HTTPException, Request, status

from allocator.store.repo import Store
from allocator.store.users import get_user
from allocator.web.settings import WebSettings

ALGORITHM = "HS256"
ACCESS_AUDIENCE = "vicon-api"
PIC_AUDIENCE = "vicon-pic"
COOKIE_NAME = "vicon_token"
Role = Literal["admin", "operator", "unit"]
#: The roles of API tokens and staff sessions; a unit's session ("unit") is a password sign-in only.
ROLES: tuple[Role, ...] = ("admin", "operator")
UNIT: Role = "unit"


class TokenError(Exception):
    """The token is not ours, expired, or lacks what it must carry."""


@dataclass(frozen=True)
class Principal:
    name: str
    role: Role
    operator: str | None = None
    session: int | None = None  # a password sign-in's session number (`accounts.session_valid`); None: API token
    unit_operator: str | None = None  # role "unit": the unit's trained operator (`UnitOperator.id`) signed in

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def actor(self) -> str:
        return f"{self.role}:{self.name}"


def _now() -> datetime:
    return datetime.now(UTC)


def issue_token(
    settings: WebSettings,
    *,
    role: str,
    name: str,
    operator: str | None = None,
    hours: float | None = None,
    now: datetime | None = None,
    session: int | None = None,
    unit_operator: str | None = None,
) -> str:
    if role not in ROLES and role != UNIT:
        raise ValueError(f"role: must be one of {', '.join(ROLES)}")
    if (role == UNIT) != bool(unit_operator) or (role == UNIT and session is None):
        raise ValueError("unit_operator: a unit's session (and only it) names its unit operator, and is a sign-in")
    if not name.strip():
        raise ValueError("name: must not be empty")
    if role == "operator" and not operator:
        raise ValueError("operator: an operator token needs the operator's id (--operator OP01)")
    if role == "admin" and operator:
        raise ValueError("operator: only operator tokens carry an operator id")
    issued = now or _now()
    life = timedelta(hours=settings.token_hours if hours is None else hours)
    if life <= timedelta(0):
        raise ValueError("hours: must be positive")
    claims: dict[str, Any] = {
        "sub": name.strip(),
        "role": role,
        "aud": ACCESS_AUDIENCE,
        "iat": int(issued.timestamp()),
        "exp": int((issued + life).timestamp()),
    }
    if operator:
        claims["op"] = operator
    if session is not None:
        claims["sv"] = session
    if unit_operator:
        claims["uo"] = unit_operator
    return jwt.encode(claims, settings.secret, algorithm=ALGORITHM)


def decode_token(settings: WebSettings, token: str, *, unit_ok: bool = False) -> Principal:
    """The token's principal; a unit's session only when `unit_ok` (the start-link pages), else `TokenError`."""
    try:
        claims = jwt.decode(
            token,
            settings.secret,
            algorithms=[ALGORITHM],
            audience=ACCESS_AUDIENCE,
            options={"require": ["exp", "iat", "sub", "aud"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("token expired") from None
    except jwt.InvalidTokenError as exc:
        raise TokenError(f"invalid token ({type(exc).__name__})") from None
    role, name, op = claims.get("role"), claims.get("sub"), claims.get("op")
    if role == UNIT and isinstance(name, str):
        uo, sv = claims.get("uo"), claims.get("sv")
        if not isinstance(uo, str) or not uo or not isinstance(sv, int) or isinstance(sv, bool):
            raise TokenError("invalid token (unit session)")
        if not unit_ok:
            raise TokenError("a unit's session opens only its start-link pages (/start)")
        return Principal(name=name, role=UNIT, session=sv, unit_operator=uo)
    if role not in ROLES or not isinstance(name, str):
        raise TokenError("invalid token (role)")
    if role == "operator" and not isinstance(op, str):
        raise TokenError("invalid token (operator token without an operator id)")
    sv = claims.get("sv")
    if sv is not None and (not isinstance(sv, int) or isinstance(sv, bool)):
        raise TokenError("invalid token (session)")
    return Principal(name=name, role=role, operator=op if role == "operator" else None, session=sv)


def issue_pic_token(settings: WebSettings, ref: str, *, expires: datetime, now: datetime | None = None) -> str:
    issued = now or _now()
    claims = {"ref": ref, "aud": PIC_AUDIENCE, "iat": int(issued.timestamp()), "exp": int(expires.timestamp())}
    return jwt.encode(claims, settings.secret, algorithm=ALGORITHM)


def pic_expiry(settings: WebSettings, request_end: datetime, now: datetime | None = None) -> datetime:
    """Valid until `pic_link_days_after` days after the meeting ends (at least that long from now)."""
    base = max(request_end, now or _now())
    return base + timedelta(days=settings.pic_link_days_after)


def pic_url(settings: WebSettings, ref: str, request_end: datetime, now: datetime | None = None) -> str:
    token = issue_pic_token(settings, ref, expires=pic_expiry(settings, request_end, now), now=now)
    return f"{settings.base_url}/p/{token}"


def decode_pic_token(settings: WebSettings, token: str) -> str:
    """The request ref the link opens; `TokenError` if forged, expired or not a PIC link."""
    try:
        claims = jwt.decode(
            token,
            settings.secret,
            algorithms=[ALGORITHM],
            audience=PIC_AUDIENCE,
            options={"require": ["exp", "iat", "aud", "ref"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("link expired") from None
    except jwt.InvalidTokenError as exc:
        raise TokenError(f"invalid link ({type(exc).__name__})") from None
    ref = claims.get("ref")
    if not isinstance(ref, str) or not ref:
        raise TokenError("invalid link (ref)")
    return ref


def session_valid(store: Store, who: Principal) -> bool:
    """A password session is valid while its user is active, in the same role, and signed in since the last
    password change (API tokens carry no session number and are checked by their signature and expiry alone)."""
    if who.session is None:
        return True
    user = get_user(store, who.name)
    return (
        user is not None
        and user.active
        and user.session == who.session
        and user.role == who.role
        and user.operator == (who.unit_operator if who.role == UNIT else who.operator)
    )


# --- FastAPI dependencies ---------------------------------------------------------------------------


def get_settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "use 'Authorization: Bearer <token>'",
                                headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
        return value.strip()
    return request.cookies.get(COOKIE_NAME) or None


def optional_principal(request: Request) -> Principal | None:
    """The caller if a valid token came with the request, None if none came; 401 for a bad one."""
    token = _bearer(request)
    if token is None:
        return None
    try:
        who = decode_token(get_settings(request), token)
        if not session_valid(request.app.state.store, who):
            raise TokenError("session ended (signed out, password changed or user disabled)")
    except TokenError as exc:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED, str(exc), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
        ) from None
    return who


def require_staff(principal: Annotated[Principal | None, Depends(optional_principal)]) -> Principal:
    """An admin or an operator."""
    if principal is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "a bearer token is needed",
                            headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
    return principal


def require_admin(principal: Annotated[Principal, Depends(require_staff)]) -> Principal:
    if not principal.is_admin:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "admin role needed")
    return principal


Staff = Annotated[Principal, Depends(require_staff)]
Admin = Annotated[Principal, Depends(require_admin)]
MaybePrincipal = Annotated[Principal | None, Depends(optional_principal)]
