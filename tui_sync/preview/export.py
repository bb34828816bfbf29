"""Export of the rows the preview shows to CSV or Parquet (DESIGN §9)."""

from __future__ import annotations

import contextlib
import os
import re
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import polars as pl

from tui_sync.errors import TuiSyncError, one_line


class ExportError(TuiSyncError):
    """The export could not be written; the message is one line."""


class ExportFormat(StrEnum):
    CSV = "csv"
    PARQUET = "parquet"


_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f]+')


def default_export_path(folder: Path, table: str, fmt: ExportFormat, now: datetime | None = None) -> Path:
    """`<folder>/<table>_<YYYYmmdd_HHMMSS>.<ext>`; Korean names are kept, path separators are not."""
    stamp = (now or datetime.now()).strftime("%Y%m%d_%H%M%S")
    name = _UNSAFE.sub("_", table).strip(" .") or "table"
    return Path(folder) / f"{name}_{stamp}.{ExportFormat(fmt).value}"


def _csv_ready(frame: pl.DataFrame) -> pl.DataFrame:
    """CSV has no nested, binary or duration values: lists and structs become JSON, binary
    becomes hex, durations ISO 8601 text."""
    fixes: list[pl.Expr] = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if isinstance(dtype, pl.Struct):
            fixes.append(col.struct.json_encode())
        elif isinstance(dtype, pl.List | pl.Array):
            # json_encode needs a struct: wrap, encode, and strip the wrapper {"v": ...}
            fixes.append(
                pl.struct(col.alias("v")).struct.json_encode().str.slice(5).str.strip_suffix("}").alias(name)
            )
        elif dtype == pl.Binary:
            fixes.append(col.bin.encode("hex"))
        elif isinstance(dtype, pl.Duration):
            fixes.append(col.dt.to_string("iso"))  # DuckDB INTERVAL: ISO 8601 'PT5.5S'

        elif dtype == pl.Object:
            raise ExportError(f"column {name} holds Python objects and cannot be written to CSV")
    return frame.with_columns(fixes) if fixes else frame


def export_frame(frame: pl.DataFrame, path: Path, fmt: ExportFormat | str | None = None) -> Path:
    """Write `frame` to `path` (format from `fmt` or the suffix) and return the absolute path.

    The file is written beside its final name and renamed into place, so a
    failed export never leaves a half-written file under the name shown.
    """
    path = Path(path).expanduser()
    try:
        kind = ExportFormat(fmt) if fmt else ExportFormat(path.suffix.lower().lstrip("."))
    except ValueError:
        raise ExportError(f"unknown export format for {path.name}: use .csv or .parquet") from None
    partial = path.with_name(path.name + ".partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if kind is ExportFormat.CSV:
            _csv_ready(frame).write_csv(partial)
        else:
            frame.write_parquet(partial)
        os.replace(partial, path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        with contextlib.suppress(OSError):  # e.g. the "folder" is a file: nothing was written
            partial.unlink(missing_ok=True)
        raise ExportError(f"cannot write {path}: {one_line(exc)}") from None
    return path.resolve()
