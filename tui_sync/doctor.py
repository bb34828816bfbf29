"""`tui-sync doctor`: check the config, the source, the target and the read path
before any data moves (DESIGN §7).

A doctor run is a list of checks; each check appends steps (✓ ok, ✗ fail,
! warning, - skipped) with a one-line detail and a one-line hint. A check is a
plain function `check(ctx: DoctorContext) -> None` registered for a source kind
in `CHECKS` (or with `register`); it may raise `StopChecks` when later checks
make no sense (no connection). A check that raises anything else becomes one
failed step: the doctor never shows a traceback, and every text it produces is
scrubbed of the password.

Source-specific checks live in their own modules (doctor_oracle, doctor_probe);
this one holds the framework, the checks every source shares (config, versions,
target, lock) and the SQLite/demo checks. Never imports Textual.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from . import __version__
from .config import Config
from .errors import ExitCode, TuiSyncError, one_line
from .i18n import N_, _
from .sources.base import Source
from .target.spec import TargetSpec, target_spec


class StepStatus(StrEnum):
    OK = "ok"
    FAIL = "fail"
    WARN = "warning"
    SKIP = "skipped"


MARKS = {StepStatus.OK: "✓", StepStatus.FAIL: "✗", StepStatus.WARN: "!", StepStatus.SKIP: "-"}

# A step's group and name are keys (the TUI's Connection screen and --json read them in
# English); the report shows them translated. Marked here: every group and step name the
# checks use (a type probe's name is a type, shown as it is).
STEP_WORDS = (
    N_("config"), N_("versions"), N_("target"), N_("source"), N_("tables"), N_("driver"),
    N_("connect"), N_("server"), N_("rights"), N_("types"),
    N_("load"), N_("loaded"), N_("setting"), N_("software"), N_("writable"), N_("lake"),
    N_("lock"), N_("file"), N_("opens"), N_("cursor index"), N_("configured tables"),
    N_("exists"), N_("type plan"), N_("user"), N_("password source"), N_("dsn"),
    N_("python-oracledb"), N_("Oracle Client"), N_("connected"), N_("network"),
    N_("dictionary"), N_("NLS session"), N_("character sets"), N_("time zones"),
    N_("SCN source"), N_("sessions for parallel"), N_("flashback (AS OF SCN)"),
    N_("newer types"), N_("check failed"), N_("version"),
)


def step_words(step: Step) -> tuple[str, str]:
    """The group and name of a step in the reader's language ("table X" keeps its name)."""
    group = step.group
    if group.startswith("table "):
        group = _("table {name}").format(name=group[len("table "):])
    elif group:
        group = _(group)
    return group, (_(step.name) if step.name else step.name)


@dataclass
class Step:
    group: str  # "config", "driver", "connect", "server", "rights", "table APP.T", "types", ...
    name: str
    status: StepStatus
    detail: str = ""
    hint: str = ""


class StopChecks(Exception):  # noqa: N818 - a signal, not an error
    """Raised by a check when the remaining checks cannot run (e.g. no connection)."""


@dataclass
class DoctorContext:
    config: Config
    tables: list[str]  # the TABLEs named, else the configured ones
    source_factory: Callable[[], Source]
    on_step: Callable[[Step], None] | None = None
    steps: list[Step] = field(default_factory=list)
    source: Source | None = None  # connected by the connect check
    secret: str | None = None  # the password, only to scrub it from texts
    data: dict[str, Any] = field(default_factory=dict)  # facts checks share (server version, ...)

    def add(self, group: str, name: str, status: StepStatus, detail: str = "", hint: str = "") -> Step:
        step = Step(group, name, status, self.scrub(detail), self.scrub(hint))
        self.steps.append(step)
        if self.on_step is not None:
            self.on_step(step)
        return step

    def ok(self, group: str, name: str, detail: str = "") -> Step:
        return self.add(group, name, StepStatus.OK, detail)

    def fail(self, group: str, name: str, detail: str, hint: str = "") -> Step:
        return self.add(group, name, StepStatus.FAIL, detail, hint)

    def warn(self, group: str, name: str, detail: str, hint: str = "") -> Step:
        return self.add(group, name, StepStatus.WARN, detail, hint)

    def skip(self, group: str, name: str, detail: str = "") -> Step:
        return self.add(group, name, StepStatus.SKIP, detail)

    def scrub(self, text: str) -> str:
        text = " ".join(str(text).splitlines()).strip()  # one line, whatever the driver said
        if self.secret and len(self.secret) >= 3:
            text = text.replace(self.secret, "***")
        return text


Check = Callable[[DoctorContext], None]
CHECKS: dict[str, list[Check]] = {"common": [], "sqlite": [], "oracle": []}


def register(kind: str, check: Check | None = None, *, before: Check | None = None) -> Any:
    """Add a check for a source kind ("common" runs for every source); usable as a decorator."""
    def add(func: Check) -> Check:
        checks = CHECKS.setdefault(kind, [])
        if before is not None and before in checks:
            checks.insert(checks.index(before), func)
        else:
            checks.append(func)
        return func
    return add(check) if check is not None else add


@dataclass
class Report:
    steps: list[Step]
    config_path: str = ""
    server_info: Any = None  # the source's ServerInfo when the connect check got that far

    @property
    def ok(self) -> bool:
        return not any(s.status == StepStatus.FAIL for s in self.steps)

    @property
    def exit_code(self) -> int:
        return ExitCode.OK if self.ok else ExitCode.FAILED

    def to_json(self) -> dict[str, Any]:
        return {"ok": self.ok, "config": self.config_path,
                "steps": [{**asdict(s), "status": s.status.value} for s in self.steps]}

    def render(self) -> str:
        return "\n".join(render_step(s) for s in self.steps)


def render_step(step: Step) -> str:
    group, name = step_words(step)
    line = f" {MARKS[step.status]} {group}: {name}"
    if step.detail:
        line += f" - {step.detail}"
    if step.hint and step.status in (StepStatus.FAIL, StepStatus.WARN):
        line += "\n     " + _("hint: {hint}").format(hint=step.hint)
    return line


def run_doctor(config: Config, tables: Sequence[str] = (), *,
               source_factory: Callable[[], Source] | None = None,
               on_step: Callable[[Step], None] | None = None) -> Report:
    """Run every check for the config's source kind; never raises for a failed check."""
    from . import doctor_oracle, doctor_probe  # noqa: F401 - they register their checks
    from .sources import open_source

    factory = source_factory or (lambda: open_source(config.source, base_dir=config.base_dir))
    ctx = DoctorContext(config, list(tables) or list(config.tables), factory, on_step)
    try:
        ctx.secret = config.source.resolve_password() if config.source.needs_password else None
    except Exception:  # noqa: BLE001 - a broken keyring is reported by the password check
        ctx.secret = None
    try:
        for check in [*CHECKS["common"], *CHECKS.get(config.source.spec.name, [])]:
            try:
                check(ctx)
            except StopChecks:
                break
            except Exception as exc:  # noqa: BLE001 - a check's own failure is one step
                ctx.fail(getattr(check, "group", check.__name__.removeprefix("check_")),
                         "check failed", one_line(exc, named=True))
    finally:
        if ctx.source is not None:
            try:
                ctx.source.close()
            except Exception:  # noqa: BLE001
                pass
    return Report(ctx.steps, str(config.path or ""), ctx.data.get("server_info"))


def config_failure_report(path: str, exc: BaseException) -> Report:
    """The report when the config itself does not load."""
    return Report([Step("config", "load", StepStatus.FAIL, one_line(exc, named=True),
                        _("fix the file (tui-sync init writes a commented one)"))], path)


# -- checks every source shares ---------------------------------------------------------------

@register("common")
def check_config(ctx: DoctorContext) -> None:
    cfg = ctx.config
    where = str(cfg.path) if cfg.path else _("(no file)")
    ctx.ok("config", "loaded", _("{where}: {kind} source, {n} configured table(s)").format(
        where=where, kind=cfg.source.kind, n=len(cfg.tables)))
    for warning in cfg.warnings:
        ctx.warn("config", "setting", warning)


@register("common")
def check_versions(ctx: DoctorContext) -> None:
    import duckdb
    import pyarrow

    ctx.ok("versions", "software", f"tui-sync {__version__}, Python {platform.python_version()}, "
           f"DuckDB {duckdb.__version__}, pyarrow {pyarrow.__version__}")


@register("common")
def check_target(ctx: DoctorContext) -> None:
    spec = target_spec(ctx.config)
    if spec.is_lake:
        check_lake(ctx, spec)
        return
    path = spec.anchor
    folder = path.parent
    if path.exists():
        if os.access(path, os.W_OK):
            ctx.ok("target", "writable", str(path))
        else:
            ctx.fail("target", "writable", _("{path} is not writable by this user").format(path=path),
                     _("fix its permissions or point [target] path elsewhere"))
    elif folder.exists():
        if os.access(folder, os.W_OK):
            ctx.ok("target", "writable", _("{path} (created by the first sync)").format(path=path))
        else:
            ctx.fail("target", "writable", _("cannot create files in {folder}").format(folder=folder),
                     _("fix the folder's permissions or point [target] path elsewhere"))
    else:
        ctx.warn("target", "writable", _("{folder} does not exist yet").format(folder=folder),
                 _("create it (mkdir -p {folder}) or point [target] path elsewhere").format(folder=folder))


def check_lake(ctx: DoctorContext, spec: TargetSpec) -> None:
    """A lake: its extensions load and its catalog opens (or can be created)."""
    from .target import lake

    if not spec.exists():  # doctor writes nothing: check the extensions, not the catalog
        try:
            lake.check_extensions(spec)
        except TuiSyncError as exc:
            ctx.fail("target", "lake", str(exc), _("see README: The DuckLake target"))
            return
        ctx.ok("target", "lake", _("{lake}: extensions load; the first sync creates it").format(
            lake=spec.display))
        return
    try:
        con = lake.connect(spec, create=False)
    except TuiSyncError as exc:
        ctx.fail("target", "lake", str(exc), _("see README: The DuckLake target"))
        return
    try:
        snapshot = lake.current_snapshot(con)
    finally:
        con.close()
    ctx.ok("target", "lake", _("{lake}: opens, snapshot {snapshot}").format(lake=spec.display,
                                                                           snapshot=snapshot))


@register("common")
def check_lock(ctx: DoctorContext) -> None:
    from .target.lock import describe_holder, is_held, read_holder

    path = target_spec(ctx.config)
    if is_held(path):
        ctx.warn("target", "lock", _("a sync is running now: {holder}").format(
            holder=describe_holder(read_holder(path))),
                 _("wait for it to finish; a second sync would be refused (exit 3)"))
    else:
        ctx.ok("target", "lock", _("free"))


# -- SQLite (and --demo) --------------------------------------------------------------------------

@register("sqlite")
def check_sqlite_source(ctx: DoctorContext) -> None:
    path = ctx.config.source_path()
    if not path.exists():
        ctx.fail("source", "file", _("{path} does not exist").format(path=path), _("check [source] path"))
        raise StopChecks
    source = ctx.source_factory()
    try:
        source.connect()
        info = source.server_info()
    except Exception as exc:  # noqa: BLE001
        ctx.fail("source", "opens", one_line(exc, named=True), _("is it a SQLite database file?"))
        raise StopChecks from None
    ctx.source = source
    ctx.data["server_info"] = info
    ctx.ok("source", "opens", f"{path} ({info.version})")


@register("sqlite")
def check_sqlite_tables(ctx: DoctorContext) -> None:
    assert ctx.source is not None
    infos = ctx.source.list_tables()
    ctx.ok("source", "tables", _("{n} table(s)").format(n=len(infos)))
    hint = _("run it on {path}: ").format(path=ctx.config.source_path())
    check_tables(ctx, extra=(lambda c, job: check_cursor_index(c, job, hint),))


def check_cursor_index(ctx: DoctorContext, job: Any, hint: str | None = None) -> None:
    """An incremental run reads MAX(cursor) and the window: without an index on the
    cursor, each is a scan of the whole table. `hint` leads the CREATE INDEX."""
    group = f"table {job.name}"
    if not job.cursor:
        return
    if hint is None:
        hint = _("run it in the source database: ")
    assert ctx.source is not None
    if job.description.is_view:
        ctx.skip(group, "cursor index", _("a view: the indexes of its base tables decide"))
        return
    if job.description.query is not None:
        ctx.skip(group, "cursor index", _("a query: the indexes of the tables it reads decide"))
        return
    found = ctx.source.cursor_index(job.description, job.cursor)
    if found is None:
        ctx.skip(group, "cursor index", _("the source cannot tell"))
    elif found.indexed:
        ctx.ok(group, "cursor index", _("{cursor} leads {index}").format(cursor=job.cursor,
                                                                        index=found.index))
    else:
        ctx.warn(group, "cursor index", found.problem(), hint + found.create)


def check_tables(ctx: DoctorContext, extra: Iterable[Callable[[DoctorContext, Any], None]] = ()) -> None:
    """Per table: it exists (through the sync's own resolution), estimated rows, plan warnings;
    `extra` checks get the resolved job."""
    from .engine import resolve_job

    if not ctx.tables:
        ctx.skip("tables", "configured tables", _("none configured; name tables: tui-sync doctor TABLE"))
        return
    assert ctx.source is not None
    for name in ctx.tables:
        group = f"table {name}"
        try:
            job = resolve_job(ctx.config, ctx.source, name)
        except TuiSyncError as exc:
            ctx.fail(group, "exists", str(exc),
                     _("check the name (tui-sync tables lists them) and its settings"))
            continue
        info = job.description.info
        kind = _("view") if job.description.is_view else _("table")
        seen_as = "" if info.name.upper() == name.upper() else " " + _("(as {name})").format(name=info.name)
        rows = _("{rows} rows (estimate)").format(rows=f"{info.estimated_rows:,}") \
            if info.estimated_rows is not None else _("no row estimate (statistics not gathered)")
        if job.description.query is not None:  # described, not read: no count to give
            kind, rows = _("query"), _("described without reading its rows")
        ctx.ok(group, "exists", _("{kind}{seen_as}, {n} columns, {rows}").format(
            kind=kind, seen_as=seen_as, n=len(job.description.columns), rows=rows))
        warnings = job.plan.warnings
        if warnings:
            for w in warnings:
                ctx.warn(group, "type plan", w, _("see tui-sync plan {table}").format(table=name))
        else:
            ctx.ok(group, "type plan", _("{n} columns, no warnings").format(n=len(job.plan.included)))
        for check in extra:
            check(ctx, job)


__all__ = ["CHECKS", "STEP_WORDS", "DoctorContext", "Report", "Step", "StepStatus", "StopChecks", "check_cursor_index",
           "config_failure_report", "register", "render_step", "run_doctor", "step_words"]
