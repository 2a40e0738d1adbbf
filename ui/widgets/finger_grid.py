"""The capture plan at a glance: one cell per capture of the booking, with its state and its NFIQ 2 band.

Cells are laid out as a card is: the flats on the top row, then the right hand's five rolls and the left hand's, each
hand under its own heading so a cell needs only the finger's name (at 80 columns nothing is cut). An accepted cell
is coloured by its NFIQ 2 band against the agency's gate for that capture (`ui.quality_bands`: a colour-blind-safe
palette) and says the band's word and the score, so the grid also reads on an 8-colour console; a cell waiting for
the officer's accept, an annotated one and one still to do each say so in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget

from ui.quality_bands import nfiq2_band

STATE_WORDS = {
    "pending": "to do",
    "captured": "accept?",
    "accepted": "ok",
    "annotated": "annot.",
    "failed": "retry",
}
CELL_TEXT = 7  # "R thumb", "GOOD 59": the widest a cell's text gets
FLAT_NAMES = {"slap_right": "R slap", "slap_left": "L slap", "thumbs": "thumbs", "thumb_right": "R thumb"}
FLAT_NAMES["thumb_left"] = "L thumb"


@dataclass(frozen=True)
class Cell:
    key: str
    label: str
    short: str
    state: str
    nfiq2: int | None
    gate: int | None
    annotation: str | None
    overridden: bool  # accepted below the quality gate, with a reason

    @classmethod
    def from_step(cls, step: dict[str, Any]) -> Cell:
        label = str(step.get("label", step.get("key", "?")))
        key = str(step["key"])
        return cls(
            key=key,
            label=label,
            short=FLAT_NAMES.get(key) or finger_word(label),
            state=str(step.get("state", "pending")),
            nfiq2=step.get("nfiq2"),
            gate=step.get("gate"),
            annotation=step.get("annotation"),
            overridden=bool(step.get("override", False)),
        )

    def words(self) -> str:
        """The second line of the cell: the band and the score, or the state."""
        if self.state == "accepted":
            band = nfiq2_band(self.nfiq2, self.gate)
            return f"{band.word} {self.nfiq2}" if self.nfiq2 is not None else band.word
        if self.state == "annotated":
            return f"{self.annotation or 'annot.'}"
        return STATE_WORDS.get(self.state, self.state)


def finger_word(label: str) -> str:
    """'right index (rolled)' -> 'index' (the hand is the row's heading)."""
    words = label.replace("(", "").replace(")", "").split()
    return words[1] if len(words) > 1 else label


def short_label(label: str) -> str:
    """'right index (rolled)' -> 'R index'; 'right four fingers (slap)' -> 'R slap'."""
    words = label.replace("(", "").replace(")", "").split()
    hand = {"right": "R", "left": "L", "both": "RL"}.get(words[0], words[0][:1].upper()) if words else "?"
    rest = [w for w in words[1:] if w not in ("four", "fingers", "flat", "rolled")]
    kind = "slap" if "slap" in words else ("flat" if "flat" in words else "")
    name = rest[0] if rest and rest[0] != "slap" else kind
    return f"{hand} {name}".strip()


def cell_style(cell: Cell) -> str:
    if cell.state == "accepted":
        return nfiq2_band(cell.nfiq2, cell.gate).style()
    if cell.state == "annotated":
        return "bold #FFFFFF on #555555"
    if cell.state in ("failed", "captured"):
        return "bold reverse"
    return ""


class FingerGrid(Widget, can_focus=True):
    """Arrow keys move the selection; the screen acts on `selected`."""

    DEFAULT_CSS = """
    FingerGrid { height: auto; border: ascii $primary; padding: 0 1; }
    FingerGrid:focus { border: ascii $accent; }
    """
    BINDINGS = [
        Binding("left", "move(-1)", "Prev", show=False),
        Binding("right", "move(1)", "Next", show=False),
        Binding("up", "move(-5)", "Row up", show=False),
        Binding("down", "move(5)", "Row down", show=False),
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

    def rows(self) -> list[tuple[str, list[int]]]:
        flats = [i for i, c in enumerate(self.cells) if not c.key.startswith("rolled")]
        rolled = [i for i, c in enumerate(self.cells) if c.key.startswith("rolled")]
        return [("Flat", flats), ("Right hand, rolled", rolled[:5]), ("Left hand, rolled", rolled[5:])]

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return sum((1 if heading != "Flat" else 0) + 2 for heading, row in self.rows() if row) or 1

    def render(self) -> Text:
        # Five cells a row; each is a marker, the text and a space. Wider panes get wider cells, never narrower.
        width = max(CELL_TEXT, min(14, (self.size.width // 5) - 2)) if self.size.width else CELL_TEXT
        text = Text()
        for heading, row in self.rows():
            if not row:
                continue
            if heading != "Flat":
                text.append(f"{heading}\n", style="italic")
            for line in range(2):
                for index in row:
                    cell = self.cells[index]
                    content = cell.short if line == 0 else cell.words()
                    marker = ">" if index == self.selected else " "
                    text.append(marker if line == 0 else " ", style="bold")
                    text.append(content[:width].ljust(width), style=cell_style(cell))
                    text.append(" ")
                text.append("\n")
        text.rstrip()
        return text
