"""The exact lines that open a target's synced data read-only from the DuckDB CLI, Python
and DBeaver (`tui-sync status`, README "Reading the synced data").

A DuckDB file is opened read-only (no process can open it while a sync writes it: DuckDB's
single-writer file lock); a lake is attached READ_ONLY and reads the last committed snapshot
while a sync writes. Every path is quoted for the place it is pasted into (shell, Python,
SQL), and a PostgreSQL catalog's password is never printed: libpq reads it from PGPASSWORD,
which the lines fill from the variable the config names.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import asdict, dataclass, field, replace

from ..cells import cell_len, pad
from ..i18n import _, english_of
from .lake import ALIAS
from .spec import POSTGRES_PREFIX, Target, TargetSpec, as_spec, redact

# What a double-quoted shell word cannot hold as is (the shell would expand or end it).
_SHELL_SPECIAL = re.compile(r'["$`\\!]')


@dataclass(frozen=True)
class OpenLines:
    kind: str  # duckdb | ducklake
    duckdb_cli: str  # one shell command line
    python: list[str]  # lines of a Python snippet, in order
    dbeaver: list[str]  # what to set in DBeaver, one step a line
    sql: list[str] = field(default_factory=list)  # a lake: the statements, one a line
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        # the notes in English (what --json prints), as plain str (a Text does not deep-copy)
        return asdict(replace(self, notes=[english_of(n) for n in self.notes]))

    def text(self) -> list[str]:
        """The block `tui-sync status` prints after its table (labels in the user's language,
        the lines to paste as they are; the labels' column is measured in terminal cells)."""
        labels = [_("DuckDB CLI:"), _("Python:"), _("DBeaver:")]
        width = max(11, *(cell_len(label) for label in labels)) + 1
        indent = " " * (2 + width)
        out = ["", _("Open the synced data read-only:")]
        out.append("  " + pad(labels[0], width) + self.duckdb_cli)
        out.append("  " + pad(labels[1], width) + self.python[0])
        out += [indent + line for line in self.python[1:]]
        out.append("  " + pad(labels[2], width) + self.dbeaver[0])
        out += [indent + line for line in self.dbeaver[1:]]
        out += [f"  ({note})" for note in self.notes]
        return out


def sql_text(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def shell_word(value: str) -> str:
    """One shell word; double quotes where they suffice (readable SQL inside), else shlex's."""
    if value and not _SHELL_SPECIAL.search(value):
        return value if shlex.quote(value) == value else f'"{value}"'
    return shlex.quote(value)


def lake_statements(spec: TargetSpec) -> tuple[list[str], list[str]]:
    """(INSTALL statements, the statements that attach the lake read-only), never a password."""
    installs = ["INSTALL ducklake;", "INSTALL postgres;" if spec.postgres else "INSTALL sqlite;"]
    if spec.s3:
        installs.append("INSTALL httpfs;")
    attach: list[str] = []
    if spec.s3:
        attach.append(_s3_secret_sql(spec))
    if spec.postgres:
        location = "ducklake:postgres:" + redact(spec.catalog[len(POSTGRES_PREFIX):].strip())
    else:
        location = "ducklake:sqlite:" + spec.catalog
    attach.append(f"ATTACH {sql_text(location)} AS {ALIAS} "
                  f"(DATA_PATH {sql_text(spec.data_path)}, READ_ONLY);")
    attach.append(f"USE {ALIAS};")
    return installs, attach


def _s3_secret_sql(spec: TargetSpec) -> str:
    # The keys stay placeholders: the sync reads them from AWS_* variables, never a file.
    parts = ["TYPE s3", "KEY_ID '<AWS_ACCESS_KEY_ID>'", "SECRET '<AWS_SECRET_ACCESS_KEY>'"]
    if spec.s3_region:
        parts.append(f"REGION {sql_text(spec.s3_region)}")
    if spec.s3_endpoint:
        parts.append(f"ENDPOINT {sql_text(spec.s3_endpoint)}")
    if spec.s3_url_style:
        parts.append(f"URL_STYLE {sql_text(spec.s3_url_style)}")
    if not spec.s3_use_ssl:
        parts.append("USE_SSL false")
    return "CREATE SECRET (" + ", ".join(parts) + ");"


def open_lines(target: Target) -> OpenLines:
    spec = as_spec(target)
    if spec.is_lake:
        return _lake_lines(spec)
    assert spec.path is not None
    path = str(spec.path.resolve())
    return OpenLines(
        kind=spec.kind,
        duckdb_cli=f"duckdb -readonly {shell_word(path)}",
        python=["import duckdb", f"con = duckdb.connect({path!r}, read_only=True)"],
        dbeaver=[f"New connection > DuckDB, Path: {path}",
                 "Driver properties: duckdb.read_only = true"],
        notes=[_("no process can open the file while a sync writes it, not even read-only; "
                 "a reader that keeps it open makes the next sync fail (exit 3)")])


def _lake_lines(spec: TargetSpec) -> OpenLines:
    installs, attach = lake_statements(spec)
    statements = installs + attach
    env = ""
    python = ["import duckdb"]
    notes = [_("reads the last committed snapshot, also while a sync writes")]
    if spec.postgres:
        if spec.password_env:
            env = f'PGPASSWORD="${spec.password_env}" '
            python += ["import os",
                       f"os.environ['PGPASSWORD'] = os.environ[{spec.password_env!r}]"]
            notes.append(_("the catalog's password: libpq reads PGPASSWORD (here from "
                           "${variable}) or ~/.pgpass").format(variable=spec.password_env))
        else:
            notes.append(_("the catalog's password, if it needs one: PGPASSWORD or ~/.pgpass "
                           "(libpq reads both)"))
    if spec.s3:
        notes.append(_("put your S3 keys in the CREATE SECRET line (the sync reads them from "
                       "AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)"))
    python.append("con = duckdb.connect()")
    python += [f"con.execute({stmt.rstrip(';')!r})" for stmt in statements]
    dbeaver = ["New connection > DuckDB, Path: :memory:",
               "Connection settings > Initialization > Bootstrap queries, one a query:"]
    dbeaver += [f"  {stmt}" for stmt in statements]
    if spec.postgres:
        dbeaver.append("start DBeaver with PGPASSWORD set, or put the password in ~/.pgpass")
    return OpenLines(kind=spec.kind, duckdb_cli=f"{env}duckdb -cmd {shell_word(' '.join(statements))}",
                     python=python, dbeaver=dbeaver, sql=statements, notes=notes)
