"""Device URIs name every scanner; bad URIs say what a good one looks like; discovery lists configured ports."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.emulators.uru4000 import EmulatedUsbBackend
from drivers.emulators.zfm import ZfmEmulator, load_module_images
from drivers.errors import InvalidDeviceUri
from drivers.registry import DeviceWatcher, discover, make_scanner
from drivers.replay.driver import ReplayScanner
from drivers.simulated.driver import SimulatedScanner
from drivers.uri import parse_device_uri
from drivers.uru4000.driver import Uru4000Scanner
from drivers.zfm.driver import ZfmScanner


@pytest.mark.parametrize(
    ("uri", "scheme", "location", "params"),
    [
        ("sim://?seed=7&faults=unplug:2", "sim", "", {"seed": "7", "faults": "unplug:2"}),
        ("replay:///srv/cases/0042", "replay", "/srv/cases/0042", {}),
        ("zfm:///dev/ttyUSB0?baud=57600", "zfm", "/dev/ttyUSB0", {"baud": "57600"}),
        ("uru4000://", "uru4000", "", {}),
        ("uru4000://1:7", "uru4000", "1:7", {}),
    ],
)
def test_uris_parse(uri: str, scheme: str, location: str, params: dict[str, str]) -> None:
    parsed = parse_device_uri(uri)
    assert (parsed.scheme, parsed.location, parsed.params) == (scheme, location, params)


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("/dev/ttyUSB0", "not a device URI"),
        ("usb://1:2", "not a device URI"),
        ("sim://?seed=1&seed=2", "given twice"),
        ("sim://?sede=1", "unknown option"),
        ("sim://?seed=x", "not a whole number"),
        ("sim://?faults=explode", "unknown simulated fault"),
        ("zfm://", "no serial port"),
        ("uru4000://usb1", "BUS:ADDRESS"),
        ("zfm://host/dev/ttyUSB0", "three slashes"),
    ],
)
def test_bad_uris_are_input_errors_with_a_hint(uri: str, message: str) -> None:
    with pytest.raises(InvalidDeviceUri, match=message) as caught:
        make_scanner(uri)
    assert caught.value.message


def test_each_scheme_builds_its_driver(tmp_path: Path) -> None:
    assert isinstance(make_scanner("sim://?seed=4"), SimulatedScanner)
    assert isinstance(make_scanner(f"replay://{tmp_path}"), ReplayScanner)
    assert isinstance(make_scanner("zfm:///dev/ttyUSB0"), ZfmScanner)
    assert isinstance(make_scanner("uru4000://2:9"), Uru4000Scanner)


def test_configured_serial_ports_are_listed_while_they_exist(tmp_path: Path, test_data: Path) -> None:
    images = load_module_images(test_data / "simulated_seed7", limit=1)
    link = tmp_path / "ttyZFM0"
    with ZfmEmulator(images, link=link):
        bus = EmulatedUsbBackend()  # an empty USB bus
        watcher = DeviceWatcher(lambda: discover([str(link)], usb_backend=bus, list_serial_bridges=False))
        assert [d.uri for d in watcher.poll().added] == [f"zfm://{link}"]
    assert [d.uri for d in watcher.poll().removed] == [f"zfm://{link}"]


async def test_watch_reports_an_unplugged_and_replugged_reader(test_data: Path) -> None:
    from drivers.emulators.uru4000 import EmulatedReader, load_frames

    reader = EmulatedReader(load_frames(test_data / "simulated_seed7", limit=1), address=3)
    bus = EmulatedUsbBackend(reader)
    watcher = DeviceWatcher(lambda: discover(usb_backend=bus, list_serial_bridges=False))
    changes = watcher.watch(interval_s=0.01)
    assert [d.uri for d in (await anext(changes)).added] == ["uru4000://1:3"]
    reader.unplug()
    assert [d.uri for d in (await anext(changes)).removed] == ["uru4000://1:3"]
    reader.replug()
    assert [d.uri for d in (await anext(changes)).added] == ["uru4000://1:4"]
    await changes.aclose()
