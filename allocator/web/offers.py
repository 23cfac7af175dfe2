"""An alternative offered to a PIC, as a signed link (`/p/offer/{token}`): what was offered travels in the link (time,
participant cap, with or without an operator), so accepting it accepts exactly that, whatever the plan says by
then. HS256 under the web secret with its own audience, so it is neither a PIC page link nor an API token."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import jwt

from allocator.planner.domain import Alternative, Request, ServiceType
from allocator.web.auth import ALGORITHM, pic_expiry
from allocator.web.settings import WebSettings

OFFER_AUDIENCE = "vicon-offer"


def offer_token(settings: WebSettings, r: Request, a: Alternative, *, now: datetime | None = None) -> str:
    """The signed link that accepts one alternative: what was offered travels in it, so the acceptance is of
    exactly that (time, participant cap, with or without an operator), whatever the plan says by then. Signed at
    the machine's time (a token issued "in the future" is refused), valid as long as the PIC's own link."""
    now = datetime.now(UTC) if now is None else min(now, datetime.now(UTC))
    claims = {"aud": OFFER_AUDIENCE, "ref": r.ref, "kind": a.kind, "start": a.start.isoformat(),
              "end": a.end.isoformat(), "participants": a.participants, "operator": bool(a.operators),
              "iat": int(now.timestamp()), "exp": int(pic_expiry(settings, r.end, now).timestamp())}  # fmt: skip
    return jwt.encode(claims, settings.secret, algorithm=ALGORITHM)


@dataclass(frozen=True)
class Offer:
    """An offered alternative as read back from its signed link."""

    ref: str
    kind: str
    start: datetime
    end: datetime
    participants: int
    operator: bool


def decode_offer(settings: WebSettings, token: str) -> Offer:
    """The offer a link carries; `jwt.InvalidTokenError` (expired included) when it is not one of ours."""
    c = jwt.decode(token, settings.secret, algorithms=[ALGORITHM], audience=OFFER_AUDIENCE,
                   options={"require": ["exp", "iat", "aud", "ref", "start", "end", "participants"]})  # fmt: skip
    try:
        return Offer(str(c["ref"]), str(c.get("kind", "other_time")), datetime.fromisoformat(c["start"]),
                     datetime.fromisoformat(c["end"]), int(c["participants"]), bool(c.get("operator")))  # fmt: skip
    except (TypeError, ValueError) as exc:
        raise jwt.InvalidTokenError("offer") from exc


def accepted_request(r: Request, o: Offer) -> Request:
    """The request as the PIC accepted the alternative: its time (a fixed one now), at most the offered
    participants, and without an operator when the offer had none."""
    update: dict[str, object] = {"start": o.start, "end": o.end, "window_start": None, "window_end": None,
                                 "participants": min(r.participants, o.participants)}  # fmt: skip
    if not o.operator and r.operator_count > 0:
        update["service"] = ServiceType.LINK
    return Request.model_validate({**r.model_dump(), **update})
