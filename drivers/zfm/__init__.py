"""UART fingerprint modules of the ZFM-20 / R30x / AS608 family over a serial port (pyserial)."""
