"""Diagnostics for the field technician: devices, self-test, raw capture, traffic, network, queue, system, audit.

Every panel asks the daemon (the UI has no direct access to hardware, keys or the database) and shows the answer as
text a technician can read over the phone. Privileged actions (retrying a dead letter, exporting a bundle) may ask
for re-authentication: the daemon answers `reauth_required` and the panel says so.
"""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Footer, Header, Static, TabbedContent, TabPane

from station.api.protocol import decode_preview
from ui.screens.base import StationScreen
from ui.widgets.viewer import FingerprintViewer


def as_lines(data: Any, indent: str = "") -> list[str]:
    """A readable, stable rendering of a JSON-like answer."""
    lines: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, dict | list) and value:
                lines.append(f"{indent}{key}:")
                lines.extend(as_lines(value, indent + "  "))
            else:
                lines.append(f"{indent}{key}: {value}")
    elif isinstance(data, list):
        for item in data:
            if isinstance(item, dict | list):
                lines.extend(as_lines(item, indent + "- "))
            else:
                lines.append(f"{indent}- {item}")
    else:
        lines.append(f"{indent}{data}")
    return lines


PANELS = {
    "devices": ("Devices", "device.info", {}),
    "selftest": ("Self-test", "device.selftest", {}),
    "traffic": ("Traffic", "device.traffic", {}),
    "network": ("Network", "central.check", {}),
    "queue": ("Queue", "queue.status", {}),
    "system": ("System", "status", {}),
    "audit": ("Audit", "audit.tail", {"count": 50}),
}


class DiagnosticsScreen(StationScreen):
    HELP = "The station's health for a technician: devices, self-test, traffic, network, queue, system and audit."
    BINDINGS = [("r", "refresh", "Refresh"), ("escape", "back", "Back")]

    def compose(self) -> ComposeResult:
        yield Header()
        with TabbedContent(id="diagnostics-tabs"):
            for key, (title, _, _) in PANELS.items():
                with TabPane(title, id=f"tab-{key}"), VerticalScroll():
                    if key == "selftest":
                        yield Button("Run self-test (blank platen)", id="run-selftest", variant="primary")
                        yield Button("Raw capture with quality", id="raw-capture")
                        yield FingerprintViewer(id="raw-preview", title="Raw capture")
                    if key == "queue":
                        yield Button("Retry dead letters", id="retry-failed", variant="warning")
                    if key == "audit":
                        with Horizontal(classes="buttons"):
                            yield Button("Verify the audit chain", id="verify-audit")
                            yield Button("Export diagnostic bundle (redacted)", id="export-bundle")
                    yield Static("", id=f"panel-{key}", classes="panel-text")
        yield Footer(show_command_palette=False)

    def on_mount(self) -> None:
        for key in PANELS:
            if key != "selftest":
                self.load_panel(key)

    def action_refresh(self) -> None:
        active = self.query_one(TabbedContent).active.removeprefix("tab-")
        if active in PANELS and active != "selftest":
            self.load_panel(active)

    @work(group="panel_loaders")
    async def load_panel(self, key: str) -> None:
        _, op, args = PANELS[key]
        result = await self.call(op, quiet=True, **args)
        panel = self.query_one(f"#panel-{key}", Static)
        panel.update("\n".join(as_lines(result)) if result is not None else f"({op} not available)")

    @on(Button.Pressed, "#run-selftest")
    def _selftest(self) -> None:
        self.run_op("device.selftest", "selftest", timeout=120)

    @on(Button.Pressed, "#verify-audit")
    def _verify(self) -> None:
        self.run_op("audit.verify", "audit")

    @on(Button.Pressed, "#export-bundle")
    def _bundle(self) -> None:
        self.run_op("diagnostics.bundle", "audit")

    @on(Button.Pressed, "#retry-failed")
    def _retry(self) -> None:
        self.run_op("queue.retry", "queue", all=True)

    @work(group="diagnostic_runners")
    async def run_op(self, op: str, panel_key: str, timeout: float = 60.0, **args: Any) -> None:
        panel = self.query_one(f"#panel-{panel_key}", Static)
        panel.update(f"{op}: running...")
        result = await self.call(op, timeout=timeout, **args)
        if result is not None:
            panel.update("\n".join(as_lines(result)))
        else:
            panel.update(f"{op}: failed (see the message)")

    @on(Button.Pressed, "#raw-capture")
    def _raw(self) -> None:
        self.raw_capture()

    @work(exclusive=True, group="capture_runners")
    async def raw_capture(self) -> None:
        panel = self.query_one("#panel-selftest", Static)
        panel.update("Place a finger on the scanner...")
        result = await self.call("device.capture_raw", timeout=120)
        if result is None:
            panel.update("raw capture failed")
            return
        if "preview" in result:
            self.query_one("#raw-preview", FingerprintViewer).show(decode_preview(result["preview"]))
        panel.update("\n".join(as_lines({k: v for k, v in result.items() if k != "preview"})))

    def action_back(self) -> None:
        self.app.pop_screen()
