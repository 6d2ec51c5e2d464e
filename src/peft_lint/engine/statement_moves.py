"""Moving one statement above another, for fixes that reorder two calls on a model.

Resolved on the syntax tree of the file as it is when the fix is applied, and refused (None)
whenever the move could change more than the order of the two calls."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from peft_lint.engine.diagnostic import Edit, MoveCallBefore


def move_call_before(edit: MoveCallBefore, text: str, lines: list[str]) -> Edit | None:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    for body in _bodies(tree):
        moved = _statement_at(body, edit.line, edit.function)
        target = _statement_at(body, edit.before_line, edit.before_function)
        if moved is not None and target is not None:
            return _move(edit, body, moved, target, lines)
    return None


def _bodies(tree: ast.AST) -> Iterator[list[ast.stmt]]:
    for node in ast.walk(tree):
        for field in ("body", "orelse", "finalbody"):
            body = getattr(node, field, None)
            if isinstance(body, list) and body and isinstance(body[0], ast.stmt):
                yield body


def _call_of(statement: ast.stmt) -> ast.Call | None:
    value = statement.value if isinstance(statement, ast.Assign | ast.Expr) else None
    return value if isinstance(value, ast.Call) else None


def _function_name(call: ast.Call) -> str:
    function = call.func
    return function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")


def _statement_at(body: list[ast.stmt], line: int, function: str) -> int | None:
    for index, statement in enumerate(body):
        call = _call_of(statement)
        if statement.lineno == line and call is not None and _function_name(call) == function:
            return index
    return None


def _model_name(statement: ast.stmt) -> str | None:
    """The name passed first, which an assignment must bind again (`m = f(m, ...)`)."""
    call = _call_of(statement)
    if call is None or not call.args or not isinstance(call.args[0], ast.Name):
        return None
    name = call.args[0].id
    if isinstance(statement, ast.Assign):
        if len(statement.targets) != 1 or not isinstance(statement.targets[0], ast.Name) or \
                statement.targets[0].id != name:
            return None
    return name


def _bound_names(statement: ast.stmt) -> set[str]:
    names = {node.id for node in ast.walk(statement)
             if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del)}
    if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        names.add(statement.name)
    if isinstance(statement, ast.Import | ast.ImportFrom):
        names.update((alias.asname or alias.name).split(".")[0] for alias in statement.names)
    return names


def _move(edit: MoveCallBefore, body: list[ast.stmt], moved: int, target: int,
          lines: list[str]) -> Edit | None:
    if moved <= target:
        return None
    name = _model_name(body[moved])
    if name is None or name != _model_name(body[target]):
        return None
    read = {node.id for node in ast.walk(body[moved]) if isinstance(node, ast.Name)} - {name}
    between = body[target + 1:moved]
    if any(_bound_names(statement) & (read | {name}) for statement in between) or \
            _bound_names(body[target]) - {name}:
        return None
    if not all(_owns_its_lines(body, index, lines) for index in (target, moved)):
        return None
    first = body[moved].lineno
    previous_end = body[moved - 1].end_lineno or body[moved - 1].lineno
    while first - 1 > previous_end and lines[first - 2].lstrip().startswith("#"):
        first -= 1  # a comment right above the moved call travels with it
    last = body[moved].end_lineno or body[moved].lineno
    block = "".join(lines[first - 1:last])
    if not block.endswith("\n"):  # the moved call ended the file
        block += "\n"
    kept = "".join(lines[body[target].lineno - 1:first - 1])
    return Edit(edit.path, body[target].lineno, 1, last, len(lines[last - 1]) + 1, block + kept)


def _owns_its_lines(body: list[ast.stmt], index: int, lines: list[str]) -> bool:
    """No other statement, and no compound-statement header, shares the statement's lines."""
    statement = body[index]
    end = statement.end_lineno or statement.lineno
    if lines[statement.lineno - 1][:statement.col_offset].strip():
        return False
    if index > 0 and (body[index - 1].end_lineno or 0) >= statement.lineno:
        return False
    return not (index + 1 < len(body) and body[index + 1].lineno <= end)
