"""`python -m station` runs the `station` command line."""

from station.cli import main

raise SystemExit(main())
