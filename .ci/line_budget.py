"""The project's file-size budget: most Python and Rust files under 400 lines, none over 600.

    python3 .ci/line_budget.py            # checks the files git tracks (or, outside git, every file)

Prints every file over the soft limit and fails (exit 1) when a file exceeds the hard limit or
more than 5% of the files exceed the soft one.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

SOFT, HARD = 400, 600
SOFT_SHARE = 0.05
ROOT = Path(__file__).resolve().parent.parent


def source_files() -> list[Path]:
    try:
        out = subprocess.run(["git", "ls-files", "*.py", "*.rs"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
        return [ROOT / p for p in out if (ROOT / p).is_file()]
    except (OSError, subprocess.CalledProcessError):
        skip = {"target", ".git", "build", ".venv"}
        return [p for p in ROOT.rglob("*") if p.suffix in (".py", ".rs") and not skip & set(p.parts)]


def main() -> int:
    files = source_files()
    sizes = sorted(((sum(1 for _ in p.open(encoding="utf-8", errors="replace")), p) for p in files), reverse=True)
    over_soft = [(n, p) for n, p in sizes if n > SOFT]
    over_hard = [(n, p) for n, p in sizes if n > HARD]
    for n, p in over_soft:
        mark = "OVER HARD LIMIT" if n > HARD else "over soft limit"
        print(f"{n:6d}  {p.relative_to(ROOT)}  ({mark})")
    share = len(over_soft) / max(1, len(files))
    print(f"line budget: {len(files)} files, {len(over_soft)} over {SOFT} lines ({share:.1%}, at most "
          f"{SOFT_SHARE:.0%} allowed), {len(over_hard)} over {HARD}")
    return 1 if over_hard or share > SOFT_SHARE else 0


if __name__ == "__main__":
    sys.exit(main())
