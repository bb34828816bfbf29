"""Watermarks (and resume keys) as the sync state stores them: text plus a type name,
turned back into the Python value of the cursor's kind."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from ..errors import TuiSyncError
from ..i18n import _
from ..timens import parse_timestamp


def encode_watermark(value: Any) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    if isinstance(value, datetime):
        return value.isoformat(sep=" "), "timestamp"
    if isinstance(value, bool):
        raise TuiSyncError(_("a BOOLEAN column cannot be a cursor"))
    if isinstance(value, int):
        return str(value), "integer"
    if isinstance(value, Decimal):
        return str(value), "decimal"
    if isinstance(value, float):
        return repr(value), "float"
    if isinstance(value, str):
        return value, "text"
    if isinstance(value, bytes):  # a RAW key's resume point
        return value.hex(), "binary"
    raise TuiSyncError(f"unsupported cursor value type {type(value).__name__}")


def decode_watermark(text: str | None, kind: str | None) -> Any:
    if text is None or kind is None:
        return None
    if kind == "timestamp":
        return parse_timestamp(text)  # keeps digits 7-9 of a TIMESTAMP(9) watermark
    if kind == "integer":
        return int(text)
    if kind == "decimal":
        return Decimal(text)
    if kind == "float":
        return float(text)
    if kind == "binary":
        return bytes.fromhex(text)
    return text


_ISO_DAY_RE = re.compile(r"\d{4}-\d{2}-\d{2}([ T].*)?")


def iso_time(text: str) -> datetime | None:
    """An ISO date ('2024-01-31', its midnight) or date-time ('2024-01-31 08:00[:00[.f]]',
    'T' or space, an offset allowed) typed by a user; None for anything else. Digits 7-9 of
    a fraction are kept (a TIMESTAMP(9) cursor)."""
    stripped = text.strip()
    if not _ISO_DAY_RE.fullmatch(stripped):
        return None  # fromisoformat also takes '20240131', which reads as a number
    try:
        return parse_timestamp(stripped)
    except (ValueError, OverflowError):
        return None


def parse_watermark_input(text: str, kind: str, current: Any = None) -> Any:
    """A watermark typed by a user (`state set-watermark`), parsed as `kind` (a recorded
    watermark_type); ValueError with what to type instead. A time zone aware `current`
    makes a naive time UTC."""
    if kind == "timestamp":
        value = iso_time(text)
        if value is None:
            raise ValueError(_("give an ISO date or date-time (2024-01-31 or 2024-01-31 08:00:00)"))
        aware = isinstance(current, datetime) and current.tzinfo is not None
        if aware and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        if not aware and value.tzinfo is not None:
            raise ValueError(_("the cursor has no time zone; give the time without an offset"))
        return value
    if kind in ("integer", "decimal", "float"):
        try:
            number = Decimal(text.strip())
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite():
            raise ValueError(_("give a number (like 1200 or 12.5)"))
        if kind == "float":
            return float(number)
        if kind == "integer":
            if number != number.to_integral_value():
                raise ValueError(_("give a whole number"))
            return int(number)
        return number
    if kind == "text":
        return text
    raise ValueError(_("a {kind} watermark cannot be set by hand").format(kind=kind))
