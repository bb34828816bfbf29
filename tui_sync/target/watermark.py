"""Watermarks (and resume keys) as the sync state stores them: text plus a type name,
turned back into the Python value of the cursor's kind."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ..errors import TuiSyncError
from ..timens import parse_timestamp


def encode_watermark(value: Any) -> tuple[str | None, str | None]:
    if value is None:
        return None, None
    if isinstance(value, datetime):
        return value.isoformat(sep=" "), "timestamp"
    if isinstance(value, bool):
        raise TuiSyncError("a BOOLEAN column cannot be a cursor")
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
