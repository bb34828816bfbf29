"""Where the synced data lives: a DuckDB file, or a DuckLake (a catalog database plus Parquet
files) that other processes read while a sync writes (DESIGN §6).

A `TargetSpec` is what the rest of the code passes around instead of a bare file path; a
`Path` still means "the DuckDB file at that path" everywhere (`as_spec`). The lock file, the
queue of runs recorded while the target was busy and the messages hang off `anchor`: the
DuckDB file, the SQLite catalog file, or (a PostgreSQL catalog, which has no local file) a
file in the user data dir named after the catalog.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

from .. import paths
from ..config.model import Config
from ..i18n import N_, _

DUCKDB, DUCKLAKE = "duckdb", "ducklake"
KINDS = (DUCKDB, DUCKLAKE)
POSTGRES_PREFIX = "postgres:"
DEFAULT_KEEP_SNAPSHOTS = timedelta(days=30)
_PASSWORD_RE = re.compile(r"(?i)\bpassword\s*=")


@dataclass(frozen=True)
class TargetSpec:
    kind: str = DUCKDB
    path: Path | None = None  # kind duckdb: the file
    # kind ducklake: a SQLite catalog file (absolute) or 'postgres:' + a libpq connection string
    catalog: str = ""
    data_path: str = ""  # ducklake: a folder (absolute, ends with /) or an s3:// URL
    password_env: str = ""  # a PostgreSQL catalog's password comes from this variable
    keep_snapshots: timedelta | None = DEFAULT_KEEP_SNAPSHOTS  # None: keep every snapshot
    s3_endpoint: str = ""  # an S3-compatible server (MinIO, a local moto); empty: AWS
    s3_region: str = ""
    s3_url_style: str = ""  # vhost | path
    s3_use_ssl: bool = True
    # time travel: read the lake as it was at this snapshot (read-only)
    at_snapshot: int | None = None

    def at(self, snapshot: int | None) -> TargetSpec:
        """This lake as of `snapshot` (None: as it is now)."""
        return replace(self, at_snapshot=snapshot)

    @property
    def is_lake(self) -> bool:
        return self.kind == DUCKLAKE

    @property
    def postgres(self) -> bool:
        return self.is_lake and self.catalog.startswith(POSTGRES_PREFIX)

    @property
    def s3(self) -> bool:
        return self.is_lake and self.data_path.startswith("s3://")

    @property
    def catalog_file(self) -> Path | None:
        return None if not self.is_lake or self.postgres else Path(self.catalog)

    @property
    def anchor(self) -> Path:
        """The local file the lock, the holder note and the queued runs sit beside."""
        if not self.is_lake:
            assert self.path is not None
            return self.path
        if self.catalog_file is not None:
            return self.catalog_file
        digest = hashlib.sha256(self.catalog.encode()).hexdigest()[:12]
        return paths.data_dir() / "lakes" / f"postgres-{digest}.lake"

    def exists(self) -> bool:
        """Whether there is anything to read yet (a PostgreSQL catalog is asked when opened)."""
        if self.postgres:
            return True
        return self.anchor.is_file()

    @property
    def display(self) -> str:
        """How messages name the target (never with a password), in the user's language."""
        return self._display(_)

    @property
    def display_en(self) -> str:
        """`display` in English, for text written to files (a systemd unit's Description)."""
        return self._display(str)

    def _display(self, translate: Callable[[str], str]) -> str:
        if not self.is_lake:
            return translate(N_("DuckDB file {path}")).format(path=self.path)
        if self.at_snapshot is not None:
            return translate(N_("DuckLake {catalog} (data {data_path}) as of snapshot {snapshot}")
                             ).format(catalog=redact(self.catalog), data_path=self.data_path,
                                      snapshot=self.at_snapshot)
        return translate(N_("DuckLake {catalog} (data {data_path})")).format(
            catalog=redact(self.catalog), data_path=self.data_path)

    @property
    def name(self) -> str:
        """A short name for status lines: the file's name, or the lake's catalog."""
        if not self.is_lake:
            assert self.path is not None
            return self.path.name
        return Path(self.catalog).name if self.catalog_file is not None else "the lake"

    @property
    def noun(self) -> str:
        return "DuckLake" if self.is_lake else "DuckDB file"


def as_spec(target: TargetSpec | Path | str | os.PathLike[str]) -> TargetSpec:
    """A spec from a spec, or from a DuckDB file's path (what older callers pass)."""
    if isinstance(target, TargetSpec):
        return target
    return TargetSpec(DUCKDB, Path(target))


Target = TargetSpec | Path


def redact(text: str) -> str:
    """A libpq string with any password=... value replaced (never show or log it)."""
    return re.sub(r"(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", text)


def has_password(text: str) -> bool:
    return bool(_PASSWORD_RE.search(text))


def default_data_path(catalog_file: Path) -> str:
    """Beside the catalog: data/lake.sqlite keeps its Parquet files in data/lake.files/."""
    return str(catalog_file.with_name(catalog_file.stem + ".files")) + "/"


def target_spec(config: Config) -> TargetSpec:
    """The target a config names, relative paths resolved against the config's folder."""
    t = config.target

    def local(value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else config.base_dir / p

    if t.kind != DUCKLAKE:
        return TargetSpec(DUCKDB, local(t.path))
    catalog = t.catalog if t.catalog.startswith(POSTGRES_PREFIX) else str(local(t.catalog))
    if t.data_path.startswith("s3://"):
        data_path = t.data_path if t.data_path.endswith("/") else t.data_path + "/"
    elif t.data_path:
        data_path = str(local(t.data_path)) + "/"
    else:
        data_path = default_data_path(Path(catalog))
    return TargetSpec(DUCKLAKE, None, catalog, data_path, t.password_env, t.keep_snapshots,
                      t.s3_endpoint, t.s3_region, t.s3_url_style, t.s3_use_ssl)
