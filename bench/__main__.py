"""Run every benchmark in bench/ in turn: `python -m bench [NAME ...]`."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main(names: list[str]) -> None:
    found = sorted(p.stem for p in Path(__file__).parent.glob("bench_*.py"))
    for name in names or found:
        module = importlib.import_module(
            f"bench.{name if name.startswith('bench_') else 'bench_' + name}"
        )
        print(f"== {module.__name__}: {(module.__doc__ or '').strip().splitlines()[0]}")
        module.main()
        print()


if __name__ == "__main__":
    main(sys.argv[1:])
