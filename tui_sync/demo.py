"""The built-in demo: a deterministic SQLite source with Oracle-style types.

`ensure_demo()` builds it once under the user data dir (or TUI_SYNC_HOME) and
writes a config that syncs it into a demo DuckDB file beside it.
"""

from __future__ import annotations

import os
import random
import sqlite3
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from . import paths
from .errors import TuiSyncError
from .i18n import _
from .sources.sqlite import format_date, format_timestamp

DEFAULT_ROWS = 250_000  # EQUIPMENT_EVENTS; the others scale from it
CONFIG_NAME = "tui-sync-demo.ini"
SOURCE_NAME = "demo.sqlite"
TARGET_NAME = "demo.duckdb"
BASE_TIME = datetime(2026, 1, 1)
EVENT_STEP = timedelta(seconds=10)

DDL = """
CREATE TABLE EQUIPMENT_EVENTS (
    EVENT_ID NUMBER(12) PRIMARY KEY,
    EQUIPMENT_ID VARCHAR2(20) NOT NULL,
    EVENT_TIME TIMESTAMP(6) NOT NULL,
    EVENT_TYPE VARCHAR2(20),
    VALUE NUMBER(12,3),
    TEMPERATURE BINARY_DOUBLE,
    STATUS CHAR(4),
    EVENT_TS_TEXT VARCHAR2(14),
    NOTE VARCHAR2(200)
);
CREATE INDEX EQUIPMENT_EVENTS_TIME ON EQUIPMENT_EVENTS (EVENT_TIME);
CREATE TABLE LOT_HISTORY (
    LOT_ID VARCHAR2(20) NOT NULL,
    STEP_SEQ NUMBER(6) NOT NULL,
    STEP_NAME VARCHAR2(40),
    QTY NUMBER(10),
    YIELD_PCT NUMBER(5,2),
    UPDATED_AT DATE NOT NULL,
    OPERATOR NVARCHAR2(30),
    PRIMARY KEY (LOT_ID, STEP_SEQ)
);
CREATE INDEX LOT_HISTORY_UPDATED ON LOT_HISTORY (UPDATED_AT);
CREATE TABLE PRODUCTS (
    PRODUCT_ID NUMBER(10) PRIMARY KEY,
    NAME VARCHAR2(100) NOT NULL,
    PRICE NUMBER(10,2),
    WEIGHT NUMBER,
    CREATED DATE,
    SERIAL_NO NUMBER(20)
);
CREATE TABLE "설비_알람" (
    "알람_ID" NUMBER(10),
    "설비명" VARCHAR2(50),
    "발생시각" DATE NOT NULL,
    "메시지" VARCHAR2(200)
);
"""

CONFIG_TEXT = """\
; tui-sync demo configuration: a SQLite source shaped like an Oracle schema.
; Edit freely; delete this file to get it back as it was.

[source]
kind = sqlite
path = {source}

[target]
path = {target}

[sync]
batch_rows = 50000
test_rows = 1000
retries = 3

[table EQUIPMENT_EVENTS]
target = equipment_events
primary_key = EVENT_ID
cursor = EVENT_TIME
lookback = 10 minutes
schedule = 0 2 * * *

[table LOT_HISTORY]
target = lot_history
cursor = UPDATED_AT
lookback = 1 hour
schedule = 30 2 * * *

[table PRODUCTS]
target = products

[table 설비_알람]
target = 설비_알람
cursor = 발생시각
lookback = 5 minutes
"""

_EQUIPMENT = [f"EQ-{i:03d}" for i in range(1, 41)]
_EVENT_TYPES = ["RUN", "IDLE", "ALARM", "SETUP", "PM"]
_STATUSES = ["OK", "WARN", "FAIL"]
_STEPS = ["CLEAN", "COAT", "EXPOSE", "DEVELOP", "ETCH", "STRIP", "INSPECT", "TEST"]


def demo_rows() -> int:
    value = os.environ.get("TUI_SYNC_DEMO_ROWS")
    if not value:
        return DEFAULT_ROWS
    try:
        return max(100, int(value))
    except ValueError:
        raise TuiSyncError(_("TUI_SYNC_DEMO_ROWS={value} is not a whole number").format(
            value=repr(value))) from None


def _event_row(rng: random.Random, event_id: int, when: datetime) -> tuple:
    temp = round(rng.gauss(65.0, 4.0), 6)
    value = Decimal(rng.randrange(0, 10_000_000)).scaleb(-3)
    return (event_id, rng.choice(_EQUIPMENT), format_timestamp(when), rng.choice(_EVENT_TYPES),
            str(value), temp, rng.choice(_STATUSES), when.strftime("%Y%m%d%H%M%S"),
            None if rng.random() < 0.7 else f"note {event_id}")


def build_source(path: Path, rows: int) -> None:
    """Write the demo SQLite file (deterministic: the same bytes of data every time)."""
    tmp = path.with_suffix(".building")
    tmp.unlink(missing_ok=True)
    rng = random.Random(20260101)
    con = sqlite3.connect(tmp)
    try:
        con.executescript(DDL)
        con.executemany(
            "INSERT INTO EQUIPMENT_EVENTS VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (_event_row(rng, i, BASE_TIME + EVENT_STEP * i) for i in range(1, rows + 1)))
        lots = max(rows // 40, 10)
        lot_rows = []
        for lot in range(lots):
            for seq, step in enumerate(_STEPS, start=1):
                when = BASE_TIME + timedelta(minutes=lot * 3 + seq * 7)
                lot_rows.append((f"LOT{lot:06d}", seq * 10, step, rng.randrange(20, 26),
                                 f"{rng.uniform(90, 100):.2f}", format_date(when),
                                 rng.choice(["김민준", "이서연", "Park J.", "Smith"])))
        con.executemany("INSERT INTO LOT_HISTORY VALUES (?, ?, ?, ?, ?, ?, ?)", lot_rows)
        con.executemany(
            "INSERT INTO PRODUCTS VALUES (?, ?, ?, ?, ?, ?)",
            [(i, f"Product {i:04d}", f"{rng.uniform(1, 999):.2f}", rng.uniform(0.1, 50),
              format_date(BASE_TIME - timedelta(days=i)), 10**17 * 9 + i * 7919) for i in range(1, 501)])
        con.executemany(
            'INSERT INTO "설비_알람" VALUES (?, ?, ?, ?)',
            [(i, f"설비-{i % 12:02d}", format_date(BASE_TIME + timedelta(minutes=5 * i)),
              rng.choice(["온도 상한 초과", "압력 저하", "진동 경고", "정상 복귀"]))
             for i in range(1, max(rows // 50, 20) + 1)])
        con.commit()
    finally:
        con.close()
    tmp.replace(path)


def ensure_demo() -> Path:
    """Build the demo source and config once; return the config path."""
    folder = paths.demo_dir()
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / SOURCE_NAME
    if not source.exists():
        build_source(source, demo_rows())
    config = folder / CONFIG_NAME
    if not config.exists():
        config.write_text(CONFIG_TEXT.format(source=SOURCE_NAME, target=TARGET_NAME), encoding="utf-8")
    return config


def add_rows(n: int) -> dict[str, int]:
    """Append new rows after the current max cursor (some equal to it) for incremental tries."""
    if n < 1:
        raise TuiSyncError(_("--add-rows needs a positive number"))
    ensure_demo()
    path = paths.demo_dir() / SOURCE_NAME
    con = sqlite3.connect(path)
    try:
        max_id, max_time = con.execute(
            "SELECT MAX(EVENT_ID), MAX(EVENT_TIME) FROM EQUIPMENT_EVENTS").fetchone()
        rng = random.Random(max_id)
        last = datetime.fromisoformat(max_time)
        rows = []
        for k in range(1, n + 1):
            # Every tenth new row repeats the current max cursor value: the boundary case.
            when = last if k % 10 == 1 else last + EVENT_STEP * k
            rows.append(_event_row(rng, max_id + k, when))
        con.executemany("INSERT INTO EQUIPMENT_EVENTS VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
        max_alarm, max_at = con.execute('SELECT MAX("알람_ID"), MAX("발생시각") FROM "설비_알람"').fetchone()
        at = datetime.fromisoformat(max_at)
        alarms = [(max_alarm + k, f"설비-{k % 12:02d}", format_date(at + timedelta(minutes=5 * (k // 2))),
                   "신규 알람") for k in range(1, max(n // 50, 1) + 1)]
        con.executemany('INSERT INTO "설비_알람" VALUES (?, ?, ?, ?)', alarms)
        con.commit()
    finally:
        con.close()
    return {"EQUIPMENT_EVENTS": n, "설비_알람": len(alarms)}
