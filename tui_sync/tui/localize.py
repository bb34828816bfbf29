"""Binding descriptions and tooltips in the chosen language.

Textual reads a binding's `description` and `tooltip` from class attributes made when the
module was imported; they are marked with `N_()` (English) and translated here, when an
app is created, for every screen and widget class of the TUI. The English originals are
kept, so a second app in the same process (the tests) can switch language again."""

from __future__ import annotations

from dataclasses import replace

from textual.binding import Binding
from textual.dom import DOMNode

from ..i18n import _

_ORIGINALS: dict[tuple[type, str, int], tuple[str, str, Binding.Group | None]] = {}


def _classes(root: type) -> list[type]:
    found, todo = [], [root]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found


def localize_bindings() -> None:
    """Translate the footer words and tooltips of every binding the app's classes merge."""
    for cls in _classes(DOMNode):
        merged = getattr(cls, "_merged_bindings", None)
        if merged is None:
            continue
        for key, bindings in merged.key_to_bindings.items():
            for i, binding in enumerate(bindings):
                original = _ORIGINALS.setdefault((cls, key, i),
                                                 (binding.description, binding.tooltip, binding.group))
                bindings[i] = _translated(binding, *original)


def _translated(binding: Binding, description: str, tooltip: str, group: Binding.Group | None) -> Binding:
    # A group's word (the footer's "rdp Tabs") too; the Footer groups bindings by equal groups.
    if group is not None and group.description:
        group = replace(group, description=_(group.description))
    return replace(binding, description=_(description) if description else description,
                   tooltip=_(tooltip) if tooltip else tooltip, group=group)
