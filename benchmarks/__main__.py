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
    parser.add_argument("--readme", action="store_true",
                        help="write the figures of this run into README.md's table (a run of every benchmark)")
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all), e.g. verify store")
    args = parser.parse_args()
    if args.readme and (args.quick or args.names):
        parser.error("--readme takes a full run of every benchmark (no --quick, no names)")
    here = Path(__file__).parent
    names = sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    chosen = args.names or names
    missed = 0
    rows: list[str] = []
    started = time.perf_counter()
    for name in chosen:
        if name not in names:
            print(f"unknown benchmark {name!r}; known: {', '.join(names)}", file=sys.stderr)
            return 2
        module = importlib.import_module(f"benchmarks.bench_{name}")
        t0 = time.perf_counter()
        print(f"== {name}{' (quick)' if args.quick else ''}", flush=True)
        for fig in module.run(args.quick):
            print("  " + fig.line(), flush=True)
            rows.append(fig.row(name))
            missed += 0 if fig.ok else 1
        print(f"   ({time.perf_counter() - t0:.1f} s)", flush=True)
    if args.readme:
        write_readme(rows, time.perf_counter() - started)
    if missed and not args.quick:
        print(f"{missed} figure(s) missed their target")
        return 1
    return 0


BEGIN, END = "<!-- figures: python -m benchmarks --readme -->", "<!-- /figures -->"


def write_readme(rows: list[str], seconds: float) -> None:
    """Replace the table between README.md's figure markers with this run's figures."""
    readme = Path(__file__).resolve().parents[1] / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    when = time.strftime("%Y-%m-%d", time.gmtime())
    table = "\n".join([
        f"One run of `python -m benchmarks --readme` on {when} ({seconds / 60:.0f} min):",
        "",
        "| benchmark | ratio | target |",
        "|---|---|---|",
        *rows,
    ])
    readme.write_text(text[:start] + "\n" + table + "\n" + text[end:], encoding="utf-8")
    print(f"README.md: {len(rows)} figures written")


if __name__ == "__main__":
    sys.exit(main())
