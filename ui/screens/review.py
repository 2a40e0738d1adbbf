"""Review before submission: the decision to send. All 14 prints, who they are of, whether they are in sequence.

The screen shows the subject in two lines, every capture of the card as a tile (its print, its NFIQ 2 band, its
annotation; Enter or `z` opens a print large, with 1:1 zoom and the quality map), the sequence check per finger in
colour (a rolled print that does not match its slap segment is flagged on its tile too) and the annotations and
overrides with their reasons. `s` does not send: it opens a confirmation that lists what will be sent, and only its
`y` calls `booking.submit`. After submission the officer lands on the bookings list above the home screen, never
back on this booking's capture screen.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Static

from station.api.protocol import decode_preview
from ui.quality_bands import BLUE, GREY, VERMILLION
from ui.screens.base import StationScreen
from ui.widgets.print_tile import PrintTile
from ui.words import subject_lines

#: Sequence-check verdicts in the desk's words, each with its colour (Okabe-Ito: see ui.quality_bands).
VERDICTS = {
    "ok": ("ok", BLUE),
    "mismatch": ("MISMATCH", VERMILLION),
    "no rolled": ("not compared", GREY),
    "no segment": ("no slap segment", GREY),
}
FINGER_WORDS = ("thumb", "index", "middle", "ring", "little")


def sequence_lines(sequence: dict[str, Any]) -> Text:
    """One line per hand: each finger's verdict in words and colour, then each named error."""
    text = Text()
    if not sequence.get("checked"):
        text.append("Sequence check: runs when every slap and roll is in.", style="italic")
        return text
    verdicts = {int(v["position"]): v for v in sequence.get("positions") or []}
    for hand, first in (("Right", 1), ("Left", 6)):
        text.append(f"{hand:6}", style="bold")
        for offset, finger in enumerate(FINGER_WORDS):
            verdict = verdicts.get(first + offset)
            word, colour = VERDICTS.get(verdict["verdict"], (verdict["verdict"], GREY)) if verdict else ("-", GREY)
            if verdict and verdict.get("error") and verdict["verdict"] == "ok":
                word, colour = "CHECK", VERMILLION
            text.append(f"{finger} ")
            text.append(word, style=f"bold {colour}")
            text.append("  ")
        text.append("\n")
    for finding in sequence.get("findings") or []:
        text.append(f"! {finding}\n", style=f"bold {VERMILLION}")
    if sequence.get("override"):
        text.append(f"Mismatch accepted by override: {sequence['override']}\n", style="bold")
    elif sequence.get("ok"):
        text.append("Every rolled print matches its slap.\n", style=BLUE)
    text.rstrip()
    return text


def notes_lines(plan: list[dict[str, Any]]) -> list[str]:
    """The annotations and the overrides of the gate, each with its reason."""
    lines = []
    for step in plan:
        if step.get("state") == "annotated":
            lines.append(f"{step['label']}: {step.get('annotation')} - {step.get('reason') or 'no reason given'}")
        elif step.get("override"):
            lines.append(f"{step['label']}: accepted below the quality gate (NFIQ 2 {step.get('nfiq2')})")
    return lines


class ReviewScreen(StationScreen):
    HELP = (
        "The card before it is sent. Tab or the arrows move between prints; Enter or z opens one large (z there "
        "zooms to 1:1, m shows the quality map). s lists what will be sent and asks before sending; o accepts a "
        "sequence mismatch with a reason; Esc goes back to the captures."
    )
    BINDINGS = [
        Binding("s", "submit", "Submit..."),
        Binding("o", "override_sequence", "Accept mismatch"),
        Binding("escape", "back", "Back"),
        Binding("left", "move(-1)", "Previous print", show=False),
        Binding("right", "move(1)", "Next print", show=False),
        Binding("up", "move(-5)", "Row up", show=False),
        Binding("down", "move(5)", "Row down", show=False),
    ]

    def __init__(self, booking: str) -> None:
        super().__init__()
        self.booking = booking
        self.result: dict[str, Any] = {}
        self.images: dict[str, tuple[Any, Any]] = {}  # slot -> (image, quality map)

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical(id="review-body"):
            yield Static(f"Review of booking {self.booking}", id="review-subject", classes="screen-title")
            yield Vertical(id="review-grid")
            yield Static("", id="sequence-summary")
            yield Static("", id="review-notes")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.load()

    @property
    def tiles(self) -> list[PrintTile]:
        return list(self.query(PrintTile))

    @work(exclusive=True, group="booking_loaders")
    async def load(self) -> None:
        result = await self.call("booking.get", booking=self.booking)
        if result is None:
            return
        self.result = result
        await self.show_card()
        self.load_images()
        if result["complete"] and not (result.get("sequence") or {}).get("checked"):
            # Every slap and roll is in: the check compares each roll with its slap segment (the daemon started it
            # with the last acceptance; this waits for it) while the officer looks at the prints.
            self.query_one("#sequence-summary", Static).update("Checking the sequence (rolled against slaps)...")
            checked = await self.call("booking.sequence_check", booking=self.booking, timeout=300)
            if checked is not None:
                result["sequence"] = checked
                await self.show_card()

    async def show_card(self) -> None:
        result = self.result
        subject = subject_lines(result.get("subject") or {})
        self.sub_title = f"Review of booking {self.booking}"
        title = Text(subject[0], style="bold")
        if len(subject) > 1:
            title.append("\n" + subject[1], style="not bold")
        self.query_one("#review-subject", Static).update(title)
        plan = [dict(step) for step in result["plan"]]
        sequence = result.get("sequence") or {}
        flagged = set(sequence.get("flagged") or [])
        grid = self.query_one("#review-grid", Vertical)
        if not self.tiles:
            rows = [
                [s for s in plan if s["kind"] != "rolled"],
                [s for s in plan if s["kind"] == "rolled" and s["position"] <= 5],
                [s for s in plan if s["kind"] == "rolled" and s["position"] > 5],
            ]
            for row in rows:
                await grid.mount(Horizontal(*(PrintTile(s, id=f"tile-{s['key']}") for s in row), classes="tile-row"))
            self.tiles[0].focus()
        by_key = {s["key"]: s for s in plan}
        for tile in self.tiles:
            step = by_key[tile.step["key"]]
            tile.set_step(step, step["kind"] == "rolled" and step["position"] in flagged)
        self.query_one("#sequence-summary", Static).update(sequence_lines(sequence))
        notes = notes_lines(plan)
        self.query_one("#review-notes", Static).update("\n".join(notes) if notes else "No annotations, no overrides.")

    @work(group="image_loaders")
    async def load_images(self) -> None:
        """Each accepted print at full resolution, one after the other (the tiles fill as they arrive)."""
        for tile in self.tiles:
            slot = tile.step["slot"]
            if tile.step.get("state") != "accepted" or slot in self.images:
                continue
            answer = await self.call("booking.image", booking=self.booking, slot=slot, quiet=True)
            if answer is None:
                continue
            image = decode_preview(answer["image"])
            quality_map = decode_preview(answer["quality_map"]) if answer.get("quality_map") else None
            self.images[slot] = (image, quality_map)
            tile.ppi = float(answer.get("ppi") or 500.0)
            tile.quality_map = quality_map
            tile.show(image, ppi=tile.ppi, quality_map=quality_map)

    def action_move(self, delta: int) -> None:
        tiles = self.tiles
        if not tiles:
            return
        focused = self.focused
        index = tiles.index(focused) if focused in tiles else 0
        if abs(delta) == 5:  # a row up or down: the first row has four tiles, the others five
            row_of = [0] * 4 + [1] * 5 + [2] * 5
            starts = (0, 4, 9)
            column = index - starts[row_of[index]]
            row = max(0, min(2, row_of[index] + (1 if delta > 0 else -1)))
            target = starts[row] + min(column, (4 if row == 0 else 5) - 1)
        else:
            target = (index + delta) % len(tiles)
        tiles[target].focus()

    @on(PrintTile.Opened)
    def _open(self, event: PrintTile.Opened) -> None:
        from ui.screens.zoom import ZoomScreen

        tile = event.tile
        image = self.images.get(tile.step["slot"])
        self.app.push_screen(ZoomScreen(str(tile.step["label"]), tile.step, image, ppi=tile.ppi))

    def action_submit(self) -> None:
        if not self.result:
            return
        if not self.result.get("complete"):
            self.show_error("The card is not complete: capture, accept or annotate every print first.")
            return
        from ui.screens.confirm import ConfirmSubmitScreen

        def decided(send: bool | None) -> None:
            if send:
                self.submit()

        self.app.push_screen(ConfirmSubmitScreen(self.result), decided)

    @work(exclusive=True, group="submitters")
    async def submit(self) -> None:
        result = await self.call("booking.submit", booking=self.booking, timeout=180)
        if result is None:
            return
        self.station.notify(f"Submitted as TCN {result.get('tcn')}; the answers appear under Bookings.", timeout=10)
        from ui.screens.results import ResultsScreen

        self.station.open_from_home(ResultsScreen(select=self.booking))

    def action_override_sequence(self) -> None:
        sequence = (self.result or {}).get("sequence") or {}
        if not sequence.get("checked") or sequence.get("ok"):
            self.show_error("There is no sequence mismatch to accept.")
            return
        from ui.screens.annotate import ReasonScreen

        def given(reason: str | None) -> None:
            if reason:
                self.override_sequence(reason)

        self.app.push_screen(ReasonScreen("Accept the sequence mismatch (you checked the prints by eye)"), given)

    @work(group="overriders")
    async def override_sequence(self, reason: str) -> None:
        checked = await self.call("booking.override_sequence", booking=self.booking, reason=reason)
        if checked is not None:
            self.result["sequence"] = checked
            await self.show_card()

    def action_back(self) -> None:
        self.app.pop_screen()
