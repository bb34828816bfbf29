"""Target table names with an optional DuckDB schema: `events`, `analytics.events`.

The text form is what the config's `target =` holds and what `tui_sync.tables.target_table`
records: parts joined by a dot, a part holding a dot (or starting with a double quote, or with
outer spaces) written quoted (`"my.table"`, doubled quotes inside); a quote inside a bare part is
a plain character (`we"ird`, as one-part targets always were). A name without a dot outside quotes is one part in the
default schema, whatever it holds (Korean, spaces, reserved words).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import _


@dataclass(frozen=True)
class TargetName:
    schema: str | None  # None: the default schema (main)
    table: str

    @classmethod
    def parse(cls, text: str) -> TargetName:
        """Split on the first dot outside double quotes; ValueError for an empty part or
        more than two parts."""
        parts = split_parts(text)
        if len(parts) == 1:
            return cls(None, parts[0])
        if len(parts) == 2:
            # `main` is the default schema (DuckDB ignores case there): `main.x` and `x` are
            # one table and must have one text form, or two sections could load it unseen
            return cls(None if parts[0].lower() == "main" else parts[0], parts[1])
        raise ValueError(_("{text!r} has {count} dotted parts; use SCHEMA.TABLE (quote a name "
                           'holding a dot: "my.table")').format(text=text, count=len(parts)))

    def sql(self) -> str:
        """The quoted DuckDB reference: "schema"."table" or "table"."""
        table = _quote(self.table)
        return f"{_quote(self.schema)}.{table}" if self.schema else table

    def text(self) -> str:
        """The canonical text form (see the module docstring)."""
        table = _text_part(self.table)
        return f"{_text_part(self.schema)}.{table}" if self.schema else table

    def with_table(self, table: str) -> TargetName:
        """Another table in the same schema (a staging or `_test` table)."""
        return TargetName(self.schema, table)

    def __str__(self) -> str:
        return self.text()


def split_parts(text: str) -> list[str]:
    """The dotted parts of a name, quotes removed. Bare parts keep their case and inner
    spaces (a target name is used as written); an empty part is a ValueError."""
    parts: list[str] = []
    current: list[str] = []
    quoted_part = False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == '"' and not quoted_part and "".join(current).strip():
            current.append(ch)  # inside a bare part (`we"ird`): a plain character, as before
            i += 1
            continue
        if ch == '"':
            close = i + 1
            while True:
                close = text.find('"', close)
                if close < 0:
                    raise ValueError(_("{text!r} has an unclosed double quote").format(text=text))
                if text[close + 1:close + 2] != '"':
                    break
                close += 2  # a doubled quote inside the name
            current = [text[i + 1:close].replace('""', '"')]
            quoted_part = True
            i = close + 1
            rest = text[i:].lstrip()
            if rest and not rest.startswith("."):
                raise ValueError(_("{text!r}: text after a quoted name part").format(text=text))
            continue
        if ch == ".":
            parts.append(_finish(text, current, quoted_part))
            current, quoted_part = [], False
        else:
            if quoted_part and ch.strip():
                raise ValueError(_("{text!r}: text after a quoted name part").format(text=text))
            if not quoted_part:
                current.append(ch)
        i += 1
    parts.append(_finish(text, current, quoted_part))
    return parts


def _finish(text: str, current: list[str], quoted: bool) -> str:
    part = "".join(current) if quoted else "".join(current).strip()
    if not part:
        raise ValueError(_("{text!r} has an empty name part").format(text=text))
    return part


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text_part(name: str) -> str:
    # quoted only when a bare part would read differently (a quote INSIDE a bare part is plain)
    return _quote(name) if ("." in name or name.startswith('"') or name != name.strip()) else name


def target_sql(text: str) -> str:
    """The quoted DuckDB reference of a target name in text form."""
    return TargetName.parse(text).sql()
