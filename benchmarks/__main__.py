"""Run the benchmarks: `python -m benchmarks [--quick] [NAME...]`.

Each module `benchmarks/bench_NAME.py` has `run(quick: bool) -> list[Figure]`. Every figure is a ratio of
two things measured side by side in this run, so a noisy shared machine affects both sides alike. Each module
runs in a fresh interpreter of its own: what one leaves in memory (the fuzz run's hundreds of thousands of
objects, scanned by every later full garbage collection) must not slow the next one's in-process side.
Exit status 1 when a figure misses its target (with --quick, sizes are small and only errors fail).
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the benchmarks still run")
    parser.add_argument("--readme", action="store_true",
                        help="write the figures of this run into README.md's table (a run of every benchmark)")
    parser.add_argument("--child", metavar="FILE", help=argparse.SUPPRESS)  # run one module here, rows to FILE
    parser.add_argument("names", nargs="*", help="benchmarks to run (default: all), e.g. verify store")
    args = parser.parse_args()
    if args.readme and (args.quick or args.names):
        parser.error("--readme takes a full run of every benchmark (no --quick, no names)")
    here = Path(__file__).parent
    names = sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    chosen = args.names or names
    for name in chosen:
        if name not in names:
            print(f"unknown benchmark {name!r}; known: {', '.join(names)}", file=sys.stderr)
            return 2
    if args.child:
        return run_here(chosen[0], args.quick, Path(args.child))
    missed = 0
    rows: list[str] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="benchmarks-") as tmp:
        for name in chosen:
            t0 = time.perf_counter()
            print(f"== {name}{' (quick)' if args.quick else ''}", flush=True)
            out = Path(tmp) / f"{name}.json"
            cmd = [sys.executable, "-m", "benchmarks", *(["--quick"] if args.quick else []), "--child", str(out), name]
            code = subprocess.run(cmd, check=False).returncode
            if code != 0 or not out.exists():
                print(f"benchmark {name} failed (exit status {code})", file=sys.stderr)
                return 1
            for figure in json.loads(out.read_text(encoding="utf-8")):
                rows.append(figure["row"])
                missed += 0 if figure["ok"] else 1
            print(f"   ({time.perf_counter() - t0:.1f} s)", flush=True)
    if args.readme:
        write_readme(rows, time.perf_counter() - started)
    if missed and not args.quick:
        print(f"{missed} figure(s) missed their target")
        return 1
    return 0


def run_here(name: str, quick: bool, out: Path) -> int:
    """Run one benchmark module in this interpreter: its lines printed, its README rows written to `out`."""
    module = importlib.import_module(f"benchmarks.bench_{name}")
    figures = []
    for fig in module.run(quick):
        print("  " + fig.line(), flush=True)
        figures.append({"row": fig.row(name), "ok": fig.ok})
    out.write_text(json.dumps(figures), encoding="utf-8")
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
