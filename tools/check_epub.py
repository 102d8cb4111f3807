"""EPUB files in, EPUBCheck and Ace by DAISY verdicts out (exit 1 on any EPUBCheck warning or error,
or any serious or critical Ace violation). Used by `make check-epub`."""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from helpers import ace_missing, ace_violations, epubcheck_problems  # noqa: E402


def main(paths: list[str]) -> int:
    failed = False
    if not paths:
        print("usage: check_epub.py BOOK.epub...", file=sys.stderr)
        return 2
    for name in paths:
        path = Path(name)
        problems = epubcheck_problems(path)
        print(f"{path}: EPUBCheck {sum(p.startswith(('ERROR', 'FATAL')) for p in problems)} errors, "
              f"{sum(p.startswith('WARNING') for p in problems)} warnings")
        for problem in problems:
            print(f"  {problem}")
        failed |= bool(problems)
        reason = ace_missing()
        if reason:
            print(f"{path}: Ace not run: {reason}")
            failed = True
            continue
        with tempfile.TemporaryDirectory(prefix="ace-") as out:
            found = ace_violations(path, Path(out))
        counts = ", ".join(f"{len(found.get(k, []))} {k}" for k in ("critical", "serious", "moderate", "minor"))
        print(f"{path}: Ace {counts}")
        for impact in ("critical", "serious", "moderate", "minor"):
            for item in found.get(impact, []):
                print(f"  {impact}: {item}")
        failed |= bool(found.get("critical") or found.get("serious"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
