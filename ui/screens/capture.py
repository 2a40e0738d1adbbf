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
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Header, Static

from station.api.protocol import decode_preview
from ui.messages import EventReceived
from ui.screens.base import StationScreen, describe
from ui.widgets.finger_grid import FingerGrid
from ui.widgets.viewer import FingerprintViewer


def hint_text(hints: list[Any]) -> str:
    return " / ".join(str(h).replace("_", " ").capitalize() for h in hints) or "Good"


class CaptureScreen(StationScreen):
    BINDINGS = [
        ("c", "capture", "Capture"),
        ("a", "accept", "Accept"),
        ("x", "annotate", "Annotate"),
        ("o", "override", "Override gate"),
        ("s", "stop", "Stop capture"),
        ("v", "review", "Review"),
        ("escape", "back", "Back"),
    ]

    def __init__(self, booking: str) -> None:
        super().__init__()
        self.booking = booking
        self.plan: list[dict[str, Any]] = []
        self.capturing: str | None = None
        self.preview_count = 0

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="capture-body"):
            with Vertical(id="capture-left"):
                yield Static(f"Booking {self.booking}", classes="screen-title")
                yield FingerGrid(id="grid")
                yield Static("", id="step-info")
            with Vertical(id="capture-right"):
                yield FingerprintViewer(id="preview", title="Live preview")
                yield Static("Select a capture and press c", id="hint")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(FingerGrid).focus()
        self.refresh_booking()

    @work(exclusive=True, group="booking_loaders")
    async def refresh_booking(self) -> None:
        result = await self.call("booking.get", booking=self.booking)
        if result is None:
            return
        self.plan = [dict(step) for step in result["plan"]]
        grid = self.query_one(FingerGrid)
        grid.set_steps(self.plan)
        next_key = result["next_step"]
        if next_key and self.capturing is None:
            grid.select_key(str(next_key))
        self.show_step()

    def current(self) -> dict[str, Any] | None:
        grid = self.query_one(FingerGrid)
        return self.plan[grid.selected] if self.plan and grid.selected < len(self.plan) else None

    def show_step(self) -> None:
        step = self.current()
        info = self.query_one("#step-info", Static)
        if step is None:
            info.update("")
            return
        lines = [f"{step.get('label', step['key'])}: {step.get('state', 'pending')}"]
        if step.get("nfiq2") is not None:
            lines.append(f"NFIQ 2: {step['nfiq2']}  (gate {step.get('threshold', '-')})")
        if step.get("attempts"):
            lines.append(f"attempts: {step['attempts']}")
        if step.get("annotation"):
            lines.append(f"annotated {step['annotation']}: {step.get('reason', '')}")
        for problem in step.get("problems", []) or []:
            lines.append(f"! {problem}")
        info.update("\n".join(lines))

    @on(FingerGrid.Selected)
    def _selected(self) -> None:
        self.show_step()

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
        hint = self.query_one("#hint", Static)
        hint.update(f"Capturing {step.get('label', step['key'])}: place the finger(s) on the scanner")
        try:
            result = await self.station.link.request(
                "booking.capture", booking=self.booking, kind=step["kind"], position=step["position"], timeout=180
            )
        except Exception as exc:  # a retry (finger moved, smudge) or a fault: say which, in place
            hint.update(f"Capture not usable: {describe(exc)}. Press c to try again")
            self.refresh_booking()
            return
        finally:
            self.capturing = None
        problems = result.get("problems") or []
        quality = result.get("nfiq2")
        verdict = "ok" if result.get("passes_gate", True) else "below the quality gate"
        message = f"Captured: NFIQ 2 {quality if quality is not None else 'not scorable'} ({verdict})."
        if problems:
            message += " " + "; ".join(map(str, problems))
        hint.update(message + "  a = accept, c = capture again")
        self.refresh_booking()

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
        result = await self.call("booking.get", booking=self.booking)
        if result is None:
            return
        self.plan = [dict(step) for step in result["plan"]]
        grid.set_steps(self.plan)
        following = result["next_step"]
        if following:
            grid.select_key(str(following))
        elif result["complete"]:
            self.action_review()
        self.show_step()

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

    def action_back(self) -> None:
        if not self.capturing:
            self.app.pop_screen()
