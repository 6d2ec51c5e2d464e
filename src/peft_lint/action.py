"""The GitHub Action's step (action.yml): its inputs, read from the environment and split as a
shell would, so a path with spaces survives; then `peft-lint check --output-format github`.

`paths`: one path per line, or on one line separated by spaces (quote a path with spaces:
`"my runs/train.py" configs`). `args`: extra arguments for `check`, split with shell quoting.
"""

from __future__ import annotations

import os
import shlex
import sys

from peft_lint.cli import main

PATHS = "PEFT_LINT_ACTION_PATHS"
ARGS = "PEFT_LINT_ACTION_ARGS"


def action_arguments(paths: str, args: str) -> list[str]:
    """The `check` command line the action's inputs stand for."""
    lines = [line.strip() for line in paths.splitlines() if line.strip()]
    named = lines if len(lines) > 1 else shlex.split(lines[0]) if lines else ["."]
    return ["check", "--output-format", "github", *shlex.split(args), *named]


def run() -> int:
    try:
        arguments = action_arguments(os.environ.get(PATHS, "."), os.environ.get(ARGS, ""))
    except ValueError as error:  # an unclosed quote
        print(f"peft-lint action: cannot split the inputs: {error}", file=sys.stderr)
        return 2
    return main(arguments)


if __name__ == "__main__":
    sys.exit(run())
