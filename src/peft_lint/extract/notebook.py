"""Notebook front-end: the Python, shell and files a Jupyter notebook's code cells make.

IPython runs a code cell as Python after rewriting its escapes: a line `!cmd` (or
`%pip ...`, `%sh`, automagic `pip install ...`) runs in a shell, `%magic` lines call a
magic, `obj?` asks for help, and a first line `%%name` hands the whole cell to a cell magic.
Of the cell magics, `%%capture`, `%%time`, `%%timeit`, `%%prun` run their body as Python;
`%%bash`, `%%sh`, `%%script bash` run it in a shell; `%%writefile NAME` writes it to a
file (notebooks often write `train.py` and then `!accelerate launch train.py`); the others
(`%%html`, `%%javascript`, ...) are not Python at all.

Every output text keeps the notebook's line numbering: line N of the script, of the shell
text and of each written file is line N of the cells joined in order (lines that belong to
another part are blank). A location found in any of them maps back to its cell the same
way, and the code frame shows the cell's own line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PYTHON_BODY_MAGICS = frozenset({"capture", "time", "timeit", "prun", "debug", "memit", "mprun"})
SHELL_MAGICS = frozenset({"bash", "sh", "system"})
WRITE_MAGICS = frozenset({"writefile", "file"})
SHELL_INTERPRETERS = re.compile(r"^(?:\S*/)?(?:ba|z|da)?sh$")
# IPython's automagics for package managers: `pip install x` in a cell runs %pip
AUTOMAGIC = re.compile(r"^(?:pip|pip3|conda|mamba|uv)\s+(?:install|uninstall)\b")
# `files = !ls`, `out = %sx cmd`
ASSIGNED_ESCAPE = re.compile(r"^(\s*[A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*\s*=)\s*[!%]")
HELP = re.compile(r"^\s*(?:\?{1,2}\s*\S.*|[\w.\[\]()'\"]+\s*\?{1,2})\s*$")
# The value an assigned escape stands for: a call of a name no script defines, which the
# Python front-end reads as a value known only at run time.
SHELL_RESULT = "__ipython_shell_result__()"


@dataclass
class WrittenFile:
    """A `%%writefile NAME` cell: the file it writes, line-aligned with the notebook."""

    name: str
    text: str
    cell: int
    append: bool = False


@dataclass
class NotebookParts:
    script: str  # the Python the code cells run
    display: str  # the cells' own lines, for code frames
    origins: list[tuple[int, int]]  # (cell, line in cell) of every line
    shell: str  # `!` lines, `%pip` lines and shell cells, at their lines
    written: list[WrittenFile] = field(default_factory=list)

    @property
    def has_shell(self) -> bool:
        return bool(self.shell.strip())


class NotebookError(ValueError):
    pass


def split_notebook(document: object) -> NotebookParts:
    """The parts of a notebook's JSON document (already decoded)."""
    cells = document.get("cells") if isinstance(document, dict) else None
    if not isinstance(cells, list):
        raise NotebookError("invalid notebook: no `cells` list")
    builder = _Builder()
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        raw = cell.get("source", "")
        text = "".join(part for part in raw if isinstance(part, str)) if isinstance(raw, list) else str(raw)
        builder.add_cell(number, text.splitlines() or [""])
    return builder.parts()


class _Builder:
    def __init__(self) -> None:
        self.script: list[str] = []
        self.display: list[str] = []
        self.shell: list[str] = []
        self.origins: list[tuple[int, int]] = []
        self.written: list[tuple[WrittenFile, int, list[str]]] = []  # file, first line, lines

    def add_cell(self, number: int, lines: list[str]) -> None:
        # IPython first drops leading empty lines and the first line's indentation (from every
        # line that has it), then looks for a cell magic on the first line
        blank = next((index for index, line in enumerate(lines) if line.strip()), len(lines))
        for index in range(blank):
            self._line(number, index + 1, lines[index], "", "")
        if blank == len(lines):
            return
        lines, start = _dedented(lines[blank:]), blank + 1
        first = lines[0]
        if first.startswith("%%"):
            name, _, arguments = first[2:].partition(" ")
            name, arguments = name.strip(), arguments.strip()
            if name in PYTHON_BODY_MAGICS:
                self._line(number, start, lines[0], "", "")
                self._python(number, lines[1:], start=start + 1)
            elif name in SHELL_MAGICS or (name == "script" and SHELL_INTERPRETERS.match(arguments)):
                self._line(number, start, lines[0], "", "")
                for index, line in enumerate(lines[1:], start=start + 1):
                    self._line(number, index, line, "", line)
            elif name in WRITE_MAGICS and arguments:
                self._write(number, lines, arguments.split(), start)
            else:  # %%html, %%javascript, %%markdown, ...: not Python
                for index, line in enumerate(lines, start=start):
                    self._line(number, index, line, "", "")
            return
        self._python(number, lines, start=start)

    def _line(self, cell: int, index: int, display: str, script: str, shell: str) -> None:
        self.origins.append((cell, index))
        self.display.append(display)
        self.script.append(script)
        self.shell.append(shell)

    def _python(self, cell: int, lines: list[str], start: int) -> None:
        continuing = False  # the line before ended a shell escape with `\`
        in_string: str | None = None  # the quotes of a triple-quoted string left open
        for index, line in enumerate(lines, start=start):
            if continuing:
                continuing = line.rstrip().endswith("\\")
                self._line(cell, index, line, "", line)
                continue
            if in_string is None:
                escape = _escape(line)
                if escape is not None:
                    script, shell = escape
                    continuing = line.rstrip().endswith("\\")
                    self._line(cell, index, line, script, shell)
                    continue
            in_string = _open_triple_quote(line, in_string)
            self._line(cell, index, line, line, "")

    def _write(self, cell: int, lines: list[str], arguments: list[str], start: int) -> None:
        append = any(argument in ("-a", "--append") for argument in arguments)
        names = [argument for argument in arguments if not argument.startswith("-")]
        first = len(self.origins) + 2  # the line after the magic
        for index, line in enumerate(lines, start=start):
            self._line(cell, index, line, "", "")
        name = names[-1].strip("'\"") if names else ""
        if name:
            self.written.append((WrittenFile(name, "", cell, append), first, lines[1:]))

    def parts(self) -> NotebookParts:
        total = len(self.origins)
        written: list[WrittenFile] = []
        for file, first, lines in self.written:
            aligned = [""] * total
            aligned[first - 1:first - 1 + len(lines)] = lines
            file.text = "\n".join(aligned) + "\n"
            written.append(file)
        return NotebookParts("\n".join(self.script) + "\n", "\n".join(self.display) + "\n",
                             self.origins, "\n".join(self.shell) + "\n", written)


def _escape(line: str) -> tuple[str, str] | None:
    """(the Python a shell escape or magic line stands for, its shell command) or None for a
    line of Python."""
    stripped = line.strip()
    indent = line[: len(line) - len(line.lstrip())]
    if not stripped or stripped.startswith("#"):
        return None
    assigned = ASSIGNED_ESCAPE.match(line)
    if assigned:
        command = line[assigned.end() - 1:].strip()
        shell = command[1:] if command.startswith("!") else ""
        return f"{assigned.group(1)} {SHELL_RESULT}", shell.lstrip("!")
    if stripped.startswith("!"):
        return indent + "pass", stripped.lstrip("!")
    if stripped.startswith("%"):
        magic = stripped.lstrip("%")
        name, _, rest = magic.partition(" ")
        if name in PYTHON_BODY_MAGICS and rest.strip():  # `%time trainer.train()` runs the Python
            return indent + _without_options(rest), ""
        # %pip / %conda install like their shell commands; %sx / %system are shell escapes
        shell = magic if name in ("pip", "pip3", "conda", "mamba", "uv") else \
            magic.split(" ", 1)[1] if name in ("sx", "system", "sh") and " " in magic else ""
        return indent + "pass", shell
    if AUTOMAGIC.match(stripped):
        return indent + "pass", stripped
    if HELP.match(line) and not stripped.startswith(("'", '"')):
        return indent + "pass", ""
    return None


def _dedented(lines: list[str]) -> list[str]:
    indent = lines[0][: len(lines[0]) - len(lines[0].lstrip())]
    if not indent:
        return lines
    return [line[len(indent):] if line.startswith(indent) else line for line in lines]


# options of %time / %timeit / %prun that take a value (`%timeit -n 1 -r 1 f()`)
VALUE_OPTIONS = frozenset({"-n", "-r", "-p", "-l", "-s", "-T", "-D"})


def _without_options(statement: str) -> str:
    """`-n1 -r 1 f()` -> `f()`: a timing magic's options before its statement."""
    words = statement.strip().split()
    while len(words) > 1 and words[0].startswith("-"):
        option = words.pop(0)
        if option in VALUE_OPTIONS and len(words) > 1:
            words.pop(0)
    return " ".join(words)


def _open_triple_quote(line: str, open_quote: str | None) -> str | None:
    """Which triple quote is open after this line (a rough count: enough to not read a
    docstring's `!` or `%` lines as escapes)."""
    position = 0
    while True:
        if open_quote is not None:
            end = line.find(open_quote, position)
            if end < 0:
                return open_quote
            position, open_quote = end + 3, None
            continue
        starts = [(line.find(quote, position), quote) for quote in ('"""', "'''")]
        starts = [(index, quote) for index, quote in starts if index >= 0]
        hash_at = line.find("#", position)
        if not starts:
            return None
        index, quote = min(starts)
        if 0 <= hash_at < index:
            return None
        position, open_quote = index + 3, quote
