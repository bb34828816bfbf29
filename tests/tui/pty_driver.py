"""Drive `tui-sync --demo` on a pseudo-terminal, then drop the terminal (for test_trust.py).

Run as a script (a fresh, single-threaded process, so `pty.fork` is safe):

    python pty_driver.py sighup|hangup DB_PATH

It starts the app on a new pty (80x24, TERM=xterm-256color), waits for the Tables
screen, presses `f` (full sync of the highlighted table) and `p` (pause, so the
sync is certainly still running), waits until the sync lock's holder file
`<db>.lock.json` exists, then either sends SIGHUP or closes the pty's master side
(what sshd does when the connection drops: the kernel sends SIGHUP). It prints
`exited=yes|no`, `code=N` or `signal=N`, and the tail of the screen output on failure.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

TIMEOUT_S = 90.0


def main() -> int:
    how, db = sys.argv[1], Path(sys.argv[2])
    holder = Path(str(db) + ".lock.json")
    env = dict(os.environ, TERM="xterm-256color")
    env.pop("NO_COLOR", None)
    pid, master = pty.fork()
    if pid == 0:  # the child: the app, with the pty as its controlling terminal
        os.execvpe(sys.executable, [sys.executable, "-m", "tui_sync", "--demo"], env)
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    output = bytearray()

    def drain(seconds: float) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            ready, _, _ = select.select([master], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                output.extend(chunk)

    def until(predicate, what: str) -> bool:
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline:
            if predicate():
                return True
            drain(0.05)
        print(f"timeout={what}")
        return False

    ok = until(lambda: b"EQUIPMENT_EVENTS" in output and b"4 tables" in output, "tables")
    if ok:
        drain(0.5)  # let the table get focus and settle
        os.write(master, b"f")
        os.write(master, b"p")
        ok = until(holder.exists, "lock")
    if ok:
        drain(0.3)
        if how == "sighup":
            os.kill(pid, signal.SIGHUP)
        else:
            os.close(master)
    status = None
    deadline = time.monotonic() + TIMEOUT_S
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if how == "sighup" or not ok:
            drain(0.05)
        else:
            time.sleep(0.05)
    else:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        print("exited=no")
        print("tail=" + output[-3000:].decode("utf-8", "replace").replace("\n", "\\n"))
        return 0
    print("exited=yes")
    if os.WIFEXITED(status):
        print(f"code={os.WEXITSTATUS(status)}")
    else:
        print(f"signal={os.WTERMSIG(status)}")
    if not ok:
        print("tail=" + output[-3000:].decode("utf-8", "replace").replace("\n", "\\n"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
