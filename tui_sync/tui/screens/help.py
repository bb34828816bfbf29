"""Help screen: every key, per screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Markdown

from .base import AppScreen

HELP = """\
# tui-sync keys

Everything works from the keyboard. **ctrl+p** opens the command palette, which
offers every action below by name. **tab** / **shift+tab** move between fields.

| Everywhere | |
|---|---|
| `c` `t` `g` `v` `h` `?` | Connection, Tables, Progress, Preview, History, this Help |
| `q` | quit (asks while a sync runs; the sync is cancelled cleanly) |
| `ctrl+p` | command palette |

| Tables | |
|---|---|
| `/` | filter as you type (`enter` or `down` back to the list, `escape` clears) |
| `space` | mark or unmark the highlighted table |
| `a` | mark all shown tables (again: unmark them) |
| `s` | sync the marked tables, auto mode (full the first time, then incremental) |
| `f` / `i` / `x` | full, incremental or test sync (test: the first rows into `<target>_test`) |
| `e` | edit the table's settings: target, key, cursor, lookback, filter, schedule; shows the type plan |
| `enter` | preview the table's target |
| `r` | list the source tables again |

With no table marked, the sync keys act on the highlighted table.

| Progress | |
|---|---|
| `p` | pause after the current batch, or resume |
| `escape` | cancel the run (asks); the running table is rolled back, its target stays as it was |

| Connection | |
|---|---|
| `ctrl+t` | test the connection (server version, thin or thick mode) |
| `ctrl+s` | save `[source]` and `[target]` into the config file, keeping its comments |

The password field is for this session only. It is written to the file only
when you tick *Save password* and confirm; the safer way is the environment
variable named in *Password env*.

| Table settings form | |
|---|---|
| `ctrl+s` | check and save |
| `escape` | close without saving |

| History | |
|---|---|
| `enter` | show the highlighted run's full error |
| `r` | read the history again |

Scheduled tables (a `schedule` in their settings) run while the app is open and
show on the Progress screen like a manual sync.
"""


class HelpScreen(AppScreen):
    MODE = "help"
    AUTO_FOCUS = "#help-scroll"

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="help-scroll", can_focus=True):
            yield Markdown(HELP, id="help-text")
