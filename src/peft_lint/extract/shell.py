"""Shell launchers read the way bash runs them, on tree-sitter-bash's syntax tree.

Variables and their expansion (`X=...; $X`, `${X:-default}`, `${1:-config.yaml}`, which takes
its default since a launcher is assumed run without arguments), quoting and word splitting
(an unquoted `$DISTRIBUTED_ARGS` is several words), arrays (`"${ARGS[@]}"`), `export`,
`source` of an env file, `if` / `case` on known values (one side) or unknown ones (each side a
possible run), `for` over listed words, shell functions, `#SBATCH` headers. Nothing is run:
`$(...)` and unknown variables are unresolved words.

tree-sitter-bash was chosen over bashlex (docs/launchers.md): it reads arrays, `case`, heredocs
and broken scripts (error-tolerant), imports in about a millisecond and parses a launcher in
a fraction of one; bashlex refuses arrays and imports in ~70 ms.
"""

from __future__ import annotations

import fnmatch
import os.path
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from peft_lint.facts.model import Span

UNRESOLVED = "\x00unresolved\x00"
MAX_SOURCE_DEPTH = 4
MAX_COMMANDS = 2000  # a generated script: enough for every real launcher


@dataclass
class ShellCommand:
    """One simple command as bash would run it: its words after expansion."""

    words: list[str]
    span: Span
    environment: dict[str, str] = field(default_factory=dict)  # exported and prefix variables
    # the script's variables the command's words expand: name -> (value, where it was set)
    variables: dict[str, tuple[str, Span | None]] = field(default_factory=dict)
    # where each word is written (a word that expands to several: each has the word's span)
    word_spans: list[Span] = field(default_factory=list)


@dataclass
class _State:
    variables: dict[str, str | list[str]] = field(default_factory=dict)
    exported: set[str] = field(default_factory=set)
    functions: dict[str, Any] = field(default_factory=dict)
    positional: list[str] = field(default_factory=list)
    assigned_at: dict[str, Span] = field(default_factory=dict)
    # the variables each variable's value expanded (DISTRIBUTED_ARGS <- GPUS_PER_NODE)
    made_from: dict[str, dict[str, tuple[str, Span | None]]] = field(default_factory=dict)


@lru_cache(maxsize=1)
def _parser() -> Any:
    import tree_sitter
    import tree_sitter_bash

    return tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))


# `# a note` inside a long command line: bash runs a substitution that is all comment and
# expands it to nothing; tree-sitter-bash lets the comment swallow the closing backtick and the
# rest of the command. Blanked (same length, so every position stays) before parsing.
BACKTICK_COMMENT = re.compile(rb"`[ \t]*#[^`\n]*`")


def _without_backtick_comments(data: bytes) -> bytes:
    return BACKTICK_COMMENT.sub(lambda match: b" " * len(match.group(0)), data)


def shell_commands(path: str, text: str, read: Callable[[str], str | None] | None = None,
                   sbatch: dict[str, str] | None = None) -> list[ShellCommand]:
    """The commands a shell text runs, in order, each side of an undecided branch included.
    `read(name)` gives the text of a file the script sources (None: not found); `sbatch`
    collects `#SBATCH --key=value` headers."""
    data = _without_backtick_comments(text.encode("utf-8", errors="replace"))
    tree = _parser().parse(data)
    runner = _Runner(path, data, read, sbatch if sbatch is not None else {})
    runner.block(tree.root_node.children, _State())
    return runner.commands


class _Runner:
    def __init__(self, path: str, data: bytes, read: Callable[[str], str | None] | None,
                 sbatch: dict[str, str]) -> None:
        self.path, self.data, self.read, self.sbatch = path, data, read, sbatch
        self.commands: list[ShellCommand] = []
        self.depth = 0
        self.used: dict[str, tuple[str, Span | None]] = {}  # by the command being read

    # -- text and locations ------------------------------------------------------------
    def text(self, node: Any) -> str:
        return self.data[node.start_byte:node.end_byte].decode("utf-8", errors="replace")

    def span(self, node: Any) -> Span:
        (line, column), (end_line, end_column) = node.start_point, node.end_point
        return Span(self.path, line + 1, column + 1, end_line + 1, end_column + 1)

    # -- statements ----------------------------------------------------------------------
    def block(self, nodes: list[Any], state: _State) -> None:
        for node in nodes:
            if len(self.commands) >= MAX_COMMANDS:
                return
            self.statement(node, state)

    def statement(self, node: Any, state: _State) -> None:
        kind = node.type
        if kind == "comment":
            self.comment(node)
        elif kind == "variable_assignment":
            self.assign(node, state)
        elif kind == "variable_assignments":
            for child in node.named_children:
                self.assign(child, state)
        elif kind == "declaration_command":
            self.declare(node, state)
        elif kind == "unset_command":
            for child in node.named_children[1:] if node.named_children else []:
                state.variables.pop(self.text(child), None)
        elif kind == "command":
            self.command(node, state)
        elif kind == "function_definition":
            name = node.child_by_field_name("name")
            body = node.child_by_field_name("body")
            if name is not None and body is not None:
                state.functions[self.text(name)] = body
        elif kind == "if_statement":
            self.if_statement(node, state)
        elif kind == "case_statement":
            self.case_statement(node, state)
        elif kind == "for_statement":
            self.for_statement(node, state)
        elif kind in ("list", "pipeline", "subshell", "compound_statement", "redirected_statement",
                      "negated_command", "program", "do_group", "while_statement", "elif_clause",
                      "else_clause"):
            self.block(node.named_children, state)

    def comment(self, node: Any) -> None:
        text = self.text(node)
        if text.startswith("#SBATCH"):
            for token in text[len("#SBATCH"):].split():
                if token.startswith("--") and "=" in token:
                    key, _, value = token[2:].partition("=")
                    self.sbatch[key] = value

    def assign(self, node: Any, state: _State, export: bool = False) -> None:
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        if name_node is None:
            return
        name = self.text(name_node)
        state.assigned_at[name] = self.span(node)
        outer, self.used = self.used, {}
        if value_node is None:
            state.variables[name] = ""
        elif value_node.type == "array":
            state.variables[name] = [word for child in value_node.named_children
                                     for word in self.words(child, state)]
        else:
            state.variables[name] = self.word(value_node, state)
        state.made_from[name], self.used = self.used, outer
        if export:
            state.exported.add(name)

    def declare(self, node: Any, state: _State) -> None:
        keyword = self.text(node.children[0]) if node.children else ""
        for child in node.named_children:
            if child.type == "variable_assignment":
                self.assign(child, state, export=keyword == "export")
            elif child.type == "variable_name" and keyword == "export":
                state.exported.add(self.text(child))

    # -- branches ----------------------------------------------------------------------
    def if_statement(self, node: Any, state: _State) -> None:
        condition = node.child_by_field_name("condition")
        decided = self.test(condition, state) if condition is not None else None
        body = [child for child in node.named_children
                if child is not condition and child.type not in ("elif_clause", "else_clause")]
        alternatives = [child for child in node.named_children
                        if child.type in ("elif_clause", "else_clause")]
        if decided is True:
            self.block(body, state)
        elif decided is False:
            if alternatives:
                first = alternatives[0]
                if first.type == "else_clause":
                    self.block(first.named_children, state)
                else:  # an elif: read as an if of its own
                    self.branches([first.named_children, [a for a in alternatives[1:]]], state)
        else:
            self.branches([body, *[child.named_children for child in alternatives]], state)

    def case_statement(self, node: Any, state: _State) -> None:
        value_node = node.child_by_field_name("value")
        value = self.word(value_node, state) if value_node is not None else UNRESOLVED
        arms = [child for child in node.named_children if child.type == "case_item"]
        if UNRESOLVED not in value:
            for arm in arms:
                patterns = [self.word(child, state) for child in arm.children_by_field_name("value")]
                if any(fnmatch.fnmatchcase(value, pattern) for pattern in patterns):
                    self.block(self.arm_body(arm), state)
                    return
            return
        self.branches([self.arm_body(arm) for arm in arms], state)

    def arm_body(self, arm: Any) -> list[Any]:
        values = {child.id for child in arm.children_by_field_name("value")}
        return [child for child in arm.named_children if child.id not in values]

    def for_statement(self, node: Any, state: _State) -> None:
        variable = node.child_by_field_name("variable")
        body = node.child_by_field_name("body")
        values = [word for child in node.children_by_field_name("value") for word in self.words(child, state)]
        if variable is None or body is None:
            return
        name = self.text(variable)
        if values and len(values) <= 16 and not any(UNRESOLVED in value for value in values):
            for value in values:  # each iteration is a run of its own
                state.variables[name] = value
                self.block(body.named_children, state)
            return
        state.variables[name] = UNRESOLVED
        self.block(body.named_children, state)

    def branches(self, arms: list[list[Any]], state: _State) -> None:
        """Each arm a possible run; a variable the arms leave different is not known after."""
        before = dict(state.variables)
        outcomes = []
        for arm in arms:
            state.variables = dict(before)
            self.block(arm, state)
            outcomes.append(state.variables)
        if len(arms) == 1:  # an `if` without else: the body may not run
            outcomes.append(before)
        merged: dict[str, str | list[str]] = {}
        for name in set().union(*outcomes):
            values = [outcome.get(name) for outcome in outcomes]
            merged[name] = values[0] if all(value == values[0] for value in values) and \
                values[0] is not None else UNRESOLVED
        state.variables = merged

    def test(self, node: Any, state: _State) -> bool | None:
        """`[ "$X" = "1" ]`, `[[ -z $X ]]`, `[ -n "$X" ]` on known values; None otherwise."""
        if node.type in ("test_command", "command") and node.named_children:
            inner = node.named_children[0] if node.type == "test_command" else None
            if inner is not None and inner.type == "binary_expression" and len(inner.named_children) == 2:
                left, right = (self.word(child, state) for child in inner.named_children)
                operator = self.text(inner.child_by_field_name("operator")) \
                    if inner.child_by_field_name("operator") is not None else ""
                if UNRESOLVED in left or UNRESOLVED in right:
                    return None
                if operator in ("=", "=="):
                    return left == right
                if operator == "!=":
                    return left != right
            if inner is not None and inner.type == "unary_expression" and len(inner.named_children) == 1:
                operator = self.text(inner.children[0])
                value = self.word(inner.named_children[0], state)
                if UNRESOLVED in value:
                    return None
                if operator == "-z":
                    return value == ""
                if operator == "-n":
                    return value != ""
        return None

    # -- commands ----------------------------------------------------------------------
    def command(self, node: Any, state: _State) -> None:
        prefix: dict[str, str] = {}
        words: list[str] = []
        spans: list[Span] = []
        self.used = {}
        for child in node.named_children:
            if child.type == "variable_assignment":
                name = child.child_by_field_name("name")
                value = child.child_by_field_name("value")
                if name is not None:
                    prefix[self.text(name)] = self.word(value, state) if value is not None else ""
                continue
            if child.type == "command_name":
                expanded = self.words(child.named_children[0] if child.named_children else child, state)
            elif child.type not in ("file_redirect", "heredoc_redirect", "herestring_redirect"):
                expanded = self.words(child, state)
            else:
                continue
            words += expanded
            spans += [self.span(child)] * len(expanded)
        if not words:
            state.variables.update(prefix)  # `X=1` alone (tree-sitter reads some as commands)
            return
        head = words[0]
        if head in ("source", ".") and len(words) > 1:
            self.source(words[1], state)
            return
        if head in state.functions and self.depth < MAX_SOURCE_DEPTH:
            saved = state.positional
            state.positional = words[1:]
            self.depth += 1
            self.block(state.functions[head].named_children, state)
            self.depth -= 1
            state.positional = saved
            return
        if head == "export":
            for word in words[1:]:
                name, has_value, value = word.partition("=")
                if has_value:
                    state.variables[name] = value
                state.exported.add(name)
            return
        environment = {name: value for name, value in state.variables.items()
                       if name in state.exported and isinstance(value, str)}
        environment.update(prefix)
        self.commands.append(ShellCommand(words, self.span(node), environment, dict(self.used), spans))

    def source(self, name: str, state: _State) -> None:
        if self.read is None or UNRESOLVED in name or self.depth >= MAX_SOURCE_DEPTH:
            return
        text = self.read(name)
        if text is None:
            return
        data = _without_backtick_comments(text.encode("utf-8", errors="replace"))
        saved = self.data, self.path
        self.data = data
        self.path = os.path.normpath(os.path.join(os.path.dirname(self.path), name))  # its locations
        self.depth += 1
        try:
            self.block(_parser().parse(data).root_node.children, state)
        finally:
            self.data, self.path = saved
            self.depth -= 1

    # -- words -------------------------------------------------------------------------
    def words(self, node: Any, state: _State) -> list[str]:
        """The words one argument node makes: an unquoted expansion splits on blanks, an array
        expansion gives its items, anything else is one word."""
        if node.type in ("simple_expansion", "expansion"):
            value = self.expansion(node, state)
            return value if isinstance(value, list) else value.split()
        if node.type == "string" and len(node.named_children) == 1 and \
                node.named_children[0].type == "expansion" and self.array_item(node.named_children[0]):
            value = self.expansion(node.named_children[0], state)  # "${ARGS[@]}": one word an item
            return value if isinstance(value, list) else [value]
        return [self.word(node, state)]

    def array_item(self, node: Any) -> bool:
        return "[@]" in self.text(node) or "[*]" in self.text(node)

    def word(self, node: Any, state: _State) -> str:
        kind = node.type
        if kind in ("word", "number", "test_operator", "regex", "extglob_pattern"):
            return _unescape(self.text(node))
        if kind == "raw_string":
            return self.text(node)[1:-1]
        if kind == "ansi_c_string":
            return self.text(node)[2:-1]
        if kind in ("string", "translated_string"):
            parts: list[str] = []
            for child in node.named_children:
                if child.type == "string_content":
                    parts.append(self.text(child).replace("\\\n", "").replace('\\"', '"'))
                else:
                    value = self.expansion(child, state) if child.type in ("simple_expansion", "expansion") \
                        else self.word(child, state)
                    parts.append(" ".join(value) if isinstance(value, list) else value)
            return "".join(parts)
        if kind in ("simple_expansion", "expansion"):
            value = self.expansion(node, state)
            return " ".join(value) if isinstance(value, list) else value
        if kind == "concatenation":
            return "".join(self.word(child, state) for child in node.children)
        if kind in ("command_substitution", "process_substitution", "arithmetic_expansion"):
            return UNRESOLVED
        return _unescape(self.text(node))

    def expansion(self, node: Any, state: _State) -> str | list[str]:
        text = self.text(node)
        if node.type == "simple_expansion":
            return self.lookup(text[1:], state)
        inner = text[2:-1]  # ${...}
        name_end = 0
        while name_end < len(inner) and (inner[name_end].isalnum() or inner[name_end] == "_"):
            name_end += 1
        name, rest = inner[:name_end], inner[name_end:]
        if not name:
            return UNRESOLVED  # ${#X}, ${!X}, ...
        value = self.lookup(name, state)
        if rest in ("[@]", "[*]"):
            return value
        if rest == "":
            return value
        for operator in (":-", "-", ":=", "="):
            if rest.startswith(operator):
                default_node = next((child for child in node.named_children if child.type not in
                                     ("variable_name", "subscript", "special_variable_name")), None)
                default = self.word(default_node, state) if default_node is not None else rest[len(operator):]
                # not set by the script: the default (a variable from the caller's environment or
                # an argument to the launcher is not assumed)
                assigned = name in state.variables or (name.isdigit() and int(name) <= len(state.positional))
                unset = not assigned or (operator.startswith(":") and value == "")
                if unset:
                    if operator in (":=", "="):
                        state.variables[name] = default
                    return default
                return value
        return UNRESOLVED  # ${X%...}, ${X/a/b}, ...: not followed

    def lookup(self, name: str, state: _State) -> str | list[str]:
        if name.isdigit():  # a positional argument: the launcher is read as run without any
            index = int(name)
            if index == 0:
                return self.path
            return state.positional[index - 1] if index <= len(state.positional) else UNRESOLVED
        if name in ("@", "*"):
            return list(state.positional)
        if name == "#":
            return str(len(state.positional))
        value = state.variables.get(name)
        if value is not None:
            shown = " ".join(value) if isinstance(value, list) else value
            self.used.setdefault(name, (shown, state.assigned_at.get(name)))
            for inner, entry in state.made_from.get(name, {}).items():
                self.used.setdefault(inner, entry)
        return value if value is not None else UNRESOLVED


def _unescape(text: str) -> str:
    return text.replace("\\\n", "").replace("\\ ", " ")


def iter_nodes(node: Any) -> Iterator[Any]:
    yield node
    for child in node.children:
        yield from iter_nodes(child)


def source_reader(folder: Path) -> Callable[[str], str | None]:
    """Reads a file a launcher sources, relative to the launcher's folder (never run)."""
    def read(name: str) -> str | None:
        path = folder / name
        try:
            if path.is_file() and path.stat().st_size < 1_000_000:
                return path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None
        return None
    return read
