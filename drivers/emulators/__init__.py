"""Device emulators that speak the real wire protocols: the UART module on a pty, the U.are.U 4000B as a pyusb
backend. Technicians and the demo use them through `station emulate`; the tests run the real drivers against them."""
