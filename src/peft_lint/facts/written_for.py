"""What library versions an unpinned script appears to be written for.

A 2023 script run on today's libraries fails on every removed key and keyword, each a real
crash for whoever installs today; but the cause is one: nothing pins the versions. When
nothing pins a library, the APIs the script uses that the library has since removed say which
releases it was written for, so the user can pin instead of rewriting.
"""

from __future__ import annotations

from peft_lint.facts.model import TrainingSetup
from peft_lint.knowledge.versions import sort_key

# from_pretrained keywords transformers 5.0 removed (the last 4.x release still takes them)
REMOVED_LOAD_KWARGS = ("load_in_8bit", "load_in_4bit")
# Functions a library removed, and its last release that has them: peft 0.10.0 removed
# prepare_model_for_int8_training (huggingface/peft#1358).
REMOVED_FUNCTIONS = {"prepare_model_for_int8_training": ("peft", "0.9.0")}


def written_for_note(setup: TrainingSetup, script_texts: list[str]) -> str | None:
    """One note per run: the unpinned libraries, and the newest release of each that still has
    every removed API the script uses; None when nothing says."""
    evidence: dict[str, list[tuple[str, str]]] = {}  # package -> [(what, last version with it)]
    for check in setup.key_checks:
        for key, _span in check.unknown:
            last = _last_with_key(check.classes, check.package, key, setup)
            if last:
                evidence.setdefault(check.package, []).append((f"`{key}` ({_short(check.classes)})", last))
    for api in setup.removed_apis:
        for removed in api.names:
            if removed.last_release and _unpinned(setup, api.package):
                what = f"`{removed.name}=` on {api.target}" if api.kind == "keyword" else \
                    f"`from {api.package} import {removed.name}`"
                evidence.setdefault(api.package, []).append((what, removed.last_release))
    for call in setup.load_calls:
        for key in REMOVED_LOAD_KWARGS:
            if key in call.kwargs and _unpinned(setup, "transformers"):
                evidence.setdefault("transformers", []).append(
                    (f"`{key}=` on from_pretrained", _last_major(setup, "transformers", 4)))
    imported = {removed.name for api in setup.removed_apis if api.kind == "import" for removed in api.names}
    for name, (package, last) in REMOVED_FUNCTIONS.items():
        if name not in imported and any(name in text for text in script_texts) and _unpinned(setup, package):
            evidence.setdefault(package, []).append((f"`{name}`", last))
    parts: list[str] = []
    pins: list[str] = []
    for package, found in evidence.items():
        if not _unpinned(setup, package) or not found:
            continue
        found = list(dict.fromkeys(found))
        bound = min((last for _, last in found), key=sort_key)
        uses = ", ".join(f"{what} until {last}" for what, last in found[:4])
        more = f" and {len(found) - 4} more" if len(found) > 4 else ""
        parts.append(f"{package} {bound} or older (it uses {uses}{more})")
        pins.append(f"{package}<={bound}")
    if not parts:
        return None
    judged = ", ".join(f"{package} {setup.version(package)}" for package in evidence
                       if _unpinned(setup, package))
    return (f"nothing pins the library versions of this run, so it was judged on the newest peft-lint "
            f"knows ({judged}); it appears written for {'; '.join(parts)}. To run it as written, pin "
            f"{', '.join(pins)} (requirements.txt); to run it on today's releases, fix each finding.")


def _unpinned(setup: TrainingSetup, package: str) -> bool:
    resolved = setup.versions.get(package)
    return (resolved is not None and resolved.source in ("newest-known",)) or \
        (resolved is not None and resolved.source.startswith("newest:"))


def _short(classes: tuple[str, ...]) -> str:
    return ", ".join(name.rsplit(".", 1)[-1] for name in classes) or "config"


def _last_with_key(classes: tuple[str, ...], package: str, key: str, setup: TrainingSetup) -> str | None:
    """The newest release before the resolved one whose field table has the key."""
    from peft_lint.knowledge import fields

    if not classes or not _unpinned(setup, package):
        return None
    current = sort_key(setup.version(package))
    versions = {name: resolved.version for name, resolved in setup.versions.items()}
    for version in sorted(fields.covered_versions(package), key=sort_key, reverse=True):
        if sort_key(version) >= current:
            continue
        older = {**versions, package: version}
        if any(key in (fields.fields(canonical, older) or ()) for canonical in classes):
            return version
    return None


def _last_major(setup: TrainingSetup, package: str, major: int) -> str:
    from peft_lint.inputs.versions import known_versions

    return max((v for v in known_versions(package) if v.startswith(f"{major}.")), key=sort_key)
