"""Write the JSON schemas peft-lint ships, generated from their pydantic models.

    python scripts/gen_schemas.py            # write schemas/*.schema.json
    python scripts/gen_schemas.py --check    # exit 1 when a shipped schema is out of date
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def schemas() -> dict[Path, dict[str, object]]:
    from peft_lint.output.json_schema import output_schema
    from peft_lint.settings import json_schema

    return {ROOT / "schemas" / "settings.schema.json": json_schema(),
            ROOT / "schemas" / "output.schema.json": output_schema()}


def main(argv: list[str]) -> int:
    stale = []
    for path, schema in schemas().items():
        text = json.dumps(schema, indent=2) + "\n"
        if "--check" in argv:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
        else:
            path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"out of date: {path.relative_to(ROOT)} (run: python scripts/gen_schemas.py)")
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
