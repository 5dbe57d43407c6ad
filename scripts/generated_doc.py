"""Write a generated document, or with --check say whether the committed one is current: one
way for every doc the scripts in this folder generate (the tests run them with --check)."""

from __future__ import annotations

import sys
from pathlib import Path


def write_or_check(target: Path, text: str, check: bool) -> int:
    """Write `text` to `target`; with `check`, write nothing and return 1 if they differ."""
    if check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            print(f"{target} is out of date: run python scripts/{Path(sys.argv[0]).name}")
            return 1
        return 0
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0
