"""The doctor's Oracle checks: password source, driver and mode, each connect step,
server version, dictionary access, NLS settings, the rights configured features
need (flashback / AS OF SCN, an SCN source, sessions for `parallel`), and per
table: existence (synonyms too), estimates, plan warnings and the cursor index.

Everything runs through OracleSource (the sync's own connect, session settings
and describe), plus a few read-only dictionary queries. Never imports Textual.
"""

from __future__ import annotations

import re
from typing import Any

from .doctor import DoctorContext, StopChecks, check_cursor_index, check_tables, register
from .errors import SourceError, TuiSyncError
from .i18n import N_, _
from .sources.oracle.connect import MIN_DRIVER_TEXT, ConnectError, check_driver_version, dsn_parts

# ConnectError.step -> (the step's name, what to do); in the order a connect goes through
CONNECT_STEPS = (
    ("resolve", N_("host name resolution"),
     N_("check the host in dsn (or DNS, /etc/hosts, tnsnames.ora in config_dir)")),
    ("tcp", N_("TCP connect"), N_("check the port, that the listener runs (lsnrctl status) and the firewall")),
    ("listener", N_("listener and service"), N_("use the service name the listener knows (lsnrctl services)")),
    ("auth", N_("authentication"), N_("check user and the password source")),
    ("account", N_("account status"), N_("ask the DBA to unlock the account or reset the password")),
)
_CODE_STEPS = {
    "DPY-3010": (N_("server version (thin mode)"),
                 N_("Oracle 11.2 needs thick mode: install Instant Client 19, set mode = thick and lib_dir")),
    "DPY-3040": (N_("character set (thin mode)"), N_("thin mode does not support this database character set: "
                 "set mode = thick with Instant Client")),
    "DPY-3012": (N_("national character set (thin mode)"), N_("set mode = thick with Instant Client")),
    "DPY-3001": (N_("thick-only feature"), N_("set mode = thick and lib_dir (Instant Client)")),
    "DPI-1047": (N_("Oracle Client libraries"), N_("install Instant Client and set lib_dir (or LD_LIBRARY_PATH)")),
    "THICK-INIT": (N_("Oracle Client libraries"), N_("restart tui-sync to change lib_dir/config_dir")),
    "DRIVER-VERSION": (N_("python-oracledb version"), f"pip install -U 'oracledb>={MIN_DRIVER_TEXT}'"),
}
GOOD_CHARSETS = ("AL32UTF8", "UTF8")


def _src(ctx: DoctorContext) -> Any:
    assert ctx.source is not None
    return ctx.source


@register("oracle")
def check_password(ctx: DoctorContext) -> None:
    cfg = ctx.config.source
    if not cfg.user:
        ctx.fail("config", "user", _("no user in [source]"), _("set user = (the Oracle user that reads)"))
        raise StopChecks
    if cfg.password is not None:
        ctx.ok("config", "password source", _("typed in this session or saved in the config file"))
    elif ctx.secret is not None:
        ctx.ok("config", "password source", _("environment variable {name}").format(name=cfg.password_env))
    else:
        ctx.fail("config", "password source",
                 _("the environment variable {name} is not set").format(name=cfg.password_env),
                 _("export {name}=... before running, or type the password in the TUI").format(
                     name=cfg.password_env))
        raise StopChecks
    parts = dsn_parts(cfg.dsn)
    if not cfg.dsn:
        ctx.fail("config", "dsn", _("no dsn in [source]"), _("set dsn = host:1521/SERVICE or a tnsnames alias"))
        raise StopChecks
    ctx.ok("config", "dsn", parts.where(cfg.dsn) + (" " + _("(tnsnames.ora in {folder})").format(
        folder=cfg.config_dir) if parts.kind == "alias" and cfg.config_dir else ""))


@register("oracle")
def check_driver(ctx: DoctorContext) -> None:
    try:
        source = ctx.source_factory()
    except ImportError as exc:
        ctx.fail("driver", "python-oracledb", _("not installed ({error})").format(error=exc),
                 f"pip install 'oracledb>={MIN_DRIVER_TEXT}'")
        raise StopChecks from None
    driver = getattr(source, "driver", None)
    try:
        version = check_driver_version(driver)
    except ConnectError as exc:
        ctx.fail("driver", "python-oracledb", str(exc), f"pip install -U 'oracledb>={MIN_DRIVER_TEXT}'")
        raise StopChecks from None
    mode = ctx.config.source.mode
    detail = _("{version}, {mode} mode").format(version=version, mode=mode)
    if mode == "thick":
        detail += " " + _("(lib_dir {folder})").format(
            folder=ctx.config.source.lib_dir or _("default search path"))
    ctx.ok("driver", "python-oracledb", detail)
    ctx.data["pending_source"] = source


@register("oracle")
def check_connect(ctx: DoctorContext) -> None:
    source = ctx.data.pop("pending_source", None) or ctx.source_factory()
    cfg = ctx.config.source
    try:
        source.connect()
    except ConnectError as exc:
        _connect_steps(ctx, exc.step, str(exc))
        raise StopChecks from None
    except SourceError as exc:
        name, hint = _CODE_STEPS.get(exc.code or "", ("connect", N_("see the message")))
        ctx.fail("connect", name, str(exc), _(hint))
        raise StopChecks from None
    ctx.source = source
    info = source.server_info()
    ctx.data["server_version"] = info.version
    ctx.data["server_info"] = info
    ctx.ok("connect", "connected", _("{user}@{where}, {mode} mode").format(
        user=cfg.user.upper(), where=dsn_parts(cfg.dsn).where(cfg.dsn), mode=info.mode))
    if info.mode == "thick":
        client = _client_version(getattr(source, "driver", None))
        ctx.ok("driver", "Oracle Client", client) if client else ctx.warn(
            "driver", "Oracle Client", _("version unknown"))
    major = _major(info.version)
    status = ctx.ok if major >= 11 else ctx.warn
    status("server", "version", f"Oracle {info.version}" + (" " + _("(11g: thick mode, no FETCH FIRST, no "
                                                                    "JSON/BOOLEAN/VECTOR)") if major == 11 else ""))


def _connect_steps(ctx: DoctorContext, failed: str, message: str) -> None:
    names = [s for s, *_rest in CONNECT_STEPS]
    if failed not in names:
        ctx.fail("connect", "network", message, _("check dsn, the listener and the firewall"))
        return
    for step, name, hint in CONNECT_STEPS:
        if step == failed:
            ctx.fail("connect", name, message, _(hint))
            return
        if not (step == "resolve" and dsn_parts(ctx.config.source.dsn).kind == "alias"):
            ctx.ok("connect", name)


def _client_version(driver: Any) -> str:
    try:
        v = driver.clientversion()
    except Exception:  # noqa: BLE001 - only informative
        return ""
    return "Instant Client " + ".".join(str(x) for x in v[:3])


def _major(version: str) -> int:
    m = re.match(r"(\d+)", str(version))
    return int(m.group(1)) if m else 0


@register("oracle")
def check_dictionary(ctx: DoctorContext) -> None:
    src = _src(ctx)
    missing = []
    for view in ("ALL_TABLES", "ALL_TAB_COLUMNS", "ALL_CONSTRAINTS", "ALL_CONS_COLUMNS", "ALL_SYNONYMS"):
        try:
            src.run_query(f"SELECT COUNT(*) FROM {view} WHERE ROWNUM <= 1")
        except TuiSyncError as exc:
            missing.append(f"{view} ({exc})")
    if missing:
        ctx.fail("server", "dictionary", _("cannot read {views}").format(views="; ".join(missing)),
                 _("ask the DBA for SELECT on these views (they are public by default)"))
    else:
        ctx.ok("server", "dictionary", _("ALL_TABLES, ALL_TAB_COLUMNS, ALL_CONSTRAINTS readable"))


@register("oracle")
def check_nls(ctx: DoctorContext) -> None:
    src = _src(ctx)
    session = dict(src.run_query("SELECT PARAMETER, VALUE FROM NLS_SESSION_PARAMETERS"))
    database = dict(src.run_query("SELECT PARAMETER, VALUE FROM NLS_DATABASE_PARAMETERS"))
    numeric = session.get("NLS_NUMERIC_CHARACTERS")
    if numeric == ".,":
        ctx.ok("server", "NLS session", _("numeric characters '.,', dates {dates}, timestamps {timestamps}, "
                                          "calendar {calendar}").format(
            dates=session.get("NLS_DATE_FORMAT"), timestamps=session.get("NLS_TIMESTAMP_FORMAT"),
            calendar=session.get("NLS_CALENDAR")))
    else:
        ctx.fail("server", "NLS session",
                 _("NLS_NUMERIC_CHARACTERS is {value} after tui-sync's ALTER SESSION").format(value=repr(numeric)),
                 _("a logon trigger may override it: ask the DBA to exempt this user"))
    charset = database.get("NLS_CHARACTERSET", "?")
    ncharset = database.get("NLS_NCHAR_CHARACTERSET", "?")
    text = _("database {charset}, national {ncharset}").format(charset=charset, ncharset=ncharset)
    if charset in GOOD_CHARSETS:
        ctx.ok("server", "character sets", text)
    else:
        ctx.warn("server", "character sets", text + _(": characters outside it were already replaced when stored"),
                 _("values arrive as Unicode; what the database could not store is lost at the source"))
    try:
        (db_tz, session_tz), = src.run_query("SELECT DBTIMEZONE, SESSIONTIMEZONE FROM DUAL")
        ctx.ok("server", "time zones", _("database {db}, session {session}; TIMESTAMP WITH TIME ZONE is read "
                                         "as UTC (SYS_EXTRACT_UTC)").format(db=db_tz, session=session_tz))
    except TuiSyncError as exc:
        ctx.warn("server", "time zones", str(exc))


@register("oracle")
def check_rights(ctx: DoctorContext) -> None:
    src = _src(ctx)
    scn, how = None, ""
    for sql, label in (("SELECT CURRENT_SCN FROM V$DATABASE", "V$DATABASE"),
                       ("SELECT DBMS_FLASHBACK.GET_SYSTEM_CHANGE_NUMBER FROM DUAL", "DBMS_FLASHBACK"),
                       ("SELECT TIMESTAMP_TO_SCN(SYSTIMESTAMP) FROM DUAL", "TIMESTAMP_TO_SCN (coarse)")):
        try:
            scn, how = int(src.run_query(sql)[0][0]), label
            break
        except TuiSyncError:
            continue
    consistent = [n for n in ctx.tables if ctx.config.table(n).consistent]
    if scn is None:
        (ctx.fail if consistent else ctx.warn)(
            "rights", "SCN source", _("cannot read the current SCN (V$DATABASE, DBMS_FLASHBACK, TIMESTAMP_TO_SCN)"),
            _("GRANT SELECT ON V_$DATABASE (or EXECUTE ON DBMS_FLASHBACK) to this user"))
    else:
        ctx.ok("rights", "SCN source", f"{how}: SCN {scn}")
        ctx.data["scn"] = scn
    parallel = max((ctx.config.table(n).parallel for n in ctx.tables), default=1)
    if parallel > 1:
        _check_sessions(ctx, parallel)


def _check_sessions(ctx: DoctorContext, parallel: int) -> None:
    try:
        rows = _src(ctx).run_query("SELECT LIMIT FROM USER_RESOURCE_LIMITS WHERE RESOURCE_NAME = 'SESSIONS_PER_USER'")
    except TuiSyncError as exc:
        ctx.warn("rights", "sessions for parallel", _("cannot read USER_RESOURCE_LIMITS: {error}").format(error=exc))
        return
    limit = str(rows[0][0]) if rows else "UNLIMITED"
    needed = parallel + 2  # the main session, the snapshot/bounds probe and one per partition
    if limit.isdigit() and int(limit) < needed:
        ctx.fail("rights", "sessions for parallel",
                 _("SESSIONS_PER_USER is {limit}; parallel = {parallel} opens up to {needed} sessions").format(
                     limit=limit, parallel=parallel, needed=needed),
                 _("lower parallel or ask the DBA to raise the profile limit"))
    else:
        ctx.ok("rights", "sessions for parallel", _("parallel = {parallel} needs {needed} sessions; limit {limit}")
               .format(parallel=parallel, needed=needed, limit=limit))


@register("oracle")
def check_oracle_tables(ctx: DoctorContext) -> None:
    check_tables(ctx, extra=(_check_flashback, _check_cursor_index))


def _check_flashback(ctx: DoctorContext, job: Any) -> None:
    group = f"table {job.name}"
    scn = ctx.data.get("scn")
    desc = job.description
    if scn is None or desc.is_view or desc.query is not None:
        return  # a view or a query is never read AS OF SCN
    ref = f'"{desc.info.owner}"."{desc.info.table}"'
    try:
        _src(ctx).run_query(f"SELECT COUNT(*) FROM {ref} AS OF SCN :scn WHERE ROWNUM <= :max_rows",
                            {"scn": scn, "max_rows": 1})
    except TuiSyncError as exc:
        needed = job.config.consistent
        (ctx.fail if needed else ctx.warn)(
            group, "flashback (AS OF SCN)", str(exc),
            _("GRANT FLASHBACK ON {table} TO {user}; without it chunked and consistent reads cannot pin "
              "one point in time").format(table=ref, user=ctx.config.source.user.upper()))
        return
    ctx.ok(group, "flashback (AS OF SCN)", _("readable as of an SCN"))


def _check_cursor_index(ctx: DoctorContext, job: Any) -> None:
    check_cursor_index(ctx, job, hint=_("ask the DBA: "))


__all__ = ["CONNECT_STEPS", "check_connect"]
