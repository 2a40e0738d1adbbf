"""The fingerprint viewer draws real ridges: half-block cells of a 500 ppi print follow the image, at 1:1 and fitted.

The print is FVC2002 DB1 (500 ppi). The viewer runs in a Textual app; what is checked is the cells it hands to
Textual (each cell's foreground is the upper pixel, its background the lower one), read back into grey values.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import cv2
import numpy as np
import pytest
from rich.color import ColorSystem
from textual.app import App, ComposeResult

from ui.widgets.viewer import FingerprintViewer, Graphics
from ui.widgets.viewer.cells import UPPER_HALF

RIDGE_PERIOD_PX = (7.0, 12.0)  # 500 ppi prints: ridges about 9 px apart


class ViewerApp(App[None]):
    CSS = "FingerprintViewer { width: 1fr; height: 1fr; border: ascii white; }"

    def __init__(self, graphics: Graphics | None = None) -> None:
        super().__init__()
        self.graphics = graphics or Graphics()

    def compose(self) -> ComposeResult:
        yield FingerprintViewer(title="right index")


@pytest.fixture(scope="module")
def print_500ppi(fvc_data: Path) -> np.ndarray:
    image = cv2.imread(str(fvc_data / "fvc2002_db1_b" / "101_1.tif"), cv2.IMREAD_GRAYSCALE)
    assert image is not None
    return image


def cells_as_pixels(viewer: FingerprintViewer, colours: ColorSystem | None = None) -> np.ndarray:
    """The viewer's lines read back as a (2 * rows) x columns grey image, as a terminal of `colours` would show it."""
    rows = []
    for y in range(viewer.content_size.height):
        upper, lower = [], []
        for segment in viewer.render_line(y):
            if not segment.text:
                continue
            assert set(segment.text) == {UPPER_HALF}, segment.text
            style = segment.style
            assert style is not None and style.color is not None and style.bgcolor is not None
            fg, bg = style.color, style.bgcolor
            if colours is not None:
                fg, bg = fg.downgrade(colours), bg.downgrade(colours)
            upper += [fg.get_truecolor().red] * len(segment.text)
            lower += [bg.get_truecolor().red] * len(segment.text)
        rows += [upper, lower]
    return np.array(rows, np.float64)


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def ridge_period(pixels: np.ndarray) -> float:
    """The dominant spatial period (px) of the grey values, in any direction: the ridge spacing."""
    h, w = pixels.shape
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2((pixels - pixels.mean()) * np.outer(np.hanning(h), np.hanning(w)))))
    fy, fx = np.meshgrid(np.fft.fftshift(np.fft.fftfreq(h)), np.fft.fftshift(np.fft.fftfreq(w)), indexing="ij")
    radius = np.hypot(fx, fy)
    band = (radius > 1 / 30) & (radius < 0.5)  # ignore the slow shading of the print
    edges = np.linspace(1 / 30, 0.5, 60)
    power = [spectrum[band & (radius >= a) & (radius < b)].sum() for a, b in itertools.pairwise(edges)]
    peak = int(np.argmax(power))
    return float(2 / (edges[peak] + edges[peak + 1]))


async def shown(app: ViewerApp, pilot, image: np.ndarray, zoom: str) -> FingerprintViewer:  # type: ignore[no-untyped-def]
    viewer = app.query_one(FingerprintViewer)
    viewer.show(image, ppi=500)
    viewer.zoom = zoom
    await pilot.pause()
    return viewer


@pytest.mark.parametrize("colours", [None, ColorSystem.EIGHT_BIT], ids=["true colour", "256 colours"])
async def test_at_1_to_1_the_cells_follow_the_prints_ridges(print_500ppi: np.ndarray, colours) -> None:  # type: ignore[no-untyped-def]
    app = ViewerApp()
    async with app.run_test(size=(100, 40)) as pilot:
        viewer = await shown(app, pilot, print_500ppi, "1:1")
        rendered = cells_as_pixels(viewer, colours)
        rows, columns = viewer.content_size.height, viewer.content_size.width
        x, y = viewer._origin
        source = print_500ppi[y : y + 2 * rows, x : x + columns].astype(np.float64)
        assert rendered.shape == source.shape == (2 * rows, columns)
        # Each cell against the image averaged to the cell grid (a cell is one column and two rows) ...
        cell_means = rendered.reshape(rows, 2, columns).mean(axis=1)
        downsampled = cv2.resize(source, (columns, rows), interpolation=cv2.INTER_AREA)
        assert correlation(cell_means, downsampled) > 0.9
        # ... and pixel by pixel, with the ridge spacing of a 500 ppi print still there to see.
        assert correlation(rendered, source) > 0.9
        low, high = RIDGE_PERIOD_PX
        assert low <= ridge_period(rendered) <= high
        assert abs(ridge_period(rendered) - ridge_period(source)) < 1.0


async def test_fitted_the_whole_print_is_shown_downsampled(print_500ppi: np.ndarray) -> None:
    app = ViewerApp()
    async with app.run_test(size=(60, 24)) as pilot:
        viewer = await shown(app, pilot, print_500ppi, "fit")
        rendered = cells_as_pixels(viewer)
        width, height = viewer.content_size.width, viewer.content_size.height * 2
        scale = min(width / print_500ppi.shape[1], height / print_500ppi.shape[0])
        w, h = round(print_500ppi.shape[1] * scale), round(print_500ppi.shape[0] * scale)
        top, left = (height - h) // 2, (width - w) // 2
        expected = cv2.resize(print_500ppi, (w, h), interpolation=cv2.INTER_AREA).astype(np.float64)
        assert correlation(rendered[top : top + h, left : left + w], expected) > 0.95
        assert (rendered[:, :left] == 255).all()  # white paper beside the print


async def test_panning_at_1_to_1_moves_the_window_and_stops_at_the_edge(print_500ppi: np.ndarray) -> None:
    app = ViewerApp()
    async with app.run_test(size=(60, 24)) as pilot:
        viewer = await shown(app, pilot, print_500ppi, "1:1")
        viewer.focus()
        start = viewer._origin
        await pilot.press("right")
        assert viewer._origin[0] > start[0] and viewer._origin[1] == start[1]
        for _ in range(20):
            await pilot.press("down")
        rows = viewer.content_size.height
        assert viewer._origin[1] == print_500ppi.shape[0] - 2 * rows  # the last rows, no further
        x, y = viewer._origin
        source = print_500ppi[y : y + 2 * rows, x : x + viewer.content_size.width].astype(np.float64)
        assert correlation(cells_as_pixels(viewer), source) > 0.99


async def test_the_quality_map_colours_unclear_blocks_and_leaves_clear_ones_grey(print_500ppi: np.ndarray) -> None:
    app = ViewerApp()
    async with app.run_test(size=(60, 24)) as pilot:
        viewer = await shown(app, pilot, print_500ppi, "fit")
        blocks = np.full((4, 4), 90, np.uint8)  # clear ridges everywhere ...
        blocks[:, :2] = 10  # ... but the left half
        viewer.show(print_500ppi, quality_map=blocks)
        await pilot.pause()
        middle = viewer.content_size.height // 2
        line = [s for s in viewer.render_line(middle) if s.text]
        assert any(not is_grey(s) for s in line) and any(is_grey(s) for s in line)
        assert "map on" in str(viewer.border_subtitle)
        viewer.focus()
        await pilot.press("m")
        assert all(is_grey(s) for s in viewer.render_line(middle) if s.text)


def is_grey(segment) -> bool:  # type: ignore[no-untyped-def]
    red, green, blue = segment.style.color.triplet
    return red == green == blue
