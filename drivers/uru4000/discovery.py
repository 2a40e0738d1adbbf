"""Discovery of DigitalPersona U.are.U 4000 / 4000B / 4500 readers on the USB bus (pyusb): which are attached,
of which model, at which bus address. An empty list, not an error, when libusb is missing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import usb.core

from drivers.uru4000.constants import READER_MODELS, ReaderModel


@dataclass(frozen=True)
class AttachedReader:
    bus: int
    address: int
    vendor_id: int
    product_id: int
    model: ReaderModel
    device: Any  # usb.core.Device

    @property
    def description(self) -> str:
        return f"{self.model.name} ({self.vendor_id:04x}:{self.product_id:04x}) at USB {self.bus}:{self.address}"


def find_readers(backend: object | None = None) -> list[AttachedReader]:
    """Every attached reader of the family; an empty list when libusb is missing."""
    try:
        devices = usb.core.find(
            find_all=True,
            backend=backend,
            custom_match=lambda d: (d.idVendor, d.idProduct) in READER_MODELS,
        )
        found = list(devices or [])
    except usb.core.NoBackendError:
        return []
    except usb.core.USBError:
        return []
    return [
        AttachedReader(
            int(d.bus or 0), int(d.address or 0), d.idVendor, d.idProduct, READER_MODELS[(d.idVendor, d.idProduct)], d
        )
        for d in found
    ]
