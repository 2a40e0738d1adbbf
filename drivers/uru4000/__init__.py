"""DigitalPersona U.are.U 4000 / 4000B / 4500 (and the Microsoft readers built on them) over USB with pyusb."""
