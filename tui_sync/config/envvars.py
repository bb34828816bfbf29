"""`${NAME}` in config values (DESIGN §8): read from the environment, for containers, CI and
secrets kept out of the file.

The rules, applied to every value before its own parser sees it:

- `${NAME}` (NAME: a letter or `_`, then letters, digits, `_`) is the variable's value; an
  unset variable is an error naming it. The value is used as it is: not read again.
- `$$` is one literal `$`.
- Except in `[source] password`, a literal by nature (earlier versions saved it as typed):
  there only a whole value `${NAME}` reads a variable; any other text is the password.
- A `$` followed by anything else stays as it is, so Oracle names such as `V$SESSION` and
  SQL like `LIKE 'X$%'` need no escaping; but `${` always starts a reference, and one that
  is not `${NAME}` is an error (a typo must not turn into literal text).

Section names and keys are not values: they are never interpolated.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

from ..i18n import _

_TOKEN_RE = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\{")


def interpolate(text: str, environ: Mapping[str, str] | None = None) -> str:
    """`text` with its references replaced; ValueError (the "what is wrong" part of a
    file:section:key error, never the variable's value) when one cannot be."""
    if "$" not in text:
        return text
    env = os.environ if environ is None else environ

    def one(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "$$":
            return "$"
        name = m.group(1)
        if name is None:
            # the position, not the text: the value may be a password
            raise ValueError(_("the '${{' at character {position} is not a reference: write "
                               "${{NAME}} (letters, digits and _) to read a variable, or $$ for "
                               "a literal $").format(position=m.start() + 1))
        if name not in env:
            raise ValueError(_("${{{name}}} is not set").format(name=name))
        return env[name]

    return _TOKEN_RE.sub(one, text)


_WHOLE_RE = re.compile(r"\s*\$\{([A-Za-z_][A-Za-z0-9_]*)\}\s*")


def interpolate_literal(text: str, environ: Mapping[str, str] | None = None) -> str:
    """A value that is a literal by nature (a saved password): `${NAME}` as the WHOLE value
    reads the variable; any other text is taken as written, `$` and `$$` included. Earlier
    versions saved passwords exactly as typed: `pa$$word` must keep meaning pa$$word."""
    m = _WHOLE_RE.fullmatch(text)
    if m is None:
        return text
    env = os.environ if environ is None else environ
    if m.group(1) not in env:
        raise ValueError(_("${{{name}}} is not set").format(name=m.group(1)))
    return env[m.group(1)]


def is_reference(text: str) -> bool:
    """Whether `text` as a whole is one `${NAME}` (what interpolate_literal reads)."""
    return _WHOLE_RE.fullmatch(text) is not None


def references(text: str) -> list[str]:
    """The names of the variables `text` reads (`$$` is not one)."""
    return [m.group(1) for m in _TOKEN_RE.finditer(text) if m.group(1)]


def same_meaning(written: str, new: str) -> bool:
    """Whether config text `written` (as it stands in the file) means the same as `new`,
    so a writer can keep `${...}` instead of writing the variable's value back."""
    if written == new:
        return True
    if "$" not in written:
        return False
    try:
        return interpolate(written).strip() == interpolate(new).strip()
    except ValueError:
        return False


__all__ = ["interpolate", "interpolate_literal", "is_reference", "references",
           "same_meaning"]
