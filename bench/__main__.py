"""`python -m bench [NAME...]` runs every benchmark module (or the named ones) and prints their reports."""

from __future__ import annotations

import importlib
import pkgutil
import sys

import bench


def main(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    wanted = [n if n.startswith("bench_") else f"bench_{n}" for n in argv] or names
    unknown = sorted(set(wanted) - set(names))
    if unknown:
        print(f"bench: unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(names)}", file=sys.stderr)
        return 2
    status = 0
    for name in wanted:
        print(f"== {name.removeprefix('bench_')} ==", flush=True)
        module = importlib.import_module(f"bench.{name}")
        status = max(status, int(module.main() or 0))
    return status


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
