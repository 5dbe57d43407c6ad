"""Run every benchmark in bench/ in turn: `python -m bench [NAME ...] [--quick] [options]`.

Options after the names go to each benchmark; `--quick` (or BENCH_QUICK=1) makes every one
run on smaller inputs, once.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path


def main(argv: list[str]) -> None:
    first_option = next((i for i, a in enumerate(argv) if a.startswith("-")), len(argv))
    names, options = argv[:first_option], argv[first_option:]
    if "--quick" in argv:
        os.environ["BENCH_QUICK"] = "1"
    found = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    for name in names or found:
        module = importlib.import_module(
            f"bench.{name if name.startswith('bench_') else 'bench_' + name}"
        )
        print(f"== {module.__name__}: {(module.__doc__ or '').strip().splitlines()[0]}", flush=True)
        module.main(options)
        print(flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
