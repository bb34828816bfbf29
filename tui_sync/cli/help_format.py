"""argparse in the chosen language: its own words ("usage: ", "options", "show this help
message and exit", its usage errors) through our catalog, and help text wrapped by terminal
cells (argparse wraps by `len`: a Korean line would run twice as wide as the terminal)."""

from __future__ import annotations

import argparse

from rich.cells import cell_len

from .. import i18n
from ..i18n import N_

# argparse's own texts (Python 3.11+), marked here so the extractor sees them; argparse
# formats them with %, so their translations keep the same %(name)s / %s placeholders.
ARGPARSE_TEXTS = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("show this help message and exit"),
    N_("show program's version number and exit"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("unrecognized arguments: %s"),
    N_("the following arguments are required: %s"),
    N_("one of the arguments %s is required"),
    N_("not allowed with argument %s"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("ignored explicit argument %r"),
)


def install() -> None:
    """argparse looks its texts up through the module-level `_` it imported from gettext:
    point it at our catalog (English: the texts unchanged)."""
    argparse._ = i18n._  # type: ignore[attr-defined]


def wrap_cells(text: str, width: int) -> list[str]:
    """Words packed into lines of at most `width` terminal cells (a longer word: its own line)."""
    lines: list[str] = []
    line, used = "", 0
    for word in text.split():
        w = cell_len(word)
        if line and used + 1 + w > width:
            lines.append(line)
            line, used = "", 0
        line, used = (f"{line} {word}", used + 1 + w) if line else (word, w)
    if line:
        lines.append(line)
    return lines


class CellHelpFormatter(argparse.HelpFormatter):
    """Wraps by terminal cells when the text has wide characters; ASCII help is wrapped by
    argparse itself (byte-for-byte what it printed before)."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        if cell_len(text) == len(text):
            return super()._split_lines(text, width)
        return wrap_cells(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if cell_len(text) == len(text):
            return super()._fill_text(text, width, indent)
        return "\n".join(indent + line for line in wrap_cells(text, width - len(indent)))


class CellRawDescriptionFormatter(CellHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """A description kept as written (its own line breaks), help lines wrapped by cells."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        return argparse.RawDescriptionHelpFormatter._fill_text(self, text, width, indent)


__all__ = ["ARGPARSE_TEXTS", "CellHelpFormatter", "CellRawDescriptionFormatter", "install",
           "wrap_cells"]
