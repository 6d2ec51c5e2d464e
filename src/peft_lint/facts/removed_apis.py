"""Trainer keywords and library names the resolved releases do not have (removed or renamed
trainer-level APIs): `Trainer(tokenizer=)` on transformers 5, `SFTTrainer(max_seq_length=)` on
TRL releases that moved it to SFTConfig, `from trl import DataCollatorForCompletionOnlyLM` on
TRL 0.20+. What a release accepts and exports is read from its generated table
(knowledge/fields.py); the replacement is found the same way where the tables can say it (an
old name a release took for a new one, a field of the trainer's config class, a module that
exports a moved class), and from the small advice tables of knowledge/trl.py and peft.py."""

from __future__ import annotations

import difflib

from peft_lint.extract.python_objects import LibraryImport, TrainerObject
from peft_lint.extract.python_script import ScriptFacts
from peft_lint.facts.context import Context
from peft_lint.facts.model import RemovedApi, RemovedName, Span

# the arguments class each library trainer is configured with
CONFIG_OF = {"transformers.Trainer": "transformers.TrainingArguments",
             "transformers.Seq2SeqTrainer": "transformers.Seq2SeqTrainingArguments"}


def removed_apis(context: Context, facts: ScriptFacts) -> list[RemovedApi]:
    versions = {package: resolved.version for package, resolved in context.versions.items()}
    # a name no known release has may come from a newer release than peft-lint knows, unless the
    # run pins the release exactly
    exact = {package for package, resolved in context.versions.items() if resolved.source.startswith("pin:")}
    found: list[RemovedApi] = []
    for trainer in facts.trainers:
        checked = _trainer_keywords(trainer, versions, context.dialects, exact)
        if checked is not None:
            found.append(checked)
    by_statement: dict[tuple[str, Span], list[LibraryImport]] = {}
    for imported in facts.library_imports:
        if not imported.guarded:
            by_statement.setdefault((imported.package, imported.span), []).append(imported)
    for (package, _span), names in by_statement.items():
        checked = _imported_names(package, names, versions, package in exact)
        if checked is not None:
            found.append(checked)
    return found


def _trainer_keywords(trainer: TrainerObject, versions: dict[str, str],
                      dialects: set[str] | frozenset[str], exact: set[str]) -> RemovedApi | None:
    from peft_lint.knowledge import fields

    canonical = trainer.canonical
    if trainer.own_init or trainer.conditional or canonical not in fields.TABLES:
        return None
    package = canonical.split(".")[0]
    if package == "trl" and "unsloth" in dialects:
        return None  # unsloth's wrapper moves old keywords to processing_class and the config
    accepted = fields.accepted_keywords(canonical, versions)
    if accepted is None:
        return None
    config = CONFIG_OF.get(canonical) or f"trl.{canonical.rsplit('.', 1)[-1].removesuffix('Trainer')}Config"
    config_fields = fields.fields(config, versions) or frozenset()
    found = (_keyword(canonical, key, where, versions, accepted, config, config_fields)
             for key, where in trainer.keywords if key not in accepted)
    names = tuple(removed for removed in found if _known_elsewhere(removed) or package in exact)
    if not names:
        return None
    return RemovedApi("keyword", canonical.rsplit(".", 1)[-1], package, names, config.rsplit(".", 1)[-1],
                      trainer.local_class or "")


def _keyword(canonical: str, key: str, where: Span, versions: dict[str, str], accepted: frozenset[str],
             config: str, config_fields: frozenset[str]) -> RemovedName:
    from peft_lint.knowledge import fields
    from peft_lint.knowledge import trl as trl_knowledge

    last = fields.last_release_accepting(canonical, versions, key)
    first = None if last else fields.first_release_accepting(canonical, versions, key)
    renamed = fields.renamed_keyword(canonical, key)
    if renamed and renamed in accepted:
        return RemovedName(key, where, last, renamed, "renamed")
    config_name = config.rsplit(".", 1)[-1]
    if key in config_fields:
        return RemovedName(key, where, last, f"{config_name}({key}=...)", "config")
    new = trl_knowledge.CONFIG_FIELD_RENAMES.get(key)
    if new and new in config_fields:
        return RemovedName(key, where, last, f"{config_name}({new}=...)", "config")
    close = [] if first else difflib.get_close_matches(key, sorted(accepted), n=1, cutoff=0.75)
    return RemovedName(key, where, last, close[0] if close else "", "close" if close else "", first)


def _known_elsewhere(removed: RemovedName) -> bool:
    """Whether another known release has the name (removed from, or added after, the resolved one)."""
    return bool(removed.last_release or removed.first_release)


def _imported_names(package: str, names: list[LibraryImport], versions: dict[str, str],
                    exact: bool) -> RemovedApi | None:
    from peft_lint.knowledge import fields

    version = versions.get(package)
    exported = fields.exports(package, version) if version else None
    if version is None or exported is None:
        return None
    found = (_import(package, version, imported, exported) for imported in names
             if imported.name not in exported)
    missing = tuple(removed for removed in found if _known_elsewhere(removed) or exact)
    return RemovedApi("import", package, package, missing) if missing else None


def _import(package: str, version: str, imported: LibraryImport, exported: frozenset[str]) -> RemovedName:
    from peft_lint.knowledge import fields
    from peft_lint.knowledge import peft as peft_knowledge
    from peft_lint.knowledge import trl as trl_knowledge

    name = imported.name
    last = fields.last_release_exporting(package, version, name)
    first = None if last else fields.first_release_exporting(package, version, name)
    module = fields.exported_elsewhere(package, version, name)
    if module:
        return RemovedName(name, imported.span, last, f"from {module} import {name}", "moved", first)
    advice = {"trl": trl_knowledge.REMOVED_EXPORT_ADVICE,
              "peft": peft_knowledge.REMOVED_EXPORT_ADVICE}.get(package, {}).get(name)
    if advice:
        return RemovedName(name, imported.span, last, advice, "advice", first)
    close = [] if first else difflib.get_close_matches(name, sorted(exported), n=1, cutoff=0.8)
    return RemovedName(name, imported.span, last, close[0] if close else "", "close" if close else "", first)
