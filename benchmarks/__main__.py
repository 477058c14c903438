"""Run the benchmarks: `python -m benchmarks [--quick] [NAME...]`.

Each module `benchmarks/bench_NAME.py` has `run(quick: bool) -> list[Figure]`. Every figure is a ratio of
two things measured side by side in this run, so a noisy shared machine affects both sides alike.
Exit status 1 when a figure misses its target (with --quick, sizes are small and only errors fail).
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the benchmarks still run")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all), e.g. verify store")
    args = parser.parse_args()
    here = Path(__file__).parent
    names = sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    chosen = args.names or names
    missed = 0
    for name in chosen:
        if name not in names:
            print(f"unknown benchmark {name!r}; known: {', '.join(names)}", file=sys.stderr)
            return 2
        module = importlib.import_module(f"benchmarks.bench_{name}")
        t0 = time.perf_counter()
        print(f"== {name}{' (quick)' if args.quick else ''}", flush=True)
        for fig in module.run(args.quick):
            print("  " + fig.line(), flush=True)
            missed += 0 if fig.ok else 1
        print(f"   ({time.perf_counter() - t0:.1f} s)", flush=True)
    if missed and not args.quick:
        print(f"{missed} figure(s) missed their target")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
