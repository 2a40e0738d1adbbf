"""What every screen shares: calling the daemon with errors shown in place, never as a crash."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.screen import ModalScreen, Screen

from station.api.client import ApiRequestError, ConnectionLost

if TYPE_CHECKING:
    from ui.app import StationApp


def describe(exc: Exception) -> str:
    """One line for the officer: what went wrong and, where known, what to do."""
    if isinstance(exc, ApiRequestError):
        return f"{exc.message} - {exc.hint}" if exc.hint else exc.message
    if isinstance(exc, ConnectionLost):
        return "The station service is not reachable; reconnecting..."
    if isinstance(exc, TimeoutError):
        return "The station service did not answer in time; try again."
    return str(exc) or type(exc).__name__


class DaemonCalls:
    """Mixin for screens: `await self.call(op, **args)` returns the result or None after showing the error."""

    @property
    def station(self) -> StationApp:
        return self.app  # type: ignore[attr-defined,return-value]

    async def call(self, op: str, *, quiet: bool = False, timeout: float | None = 60.0, **args: Any) -> dict | None:
        try:
            return await self.station.link.request(op, timeout=timeout, **args)
        except (ApiRequestError, ConnectionLost, TimeoutError) as exc:
            if isinstance(exc, ApiRequestError) and exc.code in ("session_locked", "login_required", "session_expired"):
                self.station.session_ended(describe(exc))
                return None
            if not quiet:
                self.show_error(describe(exc))
            return None

    def show_error(self, text: str) -> None:
        self.station.notify(text, severity="error", timeout=8)


class StationScreen(DaemonCalls, Screen[None]):
    pass


class StationModal(DaemonCalls, ModalScreen[Any]):
    pass
