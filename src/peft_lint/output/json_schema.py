"""The pydantic model of the JSON document `--output-format json` writes (`json_format.py`).

Rendering builds plain dicts (fast, no pydantic at run time); this model is the contract they
follow: `schemas/output.schema.json` is generated from it (`python scripts/gen_schemas.py`), and
the tests validate real output against that file. Add fields, never rename.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_ID = "https://github.com/peft-lint/peft-lint/blob/main/schemas/output.schema.json"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Edit(Strict):
    """Replace the text from (line, column) to (end_line, end_column) with `replacement`."""

    path: str
    line: int = Field(ge=1)
    column: int = Field(ge=1)
    end_line: int = Field(ge=1)
    end_column: int = Field(ge=1)
    replacement: str


class Fix(Strict):
    safe: bool = Field(description="safe fixes are applied by --fix; the others need --unsafe-fixes")
    title: str
    edits: list[Edit]


class Related(Strict):
    """Another location behind the finding (the launcher line, the YAML key, ...)."""

    path: str
    line: int = Field(ge=1)
    column: int = Field(ge=1)
    message: str


class Finding(Strict):
    code: str = Field(pattern=r"^PFT\d{3}$", description="the rule's code")
    name: str = Field(description="the rule's name")
    severity: Literal["error", "warning", "info"]
    message: str = Field(description="what will happen, why, and for which versions")
    path: str
    line: int = Field(ge=1)
    column: int = Field(ge=1)
    end_line: int = Field(ge=1)
    end_column: int = Field(ge=1)
    related: list[Related]
    help: str | None = Field(description="the fix that works")
    fix: Fix | None = Field(description="edits that apply the fix, where peft-lint can make them")
    url: str = Field(description="the rule's documentation")
    cell: int | None = Field(default=None, description="a notebook's cell (from 1), for a notebook")
    cell_line: int | None = Field(default=None, description="the line inside that cell")
    versions: dict[str, ResolvedVersion] = Field(
        default_factory=dict,
        description="the versions of the libraries its run uses: what it was computed for")


class ResolvedVersion(Strict):
    version: str
    source: str = Field(description="where it comes from: cli, settings, pin:<file>, range:..., "
                                    "installed, newest-known, git:..., image:...")


class Summary(Strict):
    files: int = Field(ge=0)
    units: int = Field(ge=0, description="run units: a script with its configs and launcher")
    errors: int = Field(ge=0)
    warnings: int = Field(ge=0)
    infos: int = Field(ge=0)


class Run(Strict):
    files: list[str] = Field(description="the files the run is made of (script, configs, launcher)")
    versions: dict[str, ResolvedVersion] = Field(description="the versions of the libraries it uses")


class Report(Strict):
    """peft-lint's JSON report (`peft-lint check --output-format json`)."""

    model_config = ConfigDict(extra="forbid", title="peft-lint report (--output-format json)")

    peft_lint_version: str
    environment: dict[str, ResolvedVersion] = Field(
        description="the library versions every run shares, and why (a run's others are in `runs`)")
    runs: list[Run] = Field(default_factory=list, description="each run and its library versions")
    diagnostics: list[Finding]
    notes: list[str] = Field(description="what peft-lint could not determine, and other remarks")
    summary: Summary


def output_schema() -> dict[str, object]:
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            **Report.model_json_schema()}
