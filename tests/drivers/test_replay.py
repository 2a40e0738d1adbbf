"""The replay scanner serves recorded images: by label when it has one, else in order; it reads resolution from
the file; exhaustion is a retry; bad sources are faults with a fix."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from crash_inputs import crashing_wsq
from PIL import Image

from drivers.base import CaptureFailed, CaptureKind, capture_image
from drivers.errors import DeviceNotFound, DriverFault, NoFinger
from drivers.registry import open_scanner
from station.formats import wsq


def _print(test_data: Path, name: str) -> np.ndarray:
    """A flat of the committed simulated set (FVC-style names `{finger}_{impression}.png`)."""
    return np.asarray(Image.open(test_data / "simulated_seed7" / name).convert("L"))


async def test_labelled_images_are_served_for_their_kind_and_position(tmp_path: Path, test_data: Path) -> None:
    images = {
        name: _print(test_data, f"{(2, 3, 7)[i]}_1.png") for i, name in enumerate(["rolled_01", "flat-02", "slap_13"])
    }
    for name, pixels in images.items():
        Image.fromarray(pixels).save(tmp_path / f"{name}.png")
    scanner = await open_scanner(f"replay://{tmp_path}")
    assert scanner.info.capabilities == frozenset(CaptureKind)
    assert np.array_equal((await capture_image(scanner, CaptureKind.SLAP, 13)).image, images["slap_13"])
    assert np.array_equal((await capture_image(scanner, CaptureKind.ROLLED, 1)).image, images["rolled_01"])
    assert np.array_equal((await capture_image(scanner, CaptureKind.FLAT, 2)).image, images["flat-02"])


async def test_unlabelled_images_come_in_name_order_and_loop_or_run_out(tmp_path: Path, test_data: Path) -> None:
    for index in range(2):
        Image.fromarray(_print(test_data, f"{(7, 8)[index]}_2.png")).save(tmp_path / f"{index}.png")
    looping = await open_scanner(f"replay://{tmp_path}")
    served = [(await capture_image(looping, CaptureKind.FLAT, 1)).extras["source"] for _ in range(3)]
    assert served == ["0.png", "1.png", "0.png"]
    once = await open_scanner(f"replay://{tmp_path}?loop=0")
    await capture_image(once, CaptureKind.FLAT, 1)
    await capture_image(once, CaptureKind.FLAT, 1)
    events = [event async for event in once.capture(CaptureKind.FLAT, 1)]
    assert isinstance(events[-1], CaptureFailed) and isinstance(events[-1].error, NoFinger)


async def test_resolution_comes_from_the_file_else_from_the_option(tmp_path: Path, test_data: Path) -> None:
    pixels = _print(test_data, "8_3.png")
    Image.fromarray(pixels).save(tmp_path / "a.png", dpi=(1000, 1000))
    (tmp_path / "b.wsq").write_bytes(wsq.encode(pixels, ppi=500))
    scanner = await open_scanner(f"replay://{tmp_path}?ppi=700")
    first = await capture_image(scanner, CaptureKind.FLAT, 1)
    second = await capture_image(scanner, CaptureKind.FLAT, 1)
    assert first.ppi == 1000 and second.ppi == 500
    # WSQ is lossy: the replay serves what the codec decodes, at the frame's own size.
    assert np.array_equal(second.image, wsq.decode((tmp_path / "b.wsq").read_bytes()).pixels)
    assert second.image.shape == pixels.shape
    Image.fromarray(pixels).save(tmp_path / "c.tif")  # a TIFF without a resolution tag, as FVC's
    tiff = await open_scanner(f"replay://{tmp_path / 'c.tif'}?ppi=500")
    assert (await capture_image(tiff, CaptureKind.FLAT, 1)).ppi == 500


async def test_bad_sources_are_faults_that_say_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DeviceNotFound, match="does not exist"):
        await open_scanner(f"replay://{tmp_path}/missing")
    with pytest.raises(DeviceNotFound, match="holds no images"):
        await open_scanner(f"replay://{tmp_path}")
    (tmp_path / "broken.png").write_bytes(b"\x89PNG not really")
    with pytest.raises(DriverFault, match=r"broken\.png") as caught:
        await open_scanner(f"replay://{tmp_path}")
    assert "replace the file" in str(caught.value)


async def test_a_blank_frame_in_the_folder_feeds_the_self_test(tmp_path: Path, test_data: Path) -> None:
    Image.fromarray(_print(test_data, "2_1.png")).save(tmp_path / "0.png")
    blank = np.full((300, 300), 225, np.uint8)
    blank[100:140, 100:140] = 60  # a latent print's worth of dark area
    Image.fromarray(blank).save(tmp_path / "blank.png")
    report = await (await open_scanner(f"replay://{tmp_path}")).self_test()
    assert report.blank is not None and report.blank.spots >= 1
    assert not report.passed
    assert [check.name for check in report.checks if not check.ok] == ["dust and latent prints"]


async def test_a_tenprint_card_is_served_by_position_and_impression_type(test_data: Path) -> None:
    from station.formats.ansi_nist import read_transaction

    card = test_data / "nist_tenprint_eft" / "nist-type-14-tpcard.eft"
    scanner = await open_scanner(f"replay://{card}")
    rolled = await capture_image(scanner, CaptureKind.ROLLED, 3)
    slap = await capture_image(scanner, CaptureKind.SLAP, 13)
    assert rolled.extras["source"].endswith("fgp3") and slap.extras["source"].endswith("fgp13")
    transaction = read_transaction(card.read_bytes())
    record = int(rolled.extras["source"].split("#record")[1].split("-")[0])
    assert np.array_equal(rolled.image, wsq.decode(transaction.records[record].data).pixels)
    assert rolled.ppi == 500 and slap.image.shape[1] > 3 * slap.image.shape[0] / 2


async def test_a_file_that_crashes_the_decoder_is_a_fault_and_the_process_lives(
    tmp_path: Path, test_data: Path
) -> None:
    from station.formats.ansi_nist import read_transaction

    sample = read_transaction((test_data / "openebts_samples" / "NISTFile.ebts").read_bytes())
    (tmp_path / "crash.wsq").write_bytes(crashing_wsq(sample.records[2].data))
    # NBIS segfaults on it, or, when the machine cannot give its huge allocation, fails with WSQ Error -2 first
    # (which one depends on free memory): either way a fault naming the file, and this process lives.
    with pytest.raises(DriverFault, match=r"decoder crashed|corrupt WSQ data") as caught:
        await open_scanner(f"replay://{tmp_path}")
    assert "corrupt" in str(caught.value)
