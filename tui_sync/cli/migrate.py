"""`tui-sync migrate-target --to-lake CATALOG [--data-path DIR]`: copy the config's DuckDB-file
target (tables and sync state) into a DuckLake in one lake transaction, leave the file as it
is, and print the [target] lines that switch the config to the lake (target/migrate.py)."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from ..config.load import _parse_catalog, _parse_data_path, parse_env_name
from ..errors import ConfigError, ExitCode
from ..i18n import _
from ..target.spec import DUCKLAKE, POSTGRES_PREFIX, TargetSpec, target_spec
from .common import common_options, load, print_json


def _arg(flag: str, parse: Any, value: str) -> str:
    try:
        return parse(value)
    except ValueError as exc:
        raise ConfigError(f"{flag}: {exc}") from None


def _local(value: str) -> str:
    """A command-line path: relative to where the command runs, not to the config."""
    return str((Path.cwd() / Path(value).expanduser()).resolve())


def lake_spec(args: argparse.Namespace, config: Any) -> TargetSpec:
    catalog = _arg("--to-lake", _parse_catalog, args.to_lake)
    postgres = catalog.startswith(POSTGRES_PREFIX)
    data_path = _arg("--data-path", _parse_data_path, args.data_path or "")
    if postgres and not data_path:
        raise ConfigError(_("--data-path: required with a postgres: catalog (a folder every "
                            "writer and reader sees, or s3://bucket/prefix/)"))
    password_env = _arg("--password-env", parse_env_name, args.password_env) \
        if args.password_env else ""
    if password_env and not postgres:
        raise ConfigError(_("--password-env: only for a postgres: catalog"))
    s3 = data_path.startswith("s3://")
    for flag, value in (("--s3-endpoint", args.s3_endpoint), ("--s3-region", args.s3_region),
                        ("--s3-url-style", args.s3_url_style), ("--s3-no-ssl", args.s3_no_ssl)):
        if value and not s3:
            raise ConfigError(_("{flag}: only for an s3:// --data-path").format(flag=flag))
    target = dataclasses.replace(
        config.target, kind=DUCKLAKE, path="",
        catalog=catalog if postgres else _local(catalog),
        data_path=data_path if not data_path or s3 else _local(data_path),
        password_env=password_env, s3_endpoint=args.s3_endpoint or "",
        s3_region=args.s3_region or "", s3_url_style=args.s3_url_style or "",
        s3_use_ssl=not args.s3_no_ssl)
    return target_spec(dataclasses.replace(config, target=target))


def target_section(spec: TargetSpec, memory_limit: str = "") -> list[str]:
    lines = ["[target]", "kind = ducklake", f"catalog = {spec.catalog}",
             f"data_path = {spec.data_path}"]
    if spec.password_env:
        lines.append(f"password_env = {spec.password_env}")
    for key, value in (("s3_endpoint", spec.s3_endpoint), ("s3_region", spec.s3_region),
                       ("s3_url_style", spec.s3_url_style)):
        if value:
            lines.append(f"{key} = {value}")
    if spec.s3 and not spec.s3_use_ssl:
        lines.append("s3_use_ssl = false")
    if memory_limit:
        lines.append(f"memory_limit = {memory_limit}")
    return lines


def cmd_migrate_target(args: argparse.Namespace) -> int:
    from ..target.migrate import migrate_file_to_lake

    config = load(args)
    source = target_spec(config)
    if source.is_lake:
        raise ConfigError(_("{config}:target:kind: the target is a DuckLake already; "
                            "migrate-target moves a DuckDB-file target into a lake").format(
                                config=config.path))
    assert source.path is not None
    spec = lake_spec(args, config)
    done = migrate_file_to_lake(source.path, spec)
    section = target_section(spec, config.target.memory_limit)
    if args.json:
        print_json({"ok": True, "file": str(source.path), "lake": spec.display,
                    "snapshot": done.snapshot, "tables": done.tables, "state": done.state,
                    "views_skipped": done.views_skipped, "pending_runs": done.pending_runs,
                    "target": section})
        return ExitCode.OK
    rows = sum(done.tables.values())
    print(_("copied {n} table(s) ({rows} rows) and the sync state ({state}) from DuckDB "
            "file {file} into {lake}, in one commit (snapshot {snapshot})").format(
        n=len(done.tables), rows=f"{rows:,}", state=", ".join(f"{k} {v:,}" for k, v in done.state.items()),
        file=source.path, lake=spec.display, snapshot=done.snapshot))
    if done.views_skipped:
        print(_("not copied (views; create them again in the lake): {views}").format(
            views=", ".join(done.views_skipped)))
    print(_("the DuckDB file is unchanged. To sync into the lake from now on, replace the "
            "[target] section of {config} with:").format(config=config.path or _("your config")))
    print("")
    print("\n".join(section))
    return ExitCode.OK


def add_migrate_parser(sub: Any) -> None:
    p = sub.add_parser(
        "migrate-target", parents=[common_options()],
        help=_("copy the DuckDB-file target (tables and sync state) into a DuckLake; "
               "the file is left as it is"))
    p.add_argument("--to-lake", required=True, metavar="CATALOG",
                   help=_("the lake's catalog: a SQLite file (created if missing) or "
                          "postgres:<libpq connection string>"))
    p.add_argument("--data-path", metavar="DIR",
                   help=_("the lake's Parquet files: a folder or s3://bucket/prefix/ "
                          "(default: beside a SQLite catalog, <name>.files/)"))
    p.add_argument("--password-env", metavar="NAME",
                   help=_("a postgres: catalog's password is read from this variable"))
    s3 = p.add_argument_group(
        _("an s3:// data path (keys from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)"))
    s3.add_argument("--s3-endpoint", metavar="HOST:PORT", help=_("an S3-compatible server (MinIO)"))
    s3.add_argument("--s3-region", metavar="REGION")
    s3.add_argument("--s3-url-style", choices=("vhost", "path"))
    s3.add_argument("--s3-no-ssl", action="store_true", help=_("plain HTTP to the endpoint"))
    p.set_defaults(func=cmd_migrate_target)
