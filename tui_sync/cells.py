"""Text measured in terminal cells: a Korean (wide) character takes two, so `len` and
f"{text:<width}" misalign tables of names; every aligned column pads with `pad`."""

from __future__ import annotations

from rich.cells import cell_len


def pad(text: str, width: int, *, right: bool = False) -> str:
    """`text` padded to `width` terminal cells: what f"{text:<width}" does for ASCII, for any name."""
    fill = " " * max(width - cell_len(text), 0)
    return fill + text if right else text + fill


__all__ = ["cell_len", "pad"]
