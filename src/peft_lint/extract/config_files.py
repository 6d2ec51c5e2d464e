"""YAML and JSON files as value trees that keep the line and column of every key."""

from __future__ import annotations

import bisect
import json
import re
from json.decoder import scanstring  # type: ignore[attr-defined]
from typing import Any

from peft_lint.facts.model import Span
from peft_lint.facts.values import Const, DictValue, ListValue, Unknown, Value


class ConfigParseError(Exception):
    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


def parse_yaml(path: str, text: str) -> Value:
    """The first YAML document of text; raises ConfigParseError."""
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        column = mark.column + 1 if mark else 1
        problem = error.problem or str(error)
        raise ConfigParseError(f"invalid YAML: {problem}", line, column) from None
    except yaml.YAMLError as error:
        raise ConfigParseError(f"invalid YAML: {error}", 1, 1) from None
    finally:
        loader.dispose()
    if node is None:
        return DictValue(Span(path, 1, 1), {})
    return _YamlConverter(path, loader).convert(node)


class _YamlConverter:
    """Node tree to values; shared nodes (anchors) convert once, so alias bombs stay small."""

    def __init__(self, path: str, loader: Any) -> None:
        self.path = path
        self.loader = loader
        self.memo: dict[int, Value] = {}

    def span(self, start: Any, end: Any) -> Span:
        return Span(self.path, start.line + 1, start.column + 1, end.line + 1, end.column + 1)

    def convert(self, node: Any, key_node: Any = None) -> Value:
        import yaml

        if id(node) in self.memo and key_node is None:
            return self.memo[id(node)]
        start = key_node.start_mark if key_node is not None else node.start_mark
        span = self.span(start, node.end_mark)
        value: Value
        if isinstance(node, yaml.ScalarNode):
            try:
                raw = self.loader.construct_object(node, deep=True)
            except (yaml.YAMLError, ValueError, TypeError, OverflowError) as error:
                return Unknown(span, f"YAML value not understood: {error}")
            value = Const(span, raw)
        elif isinstance(node, yaml.SequenceNode):
            value = ListValue(span, [self.convert(item) for item in node.value])
        elif isinstance(node, yaml.MappingNode):
            value = self.mapping(node, span)
        else:  # pragma: no cover - PyYAML has no other node kinds
            value = Unknown(span, "unsupported YAML node")
        if key_node is None:
            self.memo[id(node)] = value
        return value

    def mapping(self, node: Any, span: Span) -> DictValue:
        import yaml

        result = DictValue(span, {})
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                result.complete = False
                continue
            key = str(key_node.value)
            if key == "<<" and key_node.tag == "tag:yaml.org,2002:merge":
                self.merge(result, value_node)
                continue
            result.entries[key] = self.convert(value_node, key_node)
            result.key_spans[key] = self.span(key_node.start_mark, key_node.end_mark)
        return result

    def merge(self, result: DictValue, value_node: Any) -> None:
        import yaml

        sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
        for source in sources:
            merged = self.convert(source)
            if isinstance(merged, DictValue):
                for key, entry in merged.entries.items():
                    result.entries.setdefault(key, entry)
            else:
                result.complete = False


_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?")
_WHITESPACE = re.compile(r"[ \t\n\r]*")


def parse_json(path: str, text: str) -> Value:
    """A JSON document; raises ConfigParseError with the decoder's position."""
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        raise ConfigParseError(f"invalid JSON: {error.msg}", error.lineno, error.colno) from None
    except RecursionError:
        raise ConfigParseError("invalid JSON: nested too deeply to read", 1, 1) from None
    except ValueError as error:  # e.g. an integer past Python's 4300-digit conversion limit
        raise ConfigParseError(f"JSON that Python cannot load: {error}", 1, 1) from None
    try:
        return _JsonReader(path, text).document()
    except (RecursionError, ValueError):
        raise ConfigParseError("JSON nested too deeply or too large to read", 1, 1) from None


class _JsonReader:
    """Recursive descent over already-validated JSON, recording spans."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.text = text
        self.line_starts = [0] + [match.end() for match in re.finditer("\n", text)]

    def position(self, index: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.line_starts, index) - 1
        return line + 1, index - self.line_starts[line] + 1

    def span(self, start: int, end: int) -> Span:
        line, column = self.position(start)
        end_line, end_column = self.position(end)
        return Span(self.path, line, column, end_line, end_column)

    def skip(self, index: int) -> int:
        match = _WHITESPACE.match(self.text, index)
        return match.end() if match else index

    def document(self) -> Value:
        start = self.skip(1 if self.text.startswith("\ufeff") else 0)
        value, _ = self.value(start)
        return value

    def value(self, index: int, key_start: int | None = None) -> tuple[Value, int]:
        char = self.text[index]
        begin = key_start if key_start is not None else index
        if char == "{":
            return self.object(index, begin)
        if char == "[":
            return self.array(index, begin)
        if char == '"':
            string, end = scanstring(self.text, index + 1)
            return Const(self.span(begin, end), string), end
        for literal, raw in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(literal, index):
                end = index + len(literal)
                return Const(self.span(begin, end), raw), end
        match = _NUMBER.match(self.text, index)
        assert match is not None
        number: float | int = float(match.group()) if match.group(1) or match.group(2) \
            else int(match.group())
        return Const(self.span(begin, match.end()), number), match.end()

    def object(self, index: int, begin: int) -> tuple[Value, int]:
        result = DictValue(None, {})
        index = self.skip(index + 1)
        while self.text[index] != "}":
            key_start = index
            key, index = scanstring(self.text, index + 1)
            result.key_spans[key] = self.span(key_start, index)
            index = self.skip(self.skip(index) + 1)  # the colon
            result.entries[key], index = self.value(index, key_start)
            index = self.skip(index)
            if self.text[index] == ",":
                index = self.skip(index + 1)
        result.span = self.span(begin, index + 1)
        return result, index + 1

    def array(self, index: int, begin: int) -> tuple[Value, int]:
        items: list[Value] = []
        index = self.skip(index + 1)
        while self.text[index] != "]":
            item, index = self.value(index)
            items.append(item)
            index = self.skip(index)
            if self.text[index] == ",":
                index = self.skip(index + 1)
        return ListValue(self.span(begin, index + 1), items), index + 1
