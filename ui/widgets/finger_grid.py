"""The capture plan at a glance: one cell per capture of the booking, with its state and NFIQ 2 colour.

Cells are laid out as a card is: the flats on the top row, the right hand's five rolls, then the left hand's.
Colours follow the quality gate (green: accepted at or above the agency threshold, yellow: accepted below it with an
override, red: refused or failed, blue: annotated, dim: pending), and every cell also says its state in words so the
grid reads on a 16-colour console and to a colour-blind officer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

STATE_WORDS = {
    "pending": "to do",
    "captured": "check",
    "accepted": "ok",
    "annotated": "annot.",
    "failed": "retry",
}


@dataclass(frozen=True)
class Cell:
    key: str
    label: str
    short: str
    state: str
    nfiq2: int | None
    annotation: str | None
    overridden: bool  # accepted below the quality gate, with a reason

    @classmethod
    def from_step(cls, step: dict[str, Any]) -> Cell:
        label = str(step.get("label", step.get("key", "?")))
        return cls(
            key=str(step["key"]),
            label=label,
            short=str(step.get("short") or short_label(label)),
            state=str(step.get("state", "pending")),
            nfiq2=step.get("nfiq2"),
            annotation=step.get("annotation"),
            overridden=bool(step.get("override", False)),
        )


def short_label(label: str) -> str:
    """'right index (rolled)' -> 'R index'; 'right four fingers (slap)' -> 'R slap'."""
    words = label.replace("(", "").replace(")", "").split()
    hand = {"right": "R", "left": "L", "both": "RL"}.get(words[0], words[0][:1].upper()) if words else "?"
    rest = [w for w in words[1:] if w not in ("four", "fingers", "flat", "rolled")]
    kind = "slap" if "slap" in words else ("flat" if "flat" in words else "")
    name = rest[0] if rest and rest[0] != "slap" else kind
    return f"{hand} {name}".strip()


def cell_style(cell: Cell) -> str:
    if cell.state == "annotated":
        return "bold white on blue"
    if cell.state == "failed":
        return "bold white on red"
    if cell.state == "accepted":
        return "bold black on yellow" if cell.overridden else "bold black on green"
    if cell.state == "captured":
        return "bold black on cyan"
    return "white on black"


class FingerGrid(Widget, can_focus=True):
    """Arrow keys move the selection; the screen acts on `selected`."""

    DEFAULT_CSS = """
    FingerGrid { height: auto; min-height: 9; border: ascii $primary; padding: 0 1; }
    FingerGrid:focus { border: ascii $accent; }
    """
    BINDINGS = [
        ("left", "move(-1)", "Prev"),
        ("right", "move(1)", "Next"),
        ("up", "move(-5)", ""),
        ("down", "move(5)", ""),
    ]

    selected: reactive[int] = reactive(0)

    class Selected(Message):
        def __init__(self, grid: FingerGrid, cell: Cell) -> None:
            super().__init__()
            self.grid = grid
            self.cell = cell

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.cells: list[Cell] = []

    def set_steps(self, steps: list[dict[str, Any]]) -> None:
        self.cells = [Cell.from_step(s) for s in steps]
        self.selected = min(self.selected, max(0, len(self.cells) - 1))
        self.refresh(layout=True)

    def select_key(self, key: str) -> None:
        for index, cell in enumerate(self.cells):
            if cell.key == key:
                self.selected = index

    def action_move(self, delta: int) -> None:
        if self.cells:
            self.selected = (self.selected + delta) % len(self.cells)

    def watch_selected(self, value: int) -> None:
        if self.cells:
            self.post_message(self.Selected(self, self.cells[value]))

    def rows(self) -> list[list[int]]:
        flats = [i for i, c in enumerate(self.cells) if not c.key.startswith("rolled")]
        rolled = [i for i, c in enumerate(self.cells) if c.key.startswith("rolled")]
        return [flats, rolled[:5], rolled[5:]]

    def render(self) -> Text:
        # Five cells a row (a hand); each is a marker, the text and a space.
        width = max(8, min(16, (self.size.width - 2) // 5 - 1)) if self.size.width else 14
        text = Text()
        for row in self.rows():
            if not row:
                continue
            for line in range(2):
                for index in row:
                    cell = self.cells[index]
                    if line == 0:
                        content = cell.short
                    else:
                        quality = f"q{cell.nfiq2}" if cell.nfiq2 is not None else ""
                        word = cell.annotation or STATE_WORDS.get(cell.state, cell.state)
                        content = f"{word} {quality}".strip()
                    marker = ">" if index == self.selected else " "
                    text.append(marker if line == 0 else " ")
                    text.append(content[: width - 1].ljust(width - 1), style=cell_style(cell))
                    text.append(" ")
                text.append("\n")
        return text
