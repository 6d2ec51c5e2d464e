"""Moving one statement above another, for fixes that reorder two calls on a model.

Whether the move is safe is decided on the file's syntax tree (`ast`) as it is when the fix is
applied, and refused (None) whenever it could change more than the order of the two calls.
The move itself is made with LibCST, which keeps every comment, blank line and the formatting
of both statements: a statement's own comment lines above it travel with it."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

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
    return _moved_with_libcst(edit.path, "".join(lines), body[target].lineno, body[moved].lineno)


def _moved_with_libcst(path: str, text: str, target_line: int, moved_line: int) -> Edit | None:
    """The edit that puts the statement on moved_line (with the comment and blank lines LibCST
    attaches above it) before the one on target_line, in their block, everything else as
    written: the module is reordered with LibCST and the edit is the span that changed."""
    import libcst
    from libcst.metadata import MetadataWrapper, PositionProvider

    try:
        wrapper = MetadataWrapper(libcst.parse_module(text))
    except libcst.ParserSyntaxError:
        return None
    starts = wrapper.resolve(PositionProvider)

    def reordered(body: Sequence[libcst.BaseStatement]) -> list[libcst.BaseStatement] | None:
        at = {starts[statement].start.line: index for index, statement in enumerate(body)}
        if target_line not in at or moved_line not in at or at[moved_line] <= at[target_line]:
            return None
        target, moved = at[target_line], at[moved_line]
        return [*body[:target], body[moved], *body[target:moved], *body[moved + 1:]]

    class Reorder(libcst.CSTTransformer):
        def leave_Module(self, original: libcst.Module, updated: libcst.Module) -> libcst.Module:
            body = reordered(original.body)
            return updated if body is None else updated.with_changes(body=body)

        def leave_IndentedBlock(self, original: libcst.IndentedBlock,
                                updated: libcst.IndentedBlock) -> libcst.IndentedBlock:
            body = reordered(original.body)
            return updated if body is None else updated.with_changes(body=body)

    new = wrapper.module.visit(Reorder()).code
    if new == text:
        return None
    if not new.endswith("\n") and new.rsplit("\n", 1)[-1] != text.rsplit("\n", 1)[-1]:
        new += "\n"  # the moved call ended the file: the line now last ends as every line does
    return _changed_span(path, text, new)


def _changed_span(path: str, old: str, new: str) -> Edit:
    """The one edit that turns old into new: the text between their common prefix and suffix."""
    prefix = 0
    while prefix < min(len(old), len(new)) and old[prefix] == new[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(old), len(new)) - prefix and old[-1 - suffix] == new[-1 - suffix]:
        suffix += 1
    start_line, start_column = _position(old, prefix)
    end_line, end_column = _position(old, len(old) - suffix)
    return Edit(path, start_line, start_column, end_line, end_column, new[prefix:len(new) - suffix])


def _position(text: str, offset: int) -> tuple[int, int]:
    """(line, column), both from 1, of an offset into text."""
    before = text[:offset]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _owns_its_lines(body: list[ast.stmt], index: int, lines: list[str]) -> bool:
    """No other statement, and no compound-statement header, shares the statement's lines."""
    statement = body[index]
    end = statement.end_lineno or statement.lineno
    if lines[statement.lineno - 1][:statement.col_offset].strip():
        return False
    if index > 0 and (body[index - 1].end_lineno or 0) >= statement.lineno:
        return False
    return not (index + 1 < len(body) and body[index + 1].lineno <= end)
