"""The fake's inline view of literals: `FROM (SELECT <literal> AS "X", ... FROM DUAL)`.

Used by the doctor's type probe. Each literal is evaluated the way Oracle stores
it (CAST rounds to the scale and refuses too many digits with ORA-01438, CHAR/NCHAR
pad with blanks, TIMESTAMP(n) keeps n fractional digits, TIMESTAMP WITH TIME ZONE
keeps the instant, types newer than the server version are ORA-00902/00904) into a
one-row FakeTable; the fake's normal evaluator and fetch conversion then read it,
so the probe goes through the same driver model as every other read. Storage
follows FakeTable's conventions; a TIMESTAMP(7-9) value outside the int64
nanosecond range (years after 2262) is stored with microseconds, like every
value the driver itself can return (it keeps microseconds only).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any
from zoneinfo import ZoneInfo

import pyarrow as pa

_counter = [0]


def _matching_paren(text: str, start: int) -> int:
    depth, quote = 0, None
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
    raise ValueError("unbalanced parentheses")


def replace_inline_dual(driver: Any, sql: str) -> str:
    """Turn an inline view of literals FROM DUAL into a one-row fake table."""
    from tests.oracle_fake import FakeTable, _split_alias, _split_top

    m = re.search(r"FROM \(SELECT ", sql)
    if not m:
        return sql
    start = m.start() + len("FROM ")
    end = _matching_paren(sql, start)
    inner = sql[start + 1:end]
    body = re.fullmatch(r"SELECT (?P<items>.*)\s+FROM DUAL\s*", inner, re.S)
    if not body:
        from tests.oracle_fake import ora_error

        raise ora_error("ORA-00900: the fake only knows inline views of literals FROM DUAL", 900)
    major = int(driver.version.split(".")[0])
    columns, arrays = [], {}
    for item in _split_top(body.group("items"), r","):
        expr, alias = _split_alias(item.strip())
        col, arr = literal(expr, alias, major)
        columns.append(col)
        arrays[alias] = arr
    _counter[0] += 1
    name = f"DUAL#INLINE{_counter[0]}"
    driver.add(FakeTable("SYS", name, columns, pa.table(arrays), num_rows=1))
    return sql[:start] + f'"SYS"."{name}"' + sql[end + 1:]


def _unistr(text: str) -> str:
    return re.sub(r"\\([0-9A-Fa-f]{4})", lambda m: chr(int(m.group(1), 16)), text)


def _text(expr: str) -> str | None:
    m = re.fullmatch(r"'((?:[^']|'')*)'", expr.strip())
    if m:
        return m.group(1).replace("''", "'")
    m = re.fullmatch(r"UNISTR\('((?:[^']|'')*)'\)", expr.strip())
    if m:
        return _unistr(m.group(1))
    return None


def _ts(text: str) -> tuple[datetime, int]:
    """'YYYY-MM-DD HH24:MI:SS[.FF]' -> (datetime without fraction, nanoseconds)."""
    m = re.fullmatch(r"(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?", text.strip())
    if not m:
        raise _err("ORA-01830: date format picture ends before converting entire input string", 1830)
    frac = (m.group(2) or "").ljust(9, "0")
    return datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S"), int(frac or 0)


def _err(message: str, code: int) -> Exception:
    from tests.oracle_fake import ora_error

    return ora_error(message, code)


def _needs(major: int, first: int, what: str) -> None:
    if major < first:
        raise _err(f"ORA-00902: invalid datatype ({what} needs Oracle {first})", 902)


def _number(text: str, p: int | None, s: int | None) -> Decimal:
    value = Decimal(text)
    if s is not None:
        with localcontext() as ctx:
            ctx.prec = 80  # NUMBER holds 38 digits; Python's default context only 28
            value = value.quantize(Decimal(1).scaleb(-s), rounding=ROUND_HALF_UP)
    digits = len(value.as_tuple().digits) - max(-value.as_tuple().exponent, 0)
    if digits > (p or 38) - (s or 0) and value != 0:
        raise _err("ORA-01438: value larger than specified precision allowed for this column", 1438)
    return value


def literal(expr: str, name: str, major: int) -> tuple[Any, pa.Array]:
    """(FakeColumn, one-value Arrow array) of a literal expression."""
    from tests.oracle_fake import FakeColumn

    e = expr.strip()
    m = re.fullmatch(r"CAST\((-?[\d.]+(?:E[+-]?\d+)?) AS (NUMBER|INTEGER|FLOAT|BINARY_FLOAT|BINARY_DOUBLE)"
                     r"(?:\((\*|\d+)(?:,\s*(\d+))?\))?\)", e)
    if m:
        num, t, p_text, s_text = m.groups()
        if t == "BINARY_FLOAT":
            return FakeColumn(name, t), pa.array([float(num)], pa.float32())
        if t == "BINARY_DOUBLE":
            return FakeColumn(name, t), pa.array([float(num)], pa.float64())
        if t == "FLOAT":
            return FakeColumn(name, "FLOAT", int(p_text or 126)), pa.array([float(num)], pa.float64())
        p = None if t == "INTEGER" or p_text in (None, "*") else int(p_text)
        s = 0 if t == "INTEGER" or (p_text and p_text != "*" and s_text is None) else (
            int(s_text) if s_text else None)
        value = _number(num, p, s)
        if s == 0 and (p or 38) <= 18:
            return FakeColumn(name, "NUMBER", p, 0), pa.array([int(value)], pa.int64())
        return FakeColumn(name, "NUMBER", p, s), pa.array([value], pa.decimal128(38, s or 0))
    m = re.fullmatch(r"TO_BINARY_DOUBLE\('(-?[\d.]+(?:E[+-]?\d+)?)'\)", e)
    if m:
        return FakeColumn(name, "BINARY_DOUBLE"), pa.array([float(m.group(1))], pa.float64())
    m = re.fullmatch(r"TO_DATE\('([^']*)', 'YYYY-MM-DD HH24:MI:SS'\)", e)
    if m:
        when, _ = _ts(m.group(1))
        return FakeColumn(name, "DATE"), pa.array([when], pa.timestamp("us"))
    m = re.fullmatch(r"CAST\(TO_TIMESTAMP\('([^']*)', 'YYYY-MM-DD HH24:MI:SS\.FF9'\) AS TIMESTAMP\((\d)\)\)", e)
    if m:
        when, nanos = _ts(m.group(1))
        n = int(m.group(2))
        step = 10 ** (9 - n)
        nanos = (nanos + step // 2) // step * step  # CAST rounds to n digits
        col = FakeColumn(name, f"TIMESTAMP({n})", scale=n)
        if n > 6 and when.year <= 2262:
            ns = int((when - datetime(1970, 1, 1)).total_seconds()) * 1_000_000_000 + nanos
            return col, pa.array([ns], pa.int64()).cast(pa.timestamp("ns"))
        return col, pa.array([when + timedelta(microseconds=nanos // 1000)], pa.timestamp("us"))
    m = re.fullmatch(r"CAST\(TO_TIMESTAMP_TZ\('([^']*)', '([^']*)'\) AS TIMESTAMP\((\d)\) WITH TIME ZONE\)", e)
    if m:
        text, fmt, n = m.group(1), m.group(2), int(m.group(3))
        if fmt.endswith("TZH:TZM"):
            body, offset = text.rsplit(" ", 1)
            when, nanos = _ts(body)
            sign = -1 if offset.startswith("-") else 1
            hh, mm = offset.lstrip("+-").split(":")
            utc = when - sign * timedelta(hours=int(hh), minutes=int(mm))
        elif fmt.endswith("TZR"):
            body, region = text.rsplit(" ", 1)
            when, nanos = _ts(body)
            utc = when.replace(tzinfo=ZoneInfo(region)).astimezone(UTC).replace(tzinfo=None)
        else:
            raise _err("ORA-01821: date format not recognized (fake)", 1821)
        col = FakeColumn(name, f"TIMESTAMP({n}) WITH TIME ZONE", scale=n)
        return col, pa.array([utc + timedelta(microseconds=nanos // 1000)], pa.timestamp("us", tz="UTC"))
    m = re.fullmatch(r"CAST\(TO_DSINTERVAL\('(-?)(\d+) (\d+):(\d+):(\d+(?:\.\d+)?)'\) AS "
                     r"INTERVAL DAY\((\d)\) TO SECOND\((\d)\)\)", e)
    if m:
        sign, d, h, mi, sec, dp, sp = m.groups()
        us = ((int(d) * 86400 + int(h) * 3600 + int(mi) * 60) * 1_000_000
              + int(Decimal(sec) * 1_000_000))
        us = -us if sign else us
        col = FakeColumn(name, f"INTERVAL DAY({dp}) TO SECOND({sp})", int(dp), int(sp))
        return col, pa.array([us], pa.int64()).cast(pa.duration("us"))
    m = re.fullmatch(r"CAST\(TO_YMINTERVAL\('(-?)(\d+)-(\d+)'\) AS INTERVAL YEAR\((\d)\) TO MONTH\)", e)
    if m:
        sign, y, mo, yp = m.groups()
        months = int(y) * 12 + int(mo)
        col = FakeColumn(name, f"INTERVAL YEAR({yp}) TO MONTH", int(yp), 0)
        return col, pa.array([-months if sign else months], pa.int64())
    m = re.fullmatch(r"CAST\((.+) AS (N?CHAR|VARCHAR2)\((\d+)\)\)", e)
    if m and _text(m.group(1)) is not None:
        text, t, n = _text(m.group(1)), m.group(2), int(m.group(3))
        value = text.ljust(n) if t in ("CHAR", "NCHAR") else text  # blank-padded types pad
        return FakeColumn(name, t, char_length=n, data_length=n), pa.array([value], pa.large_string())
    if e == "EMPTY_CLOB()":
        return FakeColumn(name, "CLOB"), pa.array([""], pa.large_string())  # empty, not NULL
    m = re.fullmatch(r"TO_(N?CLOB)\((.+)\)", e)
    if m and _text(m.group(2)) is not None:
        return FakeColumn(name, m.group(1)), pa.array([_text(m.group(2))], pa.large_string())
    m = re.fullmatch(r"HEXTORAW\('([0-9A-Fa-f]*)'\)", e)
    if m:
        raw = bytes.fromhex(m.group(1))
        return FakeColumn(name, "RAW", data_length=len(raw)), pa.array([raw], pa.large_binary())
    m = re.fullmatch(r"TO_BLOB\(HEXTORAW\('([0-9A-Fa-f]*)'\)\)", e)
    if m:
        _needs(major, 12, "TO_BLOB(raw)")
        return FakeColumn(name, "BLOB"), pa.array([bytes.fromhex(m.group(1))], pa.large_binary())
    m = re.fullmatch(r"CHARTOROWID\('([^']*)'\)", e)
    if m:
        return FakeColumn(name, "ROWID", data_length=10), pa.array([m.group(1)], pa.large_string())
    m = re.fullmatch(r"JSON\('((?:[^']|'')*)'\)", e)
    if m:
        _needs(major, 21, "JSON")
        return FakeColumn(name, "JSON"), pa.array([m.group(1).replace("''", "'")], pa.large_string())
    if e in ("TRUE", "FALSE"):
        if major < 23:
            raise _err(f'ORA-00904: "{e}": invalid identifier', 904)
        return FakeColumn(name, "BOOLEAN"), pa.array([e == "TRUE"], pa.bool_())
    m = re.fullmatch(r"TO_VECTOR\('\[([^\]]*)\]', (\d+), FLOAT64\)", e)
    if m:
        _needs(major, 23, "VECTOR")
        values = [float(x) for x in m.group(1).split(",")]
        return FakeColumn(name, "VECTOR"), pa.array([values], pa.list_(pa.float64()))
    raise NotImplementedError(f"the fake cannot evaluate the literal {e!r}")
