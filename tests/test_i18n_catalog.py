"""The message catalogs (tui_sync/locale): every marked text has a Korean translation that
is not fuzzy and keeps the text's {placeholders}; the committed .mo files are the .po files
compiled. A new `_("...")` fails here until scripts/update-catalog runs and it is translated."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

babel = pytest.importorskip("babel")
from babel.messages.extract import extract_from_dir  # noqa: E402
from babel.messages.mofile import read_mo  # noqa: E402
from babel.messages.pofile import read_po  # noqa: E402

import tui_sync  # noqa: E402
from tui_sync import i18n  # noqa: E402

PACKAGE = Path(tui_sync.__file__).parent
LANGS = [lang for lang in i18n.LANGUAGES if lang != i18n.DEFAULT]
_PLACEHOLDER = re.compile(r"\{(\w*)(?:[!:][^{}]*)?\}")


def _marked() -> dict[str, list[str]]:
    """msgid (or the singular of a plural) -> where it is marked."""
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(PACKAGE), method_map=[("**.py", "python")]):
        key = message if isinstance(message, str) else message[0]
        found.setdefault(key, []).append(f"{filename}:{lineno}")
    return found


def _po(lang: str):
    path = i18n.locale_dir() / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"
    with path.open("rb") as f:
        return read_po(f, locale=lang)


@pytest.mark.parametrize("lang", LANGS)
def test_every_marked_text_is_translated(lang: str) -> None:
    catalog = _po(lang)
    missing, fuzzy = [], []
    for msgid, where in sorted(_marked().items()):
        entry = catalog.get(msgid)
        strings = [] if entry is None else (
            list(entry.string) if isinstance(entry.string, tuple) else [entry.string])
        if entry is None or not all(strings):
            missing.append(f"{where[0]}: {msgid!r}")
        elif entry.fuzzy:
            fuzzy.append(f"{where[0]}: {msgid!r}")
    assert not missing, (f"{len(missing)} texts without a {lang} translation (run "
                         "scripts/update-catalog, then translate them):\n" + "\n".join(missing[:40]))
    assert not fuzzy, f"fuzzy {lang} entries:\n" + "\n".join(fuzzy[:40])


@pytest.mark.parametrize("lang", LANGS)
def test_translations_keep_their_placeholders(lang: str) -> None:
    """`_("{table}: ...").format(table=...)` raises KeyError if a translation renames one."""
    wrong = []
    for entry in _po(lang):
        if not entry.id:
            continue
        ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        want = {m.group(1) for m in _PLACEHOLDER.finditer(ids[-1])}
        for s in strings:
            if s and {m.group(1) for m in _PLACEHOLDER.finditer(s)} != want:
                wrong.append(f"{ids[0]!r} -> {s!r}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("lang", LANGS)
def test_the_committed_mo_is_the_po_compiled(lang: str) -> None:
    po = _po(lang)
    path = i18n.locale_dir() / lang / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo"
    with path.open("rb") as f:
        mo = read_mo(f)
    want = {_hashable(e.id): _hashable(e.string) for e in po if e.id and not e.fuzzy and e.string}
    got = {_hashable(e.id): _hashable(e.string) for e in mo if e.id}
    assert got == want, "run scripts/update-catalog (it compiles the .mo files)"


def _hashable(value: object) -> object:
    """A plural entry's id and strings come as lists from read_mo, tuples from read_po."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def test_a_plural_entry_survives_the_mo_check(tmp_path: Path) -> None:
    """ngettext entries compiled to a .mo compare with their .po (the check crashed on them)."""
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo

    catalog = Catalog(locale="ko")
    catalog.add(("{n} row", "{n} rows"), ("{n}행",))
    path = tmp_path / "x.mo"
    with path.open("wb") as f:
        write_mo(f, catalog)
    with path.open("rb") as f:
        mo = read_mo(f)
    got = {_hashable(e.id): _hashable(e.string) for e in mo if e.id}
    assert got == {("{n} row", "{n} rows"): ("{n}행",)}
