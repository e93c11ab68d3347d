"""``python -m procedures publish <procedure_id>@v<N>``: record a new version's sha256 in
published.json (see README.md). ``python -m procedures check``: load every version."""

from __future__ import annotations

import sys

import procedures


def main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "publish":
        digest = procedures.publish(argv[1])
        print(f"Đã công bố {argv[1]}: sha256 {digest}")
        return 0
    if argv == ["check"]:
        for key in procedures.available():
            procedures.load(key)
            print(f"{key}: đúng như khi công bố")
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except procedures.ProcedureError as exc:
        print(exc, file=sys.stderr)
        sys.exit(1)
