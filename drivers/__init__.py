"""Scanner drivers behind one async interface: simulated, replay, serial (UART modules) and USB (U.are.U),
plus device emulators that technicians, the demo and the tests use in place of hardware."""
