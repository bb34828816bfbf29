"""Connecting to Oracle: the driver version, the DSN sent in thick mode, and connect
failures turned into one line that names the host/service and the cause.

Facts from python-oracledb 26.1.0's source (src/oracledb/) this module relies on:

- Thin mode resolves host names in `description_list.set_active_children()`
  (impl/thin/connection.pyx ~l.181, before the try that wraps socket errors, via
  impl/base/connect_params.pyx ~l.771 `socket.getaddrinfo`): an unknown host escapes
  as a bare `socket.gaierror` (an OSError), not as an `oracledb.Error`. Other
  socket errors of the TCP connect are wrapped as DPY-6005 with the OSError as the
  cause, whose text is the second line of the message (errors.py `_create_err`).
- A listener that does not know the service or SID raises DPY-6001 / DPY-6003
  ("Similar to ORA-12514/ORA-12505", impl/thin/messages/connect.pyx ~l.103), again
  wrapped in DPY-6005; thick mode raises the ORA codes themselves.
- Thick mode passes the DSN string to Oracle Client unchanged by default
  (`thick_mode_dsn_passthrough`, impl/thick/connection.pyx ~l.449), so keyword
  arguments such as `expire_time` and `tcp_connect_timeout` never reach the client:
  they must travel in the Easy Connect string or the descriptor.
- DPY-3001 is the generic "<feature> is only supported in python-oracledb thick
  mode" (errors.py ERR_FEATURE_NOT_SUPPORTED): its own text says which feature.

This module must never import Textual.
"""

from __future__ import annotations

import re
import socket
from dataclasses import dataclass
from typing import Any

from ...errors import SourceError
from ...i18n import _

# requested_schema exists from 3.4.0; 4.0.0-4.0.2 and 26.0.0 return unequal decimal
# columns across batches (python-oracledb issue 605); 26.0.1 carries the 605/606 fixes.
MIN_DRIVER = (26, 0, 1)
MIN_DRIVER_TEXT = ".".join(map(str, MIN_DRIVER))


class ConnectError(SourceError):
    """A connect failure; `step` names what failed (for `tui-sync doctor`):
    driver, resolve, tcp, listener, auth, account, version, thick, network."""

    def __init__(self, message: str, *, step: str, transient: bool = False, code: str | None = None):
        super().__init__(message, transient=transient, code=code)
        self.step = step


def _version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for p in str(text).split("."):
        m = re.match(r"\d+", p)
        if not m:
            break
        parts.append(int(m.group(0)))
    return tuple(parts)


def check_driver_version(driver: Any) -> str:
    """The running python-oracledb version, or ConnectError when it is too old.

    A stand-in driver without `__version__` (a test double) is not judged."""
    if not hasattr(driver, "__version__"):
        return "(version unknown)"
    version = str(getattr(driver, "__version__", "") or "")
    if _version_tuple(version) < MIN_DRIVER:
        raise ConnectError(_(
            "python-oracledb {version} is too old: tui-sync needs {needed} or later "
            "(requested_schema arrives in 3.4; 4.0.0-4.0.2 and 26.0.0 return unequal decimal "
            "columns, python-oracledb issue 605); run: pip install -U 'oracledb>={needed}'"
        ).format(version=version or _("(unknown version)"), needed=MIN_DRIVER_TEXT),
            step="driver", code="DRIVER-VERSION")
    return version


# -- the DSN ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class DsnParts:
    kind: str  # "easy" (Easy Connect), "descriptor" or "alias" (tnsnames.ora)
    host: str = ""
    port: int | None = None
    service: str = ""

    def where(self, dsn: str) -> str:
        if self.kind == "alias":
            return _("tnsnames alias {dsn}").format(dsn=dsn)
        if not self.host:
            return dsn
        text = self.host + (f":{self.port}" if self.port else "")
        return text + (f"/{self.service}" if self.service else "")


_EASY_RE = re.compile(
    r"^(?:(?P<proto>tcps?)://)?(?://)?(?P<host>\[[^\]]+\]|[^:/?\s]+)(?::(?P<port>\d+))?"
    r"(?:[/:](?P<service>[^:/?\s]+))?")


def dsn_parts(dsn: str) -> DsnParts:
    """Host, port and service of an Easy Connect string or a connect descriptor."""
    text = (dsn or "").strip()
    if text.startswith("("):
        host = re.search(r"\(\s*HOST\s*=\s*([^)\s]+)", text, re.I)
        port = re.search(r"\(\s*PORT\s*=\s*(\d+)", text, re.I)
        service = re.search(r"\(\s*(?:SERVICE_NAME|SID)\s*=\s*([^)\s]+)", text, re.I)
        return DsnParts("descriptor", host.group(1) if host else "", int(port.group(1)) if port else None,
                        service.group(1) if service else "")
    if not re.search(r"[/:?]", text):
        return DsnParts("alias")  # a bare name: Oracle resolves it through tnsnames.ora first
    m = _EASY_RE.match(text)
    if not m:
        return DsnParts("easy")
    return DsnParts("easy", m.group("host").strip("[]"), int(m.group("port")) if m.group("port") else 1521,
                    m.group("service") or "")


def thick_dsn(dsn: str, *, expire_time: int, connect_timeout: float) -> str:
    """The DSN for thick mode with the connect timeout and keepalive carried in it
    (the client ignores the keyword arguments, see the module docstring).

    Easy Connect: `?transport_connect_timeout=N&expire_time=M` (Easy Connect Plus,
    Oracle Client 19c and later). A descriptor gets (TRANSPORT_CONNECT_TIMEOUT=N)
    (EXPIRE_TIME=M) inside DESCRIPTION. A tnsnames alias is passed unchanged: its
    descriptor in tnsnames.ora, or SQLNET.EXPIRE_TIME / TCP.CONNECT_TIMEOUT in
    sqlnet.ora, decide (Oracle 11.2 users with an alias get the client's defaults).
    A setting already in the DSN is kept as written.
    """
    parts = dsn_parts(dsn)
    wanted = [("transport_connect_timeout", int(connect_timeout))]
    if expire_time:
        wanted.append(("expire_time", int(expire_time)))
    if parts.kind == "alias":
        return dsn
    if parts.kind == "descriptor":
        add = "".join(f"({k.upper()}={v})" for k, v in wanted
                      if not re.search(rf"\(\s*{k}\s*=", dsn, re.I))
        return re.sub(r"^\(\s*DESCRIPTION\s*=", lambda m: m.group(0) + add, dsn, count=1, flags=re.I)
    query = dsn.split("?", 1)[1] if "?" in dsn else ""
    add_parts = [f"{k}={v}" for k, v in wanted if not re.search(rf"(^|&){k}=", query, re.I)]
    if not add_parts:
        return dsn
    return dsn + ("&" if "?" in dsn else "?") + "&".join(add_parts)


# -- connect failures --------------------------------------------------------------------------

def _cause_text(exc: BaseException) -> str:
    """The driver message after its first line (DPY-6005 puts the cause there)."""
    err = exc.args[0] if exc.args else None
    message = str(getattr(err, "message", None) or exc)
    lines = [ln.strip() for ln in message.splitlines()[1:] if ln.strip() and not ln.startswith("Help:")]
    cause = exc.__cause__
    if not lines and cause is not None:
        lines = [str(cause)]
    return "; ".join(lines)


def _is_unresolved(exc: BaseException | None, text: str) -> bool:
    if isinstance(exc, socket.gaierror):
        return True
    return bool(re.search(r"Name or service not known|nodename nor servname|getaddrinfo failed|"
                          r"No address associated|Temporary failure in name resolution|\[Errno -[235]\]",
                          text))


def map_connect_error(exc: BaseException, *, dsn: str, user: str) -> ConnectError | None:
    """One line for a failure of `connect()`, or None for errors not about connecting."""
    parts = dsn_parts(dsn)
    where = parts.where(dsn)
    err = exc.args[0] if exc.args and not isinstance(exc, OSError) else None
    full_code = str(getattr(err, "full_code", "") or "")
    code = int(getattr(err, "code", 0) or 0)
    cause = exc.__cause__
    if isinstance(exc, OSError):
        return _socket_failure(exc, parts, where, dsn)
    mapped = _map_driver_error(exc, err, full_code, code, cause, parts, where, dsn, user)
    if mapped is not None and getattr(err, "isrecoverable", False):
        mapped.transient = True  # the driver's own judgement (e.g. ORA-12514 while a PDB opens)
    return mapped


def _map_driver_error(exc: BaseException, err: Any, full_code: str, code: int, cause: BaseException | None,
                      parts: DsnParts, where: str, dsn: str, user: str) -> ConnectError | None:
    detail = _cause_text(exc) if full_code == "DPY-6005" else ""
    if full_code == "DPY-6005":
        if isinstance(cause, OSError) or _is_unresolved(None, detail):
            if isinstance(cause, OSError):
                return _socket_failure(cause, parts, where, dsn, code="DPY-6005")
            return _resolve_failure(parts, where, dsn, detail, code="DPY-6005")
        if "DPY-6001" in detail or "12514" in detail:
            code = 12514
        elif "DPY-6003" in detail or "12505" in detail:
            code = 12505
        elif re.search(r"timed out", detail, re.I):
            return ConnectError("DPY-6005: " + _(
                "TCP connect to {where} timed out ({detail}); check the host and port, and that a "
                "firewall lets this machine through").format(where=where, detail=detail),
                                step="tcp", transient=True, code="DPY-6005")
        elif re.search(r"refused|Errno 111", detail, re.I):
            return ConnectError("DPY-6005: " + _(
                "TCP connect to {where} refused ({detail}): no listener on that port; check the "
                "port in dsn").format(where=where, detail=detail),
                step="tcp", transient=True, code="DPY-6005")
    if code == 12514:
        return ConnectError("ORA-12514: " + _(
            "the listener at {address} does not know service {service}; check the service name "
            "in dsn (lsnrctl services on the server lists them; a PDB is e.g. ORCLPDB1, not the "
            "CDB's SID)").format(address=_host_port(parts, where),
                                 service=parts.service or _("(as given)")),
            step="listener", code="ORA-12514")
    if code == 12505:
        return ConnectError("ORA-12505: " + _(
            "the listener at {address} does not know SID {service}; use host:port/SERVICE_NAME "
            "(a slash) rather than host:port:SID, or check the SID with lsnrctl status").format(
                address=_host_port(parts, where), service=parts.service or _("(as given)")),
            step="listener", code="ORA-12505")
    if code == 1017:
        return ConnectError("ORA-01017: " + _(
            "Oracle rejected user {user} at {where} (wrong user name or password); check user "
            "and the password in the variable named by password_env (passwords are "
            "case-sensitive from 11g)").format(user=user.upper(), where=where),
            step="auth", code="ORA-01017")
    if code == 28000:
        return ConnectError("ORA-28000: " + _(
            "account {user} is locked at {where} (too many failed logins or locked by a DBA); "
            "ask the DBA to run ALTER USER {user} ACCOUNT UNLOCK").format(
                user=user.upper(), where=where),
            step="account", code="ORA-28000")
    if code == 28001:
        return ConnectError("ORA-28001: " + _(
            "the password of {user} has expired at {where}; change it (SQL*Plus: password) or "
            "ask the DBA, then update the password source").format(user=user.upper(), where=where),
            step="account", code="ORA-28001")
    if full_code == "DPY-6005":
        return ConnectError("DPY-6005: " + _("cannot connect to {where}: {detail}").format(
                                where=where, detail=detail or _first(exc)),
                            step="network", transient=True, code="DPY-6005")
    if code in (12541, 12543, 12170, 12535):
        text = _first(exc)
        return ConnectError(_("{error} (connecting to {where}); check the host and port, and the "
                              "firewall").format(error=text, where=where),
                            step="tcp", transient=True, code=full_code or None)
    if code in (12154, 12262, 12545):
        return ConnectError(_("{error} (connecting to {where}); check the host or tnsnames alias "
                              "in dsn, and config_dir").format(error=_first(exc), where=where),
                            step="resolve", code=full_code or None)
    return None


def joined(text: str) -> str:
    """Join a multi-line driver message into one line, dropping 'Help: <url>' lines (the ORA-
    text's later lines carry the detail, so they are kept rather than cut by one_line())."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("Help:")]
    return "; ".join(lines)


def _first(exc: BaseException) -> str:
    err = exc.args[0] if exc.args else None
    text = str(getattr(err, "message", None) or exc)
    return (text.splitlines() or [type(exc).__name__])[0].strip()


def _host_port(parts: DsnParts, where: str) -> str:
    return f"{parts.host}:{parts.port}" if parts.host else where


def _resolve_failure(parts: DsnParts, where: str, dsn: str, detail: str,
                     code: str | None = None) -> ConnectError:
    host = parts.host or dsn
    pre = f"{code}: " if code else ""
    return ConnectError(pre + _("cannot connect to {where}: host name {host!r} does not resolve "
                                "({detail}); check the host in dsn, DNS or /etc/hosts").format(
                            where=where, host=host, detail=detail), step="resolve", code=code)


def _socket_failure(exc: OSError, parts: DsnParts, where: str, dsn: str,
                    code: str | None = None) -> ConnectError:
    detail = exc.strerror or str(exc) or type(exc).__name__
    pre = f"{code}: " if code else ""  # the driver's code first, as a DBA searches for it
    if _is_unresolved(exc, str(exc)):
        return _resolve_failure(parts, where, dsn, detail, code)
    if isinstance(exc, ConnectionRefusedError):
        return ConnectError(pre + _(
            "TCP connect to {where} refused ({detail}): no listener on that port; check the "
            "port in dsn").format(where=where, detail=detail),
            step="tcp", transient=True, code=code)
    if isinstance(exc, TimeoutError):
        return ConnectError(pre + _(
            "TCP connect to {where} timed out; check the host and port, and that a firewall lets "
            "this machine through").format(where=where), step="tcp", transient=True, code=code)
    return ConnectError(pre + _("cannot connect to {where}: {detail}").format(
                            where=where, detail=f"{type(exc).__name__}: {detail}"), step="tcp",
                        transient=True, code=code)


__all__ = ["ConnectError", "DsnParts", "MIN_DRIVER", "check_driver_version", "dsn_parts", "joined",
           "map_connect_error", "thick_dsn"]
