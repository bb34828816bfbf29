"""Check boxes that read without colour: `[x]` / `[ ]` glyphs and a `>` on the focused one.

Textual draws every toggle as `▐X▌` and tells on from off by colour alone, and marks
the focused row by background colour only; under NO_COLOR (or a monochrome terminal)
neither can be seen. These subclasses keep Textual's behaviour and messages
(`Checkbox.Changed`, `SelectionList.SelectedChanged`) and change only the drawing.
ASCII glyphs, so East Asian "ambiguous width" terminals draw them one cell wide too.
"""

from __future__ import annotations

from typing import Generic

from rich.segment import Segment
from rich.style import Style
from textual.content import Content
from textual.strip import Strip
from textual.widgets import Checkbox, OptionList, SelectionList
from textual.widgets.option_list import OptionDoesNotExist
from textual.widgets.selection_list import SelectionType

CHECKED, UNCHECKED = "[x]", "[ ]"
POINTER = ">"  # marks the focused box or row, in the cell before it


def box(on: bool) -> str:
    return CHECKED if on else UNCHECKED


def mark(on: bool) -> str:
    """What goes between the brackets (styled; the brackets keep the text's colour)."""
    return box(on)[1]


class Toggle(Checkbox):
    """A Checkbox drawn `> [x] label` (focused, on) or `  [ ] label` (not focused, off)."""

    DEFAULT_CSS = """
    Toggle > .toggle--button { background: transparent; }
    Toggle.-on > .toggle--button { background: transparent; text-style: bold; }
    """

    @property
    def _button(self) -> Content:
        style = self.get_visual_style("toggle--button")
        pointer = POINTER if self.has_focus else " "
        return Content.assemble(pointer, "[", (mark(self.value), style), "]")


class CheckList(Generic[SelectionType], SelectionList[SelectionType]):
    """A SelectionList drawn `> [x] name` on its highlighted row while focused, `  [ ] name` else."""

    def _get_left_gutter_width(self) -> int:
        return len(POINTER + CHECKED + " ")

    def render_line(self, y: int) -> Strip:
        line = OptionList.render_line(self, y)  # the prompt alone; the gutter is drawn here
        index = self.scroll_offset.y + y
        try:
            selection = self.get_option_at_index(index)
        except OptionDoesNotExist:
            return line
        base = next(iter(line)).style or self.rich_style
        assert base is not None
        selected = selection.value in self._selected
        name = "selection-list--button" + ("-selected" if selected else "")
        button = self.get_component_rich_style(name) + Style(bgcolor=base.bgcolor, bold=selected)
        meta = Style(meta={"option": index})  # a click on the box toggles, as in SelectionList
        pointer = POINTER if self.has_focus and self.highlighted == index else " "
        return Strip([Segment(pointer + "[", base + meta), Segment(mark(selected), button + meta),
                      Segment("] ", base + meta), *line])


__all__ = ["CHECKED", "POINTER", "UNCHECKED", "CheckList", "Toggle", "box", "mark"]
