"""The capture screen: the plan's grid, the live preview with hints, capture, accept, recapture, annotate.

The officer picks a cell (arrows) and presses `c`: the daemon arms the scanner, previews stream in as events with
hints ("press lighter", "centre the finger"), and the scanner takes the image when it is stable. The result comes back
with its NFIQ 2 score and any problem; `a` accepts it, `c` captures again (the station keeps the best attempt), `x`
annotates a finger that cannot be printed (XX amputated, UP unable to print, SR scarred) with a reason, and `o`
overrides the quality gate with a reason (both recorded with the officer's name). `v` opens the review.
"""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Static

from station.api.protocol import decode_preview
from ui.messages import EventReceived
from ui.quality_bands import nfiq2_band
from ui.screens.base import StationScreen, describe
from ui.widgets.finger_grid import FingerGrid
from ui.widgets.viewer import FingerprintViewer

STATE_LINES = {
    "pending": "to capture",
    "captured": "captured - a to accept, c to try again",
    "accepted": "accepted",
    "annotated": "annotated (no print)",
}


def hint_text(hints: list[Any]) -> str:
    return " / ".join(str(h).replace("_", " ").capitalize() for h in hints) or "Good"


class CaptureScreen(StationScreen):
    HELP = (
        "Arrows pick a print on the grid; c captures it (place the finger(s) when asked; s stops); a accepts the "
        "capture, c again takes another attempt (the station keeps the best); o accepts one below the quality gate "
        "with a reason; x annotates a finger that cannot be printed (XX amputated, UP unable to print, SR scarred); "
        "Tab goes to the live preview (z zoom, m quality map); v opens the review; Esc goes back."
    )
    BINDINGS = [
        Binding("c", "capture", "Capture"),
        Binding("a", "accept", "Accept"),
        Binding("o", "override", "Override"),
        Binding("x", "annotate", "Annotate"),
        Binding("s", "stop", "Stop"),
        Binding("v", "review", "Review"),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, booking: str) -> None:
        super().__init__()
        self.booking = booking
        self.plan: list[dict[str, Any]] = []
        self.capturing: str | None = None
        self.preview_count = 0
        self.attempts: dict[str, dict[str, Any]] = {}  # slot -> the last capture's result, until it is accepted
        # Readings of the booking are numbered as they are asked: an answer overtaken by a later one is not shown
        # (an event's reload asked during a capture would otherwise undo the capture's own, newer one).
        self._asked = 0
        self._shown = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="capture-body"):
            with Vertical(id="capture-left"):
                yield Static("", id="progress", classes="screen-title")
                yield FingerGrid(id="grid")
                yield Static("", id="step-info")
            with Vertical(id="capture-right"):
                yield Static("Pick a print on the grid and press c", id="hint")
                yield FingerprintViewer(id="preview", title="Live preview")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        self.set_focus(self.query_one(FingerGrid))
        self.refresh_booking()

    @work(exclusive=True, group="booking_loaders")
    async def refresh_booking(self) -> None:
        await self.reload(advance=self.capturing is None)

    async def reload(self, *, advance: bool) -> dict[str, Any] | None:
        """Read the booking's plan from the daemon and show it: grid, progress and the selected step together."""
        self._asked += 1
        asked = self._asked
        result = await self.call("booking.get", booking=self.booking)
        if result is None or asked < self._shown:  # a later reading is already on screen: this one is stale
            return None
        self._shown = asked
        if result["state"] != "open":  # submitted or cancelled elsewhere: there is nothing left to capture
            self.station.notify(f"Booking {self.booking} is {result['state']}: it can no longer be changed.")
            from ui.screens.results import ResultsScreen

            self.station.open_from_home(ResultsScreen(select=self.booking))
            return None
        self.plan = [dict(step) for step in result["plan"]]
        for step in self.plan:
            if step["state"] != "captured":
                self.attempts.pop(step["slot"], None)
        grid = self.query_one(FingerGrid)
        grid.set_steps(self.plan)
        done = sum(step["state"] in ("accepted", "annotated") for step in self.plan)
        self.query_one("#progress", Static).update(f"{done} of {len(self.plan)} done - booking {self.booking}")
        if advance and result["next_step"]:
            grid.select_key(str(result["next_step"]))
        self.show_step()
        self.refresh_bindings()
        return result

    def current(self) -> dict[str, Any] | None:
        grid = self.query_one(FingerGrid)
        return self.plan[grid.selected] if self.plan and grid.selected < len(self.plan) else None

    def show_step(self) -> None:
        step = self.current()
        info = self.query_one("#step-info", Static)
        if step is None:
            info.update("")
            return
        state = STATE_LINES.get(str(step.get("state")), str(step.get("state")))
        lines = [f"{step.get('label', step['key'])}: {state}"]
        attempt = self.attempts.get(str(step.get("slot")))
        score = step.get("nfiq2") if step.get("nfiq2") is not None else (attempt or {}).get("nfiq2")
        if score is not None or attempt:
            band = nfiq2_band(score, step.get("gate"))
            lines.append(f"NFIQ 2 {score if score is not None else '-'}: {band.word} (gate {step.get('gate', '-')})")
        if step.get("annotation"):
            lines.append(f"annotated {step['annotation']}: {step.get('reason', '')}")
        for problem in (step.get("problems") or (attempt or {}).get("problems") or [])[:3]:
            lines.append(f"! {problem}")
        info.update("\n".join(lines))

    @on(FingerGrid.Selected)
    def _selected(self) -> None:
        self.show_step()
        self.refresh_bindings()

    def on_event_received(self, event: EventReceived) -> None:
        data = event.data
        if data.get("booking") not in (None, self.booking):
            return
        if event.topic == "preview" and "preview" in data:
            self.preview_count += 1
            preview = data["preview"]
            quality_map = decode_preview(data["quality_map"]) if data.get("quality_map") else None
            self.query_one(FingerprintViewer).show(
                decode_preview(preview), scale=int(preview.get("scale", 1)), quality_map=quality_map
            )
            self.query_one("#hint", Static).update(hint_text(list(data.get("hints", []))))
        elif event.topic in ("capture", "booking"):
            status = data.get("status")
            if status and self.capturing:
                self.query_one("#hint", Static).update(str(data.get("message", status)).capitalize())
            if event.topic == "booking":
                self.refresh_booking()

    def action_capture(self) -> None:
        step = self.current()
        if step is None or self.capturing:
            return
        self.capture(step)

    @work(exclusive=True, group="capture_runners")
    async def capture(self, step: dict[str, Any]) -> None:
        self.capturing = step["key"]
        self.refresh_bindings()
        hint = self.query_one("#hint", Static)
        hint.update(f"Capturing {step.get('label', step['key'])}: place the finger(s) on the scanner")
        try:
            result = await self.station.link.request(
                "booking.capture", booking=self.booking, kind=step["kind"], position=step["position"], timeout=180
            )
        except Exception as exc:  # a retry (finger moved, smudge) or a fault: say which, in place
            self.capturing = None
            await self.reload(advance=False)
            hint.update(f"Capture not usable: {describe(exc)}. Press c to try again")
            return
        self.capturing = None
        self.attempts[str(result.get("slot", step["slot"]))] = result
        # The plan is read before the hint changes, so the status line and the hint say the same thing at once.
        await self.reload(advance=False)
        problems = result.get("problems") or []
        quality = result.get("nfiq2")
        verdict = "ok" if result.get("passes_gate", True) else "below the quality gate"
        message = f"Captured: NFIQ 2 {quality if quality is not None else 'not scorable'} ({verdict})."
        if problems:
            message += " " + "; ".join(map(str, problems))
        hint.update(message + "  a = accept, c = capture again")

    def action_stop(self) -> None:
        if self.capturing:
            self.stop_capture()

    @work(group="capture_stoppers")
    async def stop_capture(self) -> None:
        await self.call("booking.cancel_capture", quiet=True)

    def action_accept(self) -> None:
        step = self.current()
        if step is not None:
            self.accept(step)

    @work(exclusive=True, group="acceptors")
    async def accept(self, step: dict[str, Any]) -> None:
        result = await self.call("booking.accept", booking=self.booking, slot=step["slot"])
        if result is not None:
            self.query_one("#hint", Static).update(f"{step.get('label', step['key'])} accepted")
            grid = self.query_one(FingerGrid)
            await self._reload_and_advance(grid)

    async def _reload_and_advance(self, grid: FingerGrid) -> None:
        result = await self.reload(advance=True)
        if result is not None and not result["next_step"] and result["complete"]:
            self.action_review()

    def action_annotate(self) -> None:
        step = self.current()
        if step is None:
            return
        from ui.screens.annotate import AnnotateScreen

        def done(choice: tuple[str, str] | None) -> None:
            if choice:
                self.annotate(step, *choice)

        self.app.push_screen(AnnotateScreen(step.get("label", step["key"])), done)

    @work(group="annotators")
    async def annotate(self, step: dict[str, Any], code: str, reason: str) -> None:
        if await self.call("booking.annotate", booking=self.booking, step=step["key"], code=code, reason=reason):
            await self._reload_and_advance(self.query_one(FingerGrid))

    def action_override(self) -> None:
        step = self.current()
        if step is None:
            return
        from ui.screens.annotate import ReasonScreen

        def done(reason: str | None) -> None:
            if reason:
                self.override(step, reason)

        self.app.push_screen(ReasonScreen(f"Accept {step.get('label', step['key'])} below the quality gate"), done)

    @work(group="overriders")
    async def override(self, step: dict[str, Any], reason: str) -> None:
        if await self.call("booking.accept", booking=self.booking, slot=step["slot"], override_reason=reason):
            await self._reload_and_advance(self.query_one(FingerGrid))

    def action_review(self) -> None:
        from ui.screens.review import ReviewScreen

        self.app.push_screen(ReviewScreen(self.booking))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer offers what can be done now: Stop while capturing, the rest when not."""
        if action == "stop":
            return self.capturing is not None
        if self.capturing is not None and action in ("capture", "accept", "override", "annotate", "review", "back"):
            return False
        if action in ("accept", "override"):
            step = self.current()
            return step is not None and (step.get("state") == "captured" or step.get("slot") in self.attempts)
        return True

    def action_back(self) -> None:
        if not self.capturing:
            self.app.pop_screen()
