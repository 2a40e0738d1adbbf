"""Sub-commands of `station`, one module per command or command group (each defines `register`)."""
