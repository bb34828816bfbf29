"""Load the INI config file (DESIGN §8): parse, validate, and report bad values.

Every bad value raises `ConfigError("file:section:key: what is wrong")`.
"""

from __future__ import annotations

import configparser
import os
import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import croniter

from .. import paths
from ..errors import ConfigError, one_line
from ..i18n import Text, _, english_of, line_of, parse_language
from .envvars import interpolate, interpolate_literal, references
from .model import DEFAULT_PASSWORD_ENV, IDENT_PART, SOURCE_KINDS, TABLE_PREFIX, Config, Lookback, TableConfig
from .names import TargetName

_UNITS = {
    "s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1,
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "week": 604800, "weeks": 604800,
    "ms": 0.001, "millisecond": 0.001, "milliseconds": 0.001,
}
_DURATION_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]+)\s*$")


# -- value parsers: each raises ValueError with the "what is wrong" part ----------

def parse_duration(text: str) -> timedelta:
    m = _DURATION_RE.match(text)
    if not m:
        raise ValueError(_("{text!r} is not a duration (try '10 minutes', '2 hours', '1 day')").format(
            text=text))
    unit = _UNITS.get(m.group(2).lower())
    if unit is None:
        raise ValueError(_("unknown unit {unit!r} in {text!r} (use seconds, minutes, hours, days)").format(
            unit=m.group(2), text=text))
    try:
        return timedelta(seconds=float(m.group(1)) * unit)
    except OverflowError:
        raise ValueError(_("{text!r} is too long a duration").format(text=text)) from None


def parse_lookback(text: str) -> Lookback:
    """A duration for DATE/TIMESTAMP cursors, a bare number for NUMBER cursors."""
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        return parse_duration(text)
    if not value.is_finite() or value < 0:
        raise ValueError(_("{text!r} must be zero or more").format(text=text))
    return value


def parse_int(text: str, lo: int, hi: int) -> int:
    try:
        value = int(text.strip().replace("_", ""))
    except ValueError:
        raise ValueError(_("{text!r} is not a whole number").format(text=text)) from None
    if not lo <= value <= hi:
        raise ValueError(_("{value} is out of range {lo}..{hi}").format(value=value, lo=lo, hi=hi))
    return value


def parse_bool(text: str) -> bool:
    folded = text.strip().lower()
    if folded in ("1", "true", "yes", "on"):
        return True
    if folded in ("0", "false", "no", "off"):
        return False
    raise ValueError(_("{text!r} is not true or false").format(text=text))


def parse_env_name(text: str) -> str:
    name = text.strip()
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(_("{name!r} is not an environment variable name (e.g. LAKE_PG_PASSWORD)").format(
            name=name))
    return name


def parse_memory(text: str) -> str:
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*", text, re.IGNORECASE)
    if not m or float(m.group(1)) <= 0:
        raise ValueError(_("{text!r} is not a memory size (like 512MB or 2GB)").format(text=text))
    return f"{m.group(1)}{m.group(2).upper().replace('I', 'i')}"


def parse_share(text: str) -> float:
    """A share of rows: '10%' or '0.1'."""
    t = text.strip()
    try:
        value = float(t[:-1]) / 100 if t.endswith("%") else float(t)
    except ValueError:
        raise ValueError(_("{text!r} is not a share (like 0.1 or 10%)").format(text=text)) from None
    if not 0 <= value <= 1:
        raise ValueError(_("{text!r} must be between 0% and 100%").format(text=text))
    return value


def parse_choice(text: str, choices: tuple[str, ...]) -> str:
    folded = text.strip().lower()
    if folded not in choices:
        raise ValueError(_("{text!r} is not one of {choices}").format(text=text, choices=", ".join(choices)))
    return folded


def parse_cron(text: str) -> str:
    expr = " ".join(text.split())
    if len(expr.split()) != 5 or not croniter.is_valid(expr):
        raise ValueError(_("{text!r} is not a 5-field cron expression (like '0 2 * * *')").format(
            text=text))
    return expr


def parse_timezone(text: str) -> str:
    name = text.strip()
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(_("{text!r} is not a time zone name (like Europe/Berlin or UTC)").format(
            text=text)) from None
    return name


def parse_name_list(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",")]
    if any(not n for n in names):
        raise ValueError(_("{text!r} has an empty name in its comma list").format(text=text))
    return names


_TABLE_RE = re.compile(rf"^{IDENT_PART}(?:\.{IDENT_PART})?$")


def parse_table_name(text: str) -> str:
    name = text.strip()
    if not _TABLE_RE.match(name):
        raise ValueError(_("{text!r} is not a table name (SCHEMA.TABLE or TABLE)").format(text=text))
    return name


def parse_query(text: str) -> str:
    """A query-backed table's trusted SELECT: one statement, a trailing ';' dropped."""
    sql = text.strip()
    while sql.endswith(";"):
        sql = sql[:-1].rstrip()
    if not sql:
        raise ValueError(_("is empty"))
    if _outside_quotes(sql, ";"):
        raise ValueError(_("holds more than one statement; give one SELECT"))
    if not re.match(r"(?is)^\s*(select|with)\b", sql):
        raise ValueError(_("must be a SELECT (or WITH ... SELECT), not {word!r}").format(
            word=sql.split()[0]))
    return sql


def _outside_quotes(sql: str, char: str) -> bool:
    """Whether `char` appears outside '...' literals and "..." identifiers."""
    quote = ""
    for ch in sql:
        if quote:
            if ch == quote:
                quote = ""  # a doubled quote closes and reopens: same result
        elif ch in "'\"":
            quote = ch
        elif ch == char:
            return True
    return False


# -- loading -----------------------------------------------------------------------

_SOURCE_KEYS = {"kind", "dsn", "user", "password_env", "mode", "lib_dir", "config_dir", "path",
                "call_timeout", "expire_time", "password"}
_TARGET_KEYS = {"kind", "path", "memory_limit", "catalog", "data_path", "password_env",
                "keep_snapshots", "s3_endpoint", "s3_region", "s3_url_style", "s3_use_ssl"}
_LAKE_ONLY = ("catalog", "data_path", "password_env", "keep_snapshots", "s3_endpoint", "s3_region",
              "s3_url_style", "s3_use_ssl")
_SYNC_KEYS = {"batch_rows", "lob_batch_rows", "test_rows", "retries", "retry_backoff",
              "number_without_precision", "lowercase_names", "rtrim_char", "timezone", "chunk_rows",
              "reconcile_max_delete", "sync_columns"}
_TABLE_KEYS = {"target", "primary_key", "cursor", "lookback", "where", "schedule", "batch_rows",
               "parallel", "reconcile", "reconcile_window", "consistent", "query", "columns",
               "exclude"}


class _Reader:
    """Reads one section, prefixing every error with file:section:key."""

    def __init__(self, filename: str, section: str, values: dict[str, str],
                 literal: tuple[str, ...] = ()):
        self.filename, self.section = filename, section
        # ${NAME} first (config/envvars.py), so each value's own parser sees the final text;
        # `literal` keys read a variable only when the whole value is ${NAME}
        self.values = {}
        self.refs: dict[str, list[str]] = {}  # key -> the variables its value read
        for key, raw in values.items():
            try:
                self.values[key] = interpolate_literal(raw) if key in literal else interpolate(raw)
            except ValueError as exc:
                raise self.error(key, line_of(exc)) from None
            self.refs[key] = references(raw)

    def error(self, key: str, what: str) -> ConfigError:
        return ConfigError(f"{self.filename}:{self.section}:{key}: " + what)  # Text: keeps its English

    def get(self, key: str, parse=None, default=None):
        raw = self.values.get(key)
        if raw is None or raw.strip() == "":
            return default
        if parse is None:
            return raw.strip()
        try:
            return parse(raw)
        except (ValueError, ArithmeticError, OSError) as exc:
            raise self.error(key, self.hide(key, line_of(exc))) from None

    def hide(self, key: str, what: str) -> str:
        """A parser's complaint with each variable's value (maybe a secret) shown as ${NAME}."""
        shown, english = str(what), english_of(what)
        for name in self.refs.get(key, ()):
            value = os.environ.get(name, "").strip()
            if value:
                pattern = rf"(?<![\w.]){re.escape(value)}(?![\w.])"
                shown = re.sub(pattern, f"${{{name}}}", shown)
                english = re.sub(pattern, f"${{{name}}}", english)
        return Text(shown, english)

    def check_keys(self, allowed: set[str], prefixes: tuple[str, ...] = ()) -> None:
        for key in self.values:
            if key not in allowed and not key.startswith(prefixes):
                raise self.error(key, _("unknown key (known: {keys})").format(
                    keys=", ".join(sorted(allowed))))


def load_config(path: str | os.PathLike[str]) -> Config:
    p = Path(path).expanduser()
    filename = str(p)
    if not p.is_file():
        raise ConfigError(_("{file}: config file not found").format(file=filename))
    parser = configparser.ConfigParser(
        interpolation=None, inline_comment_prefixes=(";", "#"), strict=True, default_section="\0"
    )
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep column-name case
    try:
        parser.read_string(p.read_text(encoding="utf-8"), source=filename)
    except configparser.Error as exc:
        raise ConfigError(f"{filename}: {one_line(exc)}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(_("{file}: cannot read: {error}").format(file=filename, error=exc)) from None
    return parse_config(parser, p)


def _parse_keep(text: str) -> timedelta | None:
    if text.strip().lower() in ("all", "forever"):
        return None
    keep = parse_duration(text)
    if keep <= timedelta(0):
        raise ValueError(_("{text!r}: keep at least one second of snapshots (or 'all')").format(
            text=text))
    return keep


def _parse_catalog(text: str) -> str:
    value = text.strip()
    if value.lower().startswith("postgres:"):
        conn = value[len("postgres:"):].strip()
        if not conn:
            raise ValueError(_("'postgres:' needs a libpq connection string, e.g. "
                               "postgres:host=db1 dbname=lake user=sync"))
        if re.search(r"(?i)\bpassword\s*=", conn):
            raise ValueError(_("a password does not belong in the config: name the variable "
                               "holding it with password_env = ..."))
        return "postgres:" + conn
    if "://" in value or value.lower().startswith(("sqlite:", "duckdb:", "ducklake:")):
        raise ValueError(_("{value!r}: give a SQLite file path (e.g. data/lake.sqlite) or "
                           "postgres:<libpq connection string>").format(value=value))
    return value


def _parse_data_path(text: str) -> str:
    value = text.strip()
    if "://" in value and not value.startswith("s3://"):
        raise ValueError(_("{value!r}: a folder or an s3://bucket/prefix/ URL").format(value=value))
    if value.startswith("s3://") and len(value) <= len("s3://"):
        raise ValueError(_("s3:// needs a bucket (s3://bucket/prefix/)"))
    return value


def _check_target(r: _Reader, text: str) -> None:
    """`target = [SCHEMA.]TABLE` (config/names.py); the sync state's schema is refused."""
    try:
        name = TargetName.parse(text)
    except ValueError as exc:
        raise r.error("target", line_of(exc)) from None
    problem = target_schema_problem(name)
    if problem:
        raise r.error("target", problem)


# DuckDB's own schemas and catalogs: `temp.x` would not land in the target file (and `system`
# is read-only); `tui_sync` holds the sync state.
_RESERVED_SCHEMAS = ("temp", "system", "pg_catalog", "information_schema")


def target_schema_problem(name: TargetName) -> str | None:
    schema = (name.schema or "").lower()
    if schema == "tui_sync":
        return _("schema tui_sync holds the sync state; choose another schema")
    if schema in _RESERVED_SCHEMAS:
        return _("schema {schema} is DuckDB's own, not in the target; choose another schema").format(
            schema=name.schema)
    return None


def _parse_target(r: _Reader, cfg: Config) -> None:
    r.check_keys(_TARGET_KEYS)
    t = cfg.target
    t.kind = r.get("kind", lambda v: parse_choice(v, ("duckdb", "ducklake")), "duckdb")
    t.memory_limit = r.get("memory_limit", parse_memory, "")
    if t.kind == "duckdb":
        t.path = r.get("path", default="")
        for key in _LAKE_ONLY:
            if r.get(key) is not None:
                raise r.error(key, _("only for kind = ducklake"))
        if not t.path:
            raise r.error("path", _("required (path of the DuckDB file)"))
        return
    if r.get("path") is not None:
        raise r.error("path", _("kind = ducklake keeps its data in catalog and data_path, not path"))
    t.path = ""
    t.catalog = r.get("catalog", _parse_catalog, "")
    if not t.catalog:
        raise r.error("catalog", _("required for kind = ducklake: a SQLite file (data/lake.sqlite) "
                                "or postgres:<libpq connection string>"))
    t.data_path = r.get("data_path", _parse_data_path, "")
    postgres = t.catalog.startswith("postgres:")
    if postgres and not t.data_path:
        raise r.error("data_path", _("required with a PostgreSQL catalog (a folder every writer "
                                  "and reader sees, or s3://bucket/prefix/)"))
    t.password_env = r.get("password_env", parse_env_name, "")
    if t.password_env and not postgres:
        raise r.error("password_env", _("only for a postgres: catalog"))
    t.keep_snapshots = r.get("keep_snapshots", _parse_keep, t.keep_snapshots)
    t.s3_endpoint = r.get("s3_endpoint", default="")
    t.s3_region = r.get("s3_region", default="")
    t.s3_url_style = r.get("s3_url_style", lambda v: parse_choice(v, ("vhost", "path")), "")
    t.s3_use_ssl = r.get("s3_use_ssl", parse_bool, True)
    if not t.data_path.startswith("s3://"):
        for key in ("s3_endpoint", "s3_region", "s3_url_style", "s3_use_ssl"):
            if r.get(key) is not None:
                raise r.error(key, _("only for an s3:// data_path"))


def parse_config(parser: configparser.ConfigParser, p: Path) -> Config:
    filename = str(p)
    cfg = Config(path=p.resolve())
    for section in parser.sections():
        if section not in ("source", "target", "sync", "ui") and not section.startswith(TABLE_PREFIX):
            raise ConfigError(f"{filename}:{section}: " + _(
                "unknown section (expected [source], [target], [sync], [ui] or [table NAME])"))
    if not parser.has_section("source"):
        raise ConfigError(f"{filename}:source: " + _("missing section [source]"))
    if not parser.has_section("target"):
        raise ConfigError(f"{filename}:target: " + _("missing section [target]"))

    r = _Reader(filename, "source", {k.lower(): v for k, v in parser.items("source")},
                literal=("password",))
    r.check_keys(_SOURCE_KEYS)
    if r.values.get("password", "").strip():
        # Kept only when the user asked the TUI to save it; the env var is the better home.
        cfg.source.password = r.values["password"].strip()
        warning = check_permissions(p)
        if warning:
            cfg.warnings.append(warning)
    s = cfg.source
    s.kind = r.get("kind", lambda t: parse_choice(t, tuple(SOURCE_KINDS)), "oracle")
    s.dsn = r.get("dsn", default="")
    s.user = r.get("user", default="")
    s.password_env = r.get("password_env", default=DEFAULT_PASSWORD_ENV)
    s.mode = r.get("mode", lambda t: parse_choice(t, ("thin", "thick")), "thin")
    s.lib_dir = r.get("lib_dir", default="")
    s.config_dir = r.get("config_dir", default="")
    s.path = r.get("path", default="")
    s.call_timeout = r.get("call_timeout", parse_duration, None)
    s.expire_time = r.get("expire_time", lambda t: parse_int(t, 0, 1440), 0)
    missing = s.missing_setting()
    if missing:
        raise r.error(*missing)

    _parse_target(_Reader(filename, "target", {k.lower(): v for k, v in parser.items("target")}),
                  cfg)

    if parser.has_section("sync"):
        r = _Reader(filename, "sync", {k.lower(): v for k, v in parser.items("sync")})
        r.check_keys(_SYNC_KEYS)
        y = cfg.sync
        y.batch_rows = r.get("batch_rows", lambda t: parse_int(t, 1, 10_000_000), y.batch_rows)
        y.lob_batch_rows = r.get("lob_batch_rows", lambda t: parse_int(t, 1, 10_000_000),
                                 y.lob_batch_rows)
        y.test_rows = r.get("test_rows", lambda t: parse_int(t, 1, 100_000_000), y.test_rows)
        y.retries = r.get("retries", lambda t: parse_int(t, 0, 100), y.retries)
        y.retry_backoff = r.get("retry_backoff", parse_duration, y.retry_backoff)
        y.number_without_precision = r.get(
            "number_without_precision", lambda t: parse_choice(t, ("double", "decimal")),
            y.number_without_precision)
        y.lowercase_names = r.get("lowercase_names", parse_bool, y.lowercase_names)
        y.rtrim_char = r.get("rtrim_char", parse_bool, y.rtrim_char)
        y.timezone = r.get("timezone", parse_timezone, "")
        y.chunk_rows = r.get("chunk_rows", lambda t: parse_int(t, 1, 1_000_000_000), y.chunk_rows)
        y.reconcile_max_delete = r.get("reconcile_max_delete", parse_share, y.reconcile_max_delete)
        y.sync_columns = r.get("sync_columns", parse_bool, y.sync_columns)

    if parser.has_section("ui"):
        r = _Reader(filename, "ui", {k.lower(): v for k, v in parser.items("ui")})
        r.check_keys({"lang"})
        cfg.ui.lang = r.get("lang", parse_language, "")

    from ..typeplan import parse_duckdb_override  # local: typeplan loads pyarrow; only table sections need it

    # Two sections on one source table or one target would replace each other's data and
    # state without a word: refuse them, naming the section seen first.
    sources: dict[str, str] = {}
    targets: dict[str, str] = {}
    for section in parser.sections():
        if not section.startswith(TABLE_PREFIX):
            continue
        # Keys fold to lower case, but the NAME in column.NAME keeps its case.
        values = {}
        for key, raw in parser.items(section):
            low = key.lower()
            values["column." + key[7:] if low.startswith("column.") else low] = raw
        r = _Reader(filename, section, values)
        try:
            name = parse_table_name(section[len(TABLE_PREFIX):])
        except ValueError as exc:
            raise ConfigError(f"{filename}:{section}: " + line_of(exc)) from None
        r.check_keys(_TABLE_KEYS, prefixes=("column.",))
        tc = TableConfig(source_table=name)
        tc.target = r.get("target", default="")
        tc.primary_key = r.get("primary_key", parse_name_list, [])
        tc.cursor = r.get("cursor", default="")
        tc.lookback = r.get("lookback", parse_lookback, None)
        tc.where = r.get("where", default="")
        tc.schedule = r.get("schedule", parse_cron, "")
        tc.batch_rows = r.get("batch_rows", lambda t: parse_int(t, 1, 10_000_000), None)
        tc.parallel = r.get("parallel", lambda t: parse_int(t, 1, 64), 1)
        tc.reconcile = r.get("reconcile", parse_bool, False)
        tc.reconcile_window = r.get("reconcile_window", parse_bool, False)
        tc.consistent = r.get("consistent", parse_bool, False)
        tc.query = r.get("query", parse_query, "")
        tc.select = r.get("columns", parse_name_list, [])
        tc.exclude = r.get("exclude", parse_name_list, [])
        if tc.select and tc.exclude:
            raise r.error("exclude", _("give either columns = (only these) or exclude = (all but "
                                     "these), not both"))
        for key, raw in r.values.items():
            if key.startswith("column."):
                col = key[len("column."):]
                try:
                    tc.columns[col] = parse_duckdb_override(raw)
                except ValueError as exc:
                    raise r.error(key, r.hide(key, line_of(exc))) from None
        if tc.target and not tc.target.strip():
            raise r.error("target", _("is empty"))
        if tc.target:
            _check_target(r, tc.target)
        elif tc.query:  # NAME is the target: the same rules as for `target =`
            problem = target_schema_problem(TargetName.parse(tc.target_name()))
            if problem:
                raise ConfigError(f"{filename}:{section}: " + problem)
        if name in cfg.tables:
            raise ConfigError(f"{filename}:{section}: " + _("table configured twice"))
        # A query-backed table names no source table: only its target must be unique.
        skey = f"query:{name}" if tc.query else cfg.source.table_key(name)
        if skey in sources:
            raise ConfigError(f"{filename}:{section}: " + _(
                "names the same source table as [{section}]; configure each source table once"
            ).format(section=sources[skey]))
        # DuckDB matches identifiers case-insensitively, quoted or not
        tkey = tc.target_name().lower()
        if tkey in targets:
            raise r.error("target", _("target table {table} is also the target of [{section}]; set "
                                    "target = ... to tell them apart").format(
                table=tc.target_name(), section=targets[tkey]))
        sources[skey], targets[tkey] = section, section
        cfg.tables[name] = tc
    return cfg


def check_permissions(path: Path) -> str | None:
    """A warning when a config file holding a password can be read by other users."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    # `password = ${NAME}` names a variable: the file holds no password then
    if not re.search(r"(?im)^\s*password\s*=(?!\s*\$\{\w+\}\s*(?:[;#].*)?$)\s*\S", text):
        return None
    if mode & 0o077:
        return _("{path}: holds a password and is readable by other users (mode {mode}); run: "
                 "chmod 600 {path}").format(path=path, mode=f"{mode & 0o777:o}")
    return None


def find_config(explicit: str | None) -> Path:
    """--config, then $TUI_SYNC_CONFIG, then ./tui-sync.ini, then the user config dir."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("TUI_SYNC_CONFIG")
    if env:
        return Path(env).expanduser()
    local = Path("tui-sync.ini")
    if local.is_file():
        return local
    user = paths.config_dir() / "tui-sync.ini"
    if user.is_file():
        return user
    raise ConfigError(_(
        "no config file: pass --config PATH, set TUI_SYNC_CONFIG, create ./tui-sync.ini "
        "(tui-sync init), or put one at {path}; or try --demo").format(path=user))
