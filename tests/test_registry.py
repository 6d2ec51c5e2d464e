"""Invariants of the rule pack: names, codes, folders and docs agree."""

from __future__ import annotations

import re

import pytest

from peft_lint.engine.diagnostic import Severity
from peft_lint.engine.registry import all_rules, find_rule, rules_folder
from peft_lint.engine.rule import REQUIRED_SECTIONS, Rule

RULES = all_rules()


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_metadata(rule: type[Rule]) -> None:
    assert re.fullmatch(r"PFT[1-9]\d{2}", rule.code)
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name)
    folder = f"{rule.code.lower()}_{rule.name.replace('-', '_')}"
    assert (rules_folder() / folder / "rule.py").is_file(), f"folder must be {folder}"
    expected_class = "".join(part.capitalize() for part in rule.name.split("-"))
    assert rule.__name__ == expected_class
    assert isinstance(rule.severity, Severity)
    assert rule.summary and not rule.summary.endswith(".")


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_docs_have_every_section(rule: type[Rule]) -> None:
    sections = rule.sections()
    for section in REQUIRED_SECTIONS:
        assert sections.get(section), f"{rule.code} docs lack '## {section}'"
    assert "http" in sections["References"] or "`" in sections["References"]


def test_codes_and_names_are_unique() -> None:
    assert len({rule.code for rule in RULES}) == len(RULES)
    assert len({rule.name for rule in RULES}) == len(RULES)


def test_find_rule_by_code_or_name() -> None:
    assert find_rule("pft101") is find_rule("adalora-reentrant-gc-ddp")
    assert find_rule("no-such-rule") is None


def test_the_founding_rules_ship() -> None:
    names = {rule.name for rule in RULES}
    assert {
        "adalora-reentrant-gc-ddp", "reentrant-gc-ddp-find-unused", "reentrant-gc-frozen-inputs",
        "adalora-missing-update-and-allocate", "adalora-update-after-zero-grad",
        "adalora-invalid-schedule", "prepare-kbit-after-get-peft-model",
        "prepare-kbit-on-unquantized-model",
    } <= names


@pytest.mark.parametrize("rule", [rule for rule in RULES if rule.severity is Severity.ERROR],
                         ids=lambda rule: rule.code)
def test_error_rules_are_reproduced_or_exempt(rule: type[Rule]) -> None:
    folder = rules_folder() / f"{rule.code.lower()}_{rule.name.replace('-', '_')}"
    if rule.reproduction_exempt:
        assert not rule.reproduction
        assert "http" in rule.sections()["References"] or rule.code.startswith("PFT9"), \
            "an exempt rule must cite the upstream code that decides the behaviour"
        return
    assert rule.reproduction == f"tests/repro/test_repro.py::test_rule_reproduction[{rule.code}]"
    assert (folder / "repro.toml").is_file(), "the reproduction runs live in the rule's repro.toml"
    assert rule.claims, "a reproduced rule states what a real run shows (claims)"
    for claim in rule.claims:
        assert claim.effect in ("error", "adapter-untrained", "no-rank-allocation", "empty-adapter",
                                "orig-mod-keys", "head-untrained", "new-rows-untrained")
        assert claim.text or claim.effect != "error"
