"""The settings a config file holds (DESIGN §8), as plain dataclasses.

Loading and validating them is `load.py`; writing them back is `write.py`. The dataclasses
stay mutable: the TUI sets a typed password on `SourceConfig` for the session, and tests and
benchmarks build configs field by field.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from ..i18n import N_, _
from .names import TargetName

DEFAULT_PASSWORD_ENV = "TUI_SYNC_ORACLE_PASSWORD"
TABLE_PREFIX = "table "

Lookback = timedelta | Decimal

# One part of a table name: a quoted identifier (doubled quotes inside) or a bare word.
IDENT_PART = r'(?:"(?:[^"]|"")+"|[^\s."]+)'


@dataclass(frozen=True)
class SourceKind:
    """What the config and the front ends need to know about one kind of source.

    The one place that tells kinds apart outside `sources/`: everything else asks the
    `SourceConfig` (`needs_password`, `table_key`, ...) instead of comparing `kind`.
    """

    name: str
    label: str
    # (key, why) for each [source] key this kind cannot work without
    required: tuple[tuple[str, str], ...]
    # connects with a password (password_env, the TUI's "Save password", cron/systemd notes)
    needs_password: bool
    # names are OWNER.TABLE, unquoted ones upper-cased; without owners every name folds case
    has_owners: bool


SOURCE_KINDS: dict[str, SourceKind] = {
    "oracle": SourceKind(
        "oracle", "Oracle",
        required=(("dsn", N_("required for kind = oracle (host:port/service or a tnsnames alias)")),
                  ("user", N_("required for kind = oracle"))),
        needs_password=True, has_owners=True),
    "sqlite": SourceKind(
        "sqlite", "SQLite",
        required=(("path", N_("required for kind = sqlite (path to the SQLite file)")),),
        needs_password=False, has_owners=False),
}


@dataclass
class SourceConfig:
    kind: str = "oracle"
    dsn: str = ""
    user: str = ""
    password_env: str = DEFAULT_PASSWORD_ENV
    mode: str = "thin"
    lib_dir: str = ""
    config_dir: str = ""
    path: str = ""
    call_timeout: timedelta | None = None
    expire_time: int = 0
    # Typed in the TUI for this session only: never read from or written to the file.
    password: str | None = field(default=None, repr=False, compare=False)

    @property
    def spec(self) -> SourceKind:
        # A kind the loader never lets through (built in code) behaves like the default.
        return SOURCE_KINDS.get(self.kind, SOURCE_KINDS["oracle"])

    @property
    def needs_password(self) -> bool:
        return self.spec.needs_password

    def resolve_password(self) -> str | None:
        if self.password is not None:
            return self.password
        return os.environ.get(self.password_env or DEFAULT_PASSWORD_ENV)

    def missing_setting(self) -> tuple[str, str] | None:
        """(key, what is wrong) for the first required key left empty."""
        for key, why in self.spec.required:
            if not getattr(self, key):
                return key, _(why)
        return None

    def table_key(self, name: str) -> str:
        """The table a (validated) section name denotes, for spotting one named twice: Oracle
        upper-cases unquoted names and keeps quoted ones; SQLite has no owners and folds the
        case of every name."""
        parts = [p[1:-1].replace('""', '"') if p.startswith('"') else p.upper()
                 for p in re.findall(IDENT_PART, name)]
        if not self.spec.has_owners:
            return parts[-1].upper()
        return ".".join(parts)


@dataclass
class TargetConfig:
    kind: str = "duckdb"  # duckdb | ducklake
    path: str = "sync.duckdb"  # kind duckdb: the file
    memory_limit: str = ""  # DuckDB memory_limit for syncs (e.g. 1GB); empty = DuckDB's default
    # kind ducklake: a SQLite catalog file, or 'postgres:' + a libpq connection string
    catalog: str = ""
    data_path: str = ""  # ducklake: a folder or s3:// URL; empty = beside the SQLite catalog
    password_env: str = ""  # a PostgreSQL catalog's password: the variable holding it
    keep_snapshots: timedelta | None = timedelta(days=30)  # None: keep all
    s3_endpoint: str = ""
    s3_region: str = ""
    s3_url_style: str = ""
    s3_use_ssl: bool = True


@dataclass
class SyncConfig:
    batch_rows: int = 50_000
    lob_batch_rows: int = 2_000
    test_rows: int = 10_000
    retries: int = 3
    retry_backoff: timedelta = timedelta(seconds=2)
    number_without_precision: str = "double"
    lowercase_names: bool = True
    rtrim_char: bool = False
    timezone: str = ""  # IANA zone for cron schedules; empty = the machine's local zone
    chunk_rows: int = 5_000_000  # large full syncs commit (and resume) per chunk of this many rows
    reconcile_max_delete: float = 0.10  # refuse a reconcile that would delete more than this share
    # Add _tui_sync_run_id and _tui_sync_synced_at to every target (dlt's load ids); off by default
    sync_columns: bool = False


@dataclass
class TableConfig:
    source_table: str
    target: str = ""
    primary_key: list[str] = field(default_factory=list)
    cursor: str = ""
    lookback: Lookback | None = None
    where: str = ""
    schedule: str = ""
    batch_rows: int | None = None
    parallel: int = 1
    reconcile: bool = False
    reconcile_window: bool = False  # only reconcile keys inside the incremental window
    consistent: bool = False  # parallel reads share one source snapshot (Oracle AS OF SCN)
    columns: dict[str, str] = field(default_factory=dict)  # column.NAME = DuckDB type overrides
    # A query-backed table: this trusted SELECT replaces the source table; the section NAME
    # (source_table) is then the target's name, not a table in the source.
    query: str = ""
    select: list[str] = field(default_factory=list)  # `columns = A, B`: only these, in this order
    exclude: list[str] = field(default_factory=list)  # `exclude = C`: all but these

    def target_name(self) -> str:
        """The target in text form (config/names.py): `events`, `analytics.events`,
        `"my.table"` (one table named my.table in the default schema)."""
        if self.target:
            try:  # canonical: `"events"` and `events` are one table (load.py validated it)
                return TargetName.parse(self.target).text()
            except ValueError:
                return self.target
        if self.query:  # NAME is the target: lower-cased like other names, quoted parts kept
            named = ".".join(p if p.startswith('"') else p.lower()
                             for p in re.findall(IDENT_PART, self.source_table))
            try:  # the canonical text, as for `target =` (`"q"` and `q` are one table)
                return TargetName.parse(named).text()
            except ValueError:
                return named
        quoted = re.search(r'"((?:[^"]|"")+)"\s*$', self.source_table.strip())
        if quoted:  # a quoted name is case-sensitive in Oracle: keep it as written
            # one table in the default schema, even when the name holds a dot
            return TargetName(None, quoted.group(1).replace('""', '"')).text()
        return self.source_table.split(".")[-1].strip().lower()


@dataclass
class UiConfig:
    lang: str = ""  # en | ko; empty: the locale decides (i18n.resolve_language)


@dataclass
class Config:
    path: Path | None
    source: SourceConfig = field(default_factory=SourceConfig)
    target: TargetConfig = field(default_factory=TargetConfig)
    sync: SyncConfig = field(default_factory=SyncConfig)
    ui: UiConfig = field(default_factory=UiConfig)
    tables: dict[str, TableConfig] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def base_dir(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def target_path(self) -> Path:
        p = Path(self.target.path).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    def source_path(self) -> Path:
        p = Path(self.source.path).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    def table(self, name: str) -> TableConfig:
        """The settings of a table: its section, or defaults for an unconfigured one."""
        key = find_table_key(self.tables, name)
        return self.tables[key] if key else TableConfig(source_table=name)


def find_table_key(tables: dict[str, TableConfig], name: str) -> str | None:
    if name in tables:
        return name
    folded = name.upper()
    for key, tc in tables.items():
        if key.upper() == folded or key.split(".")[-1].upper() == folded:
            return key
        if tc.target_name().lower() == name.lower():
            return key
    return None
