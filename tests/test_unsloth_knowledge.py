"""The unsloth knowledge: data/unsloth.json (scripts/gen_knowledge_unsloth.py) and its reader."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from conftest import ROOT

from peft_lint.knowledge import unsloth
from peft_lint.knowledge.versions import satisfies, sort_key

DATA = ROOT / "src" / "peft_lint" / "knowledge" / "data" / "unsloth.json"
SCRIPT = ROOT / "scripts" / "gen_knowledge_unsloth.py"


def document() -> dict[str, object]:
    loaded = json.loads(DATA.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


# --- the data file ---------------------------------------------------------------------------


def test_the_data_file_is_stamped_with_what_it_was_generated_from() -> None:
    data = document()
    assert data["package"] == "unsloth"
    assert data["generated_by"] == "scripts/gen_knowledge_unsloth.py"
    assert "PyPI" in str(data["generated_from"])
    versions = data["versions"]
    assert isinstance(versions, dict) and versions
    for version, entry in versions.items():
        assert re.fullmatch(r"[0-9a-f]{64}", entry["wheel_sha256"]), version
        zoo = entry["unsloth_zoo_read"]
        assert re.fullmatch(r"[0-9a-f]{64}", zoo["wheel_sha256"]), version
        # the unsloth_zoo wheel read is one the release's own pin allows
        assert satisfies(zoo["version"], entry["requires"]["unsloth_zoo"]), version
    assert unsloth.stamp()["generated_by"] == "scripts/gen_knowledge_unsloth.py"


def test_the_data_file_stays_small() -> None:
    assert DATA.stat().st_size < 400_000


def test_known_versions_are_ascending_and_cover_every_month_since_2025_01() -> None:
    known = unsloth.KNOWN_VERSIONS
    assert known == sorted(known, key=sort_key)
    assert known == unsloth.known_versions()
    assert "2024.12.12" in known  # the newest release of 2024
    assert known[-1] == "2026.10.9"
    months = {tuple(int(part) for part in v.split(".")[:2]) for v in known}
    wanted = {(2025, month) for month in range(1, 13)} | {(2026, month) for month in range(1, 11)}
    assert wanted <= months


# --- requires --------------------------------------------------------------------------------


def test_requires_of_the_newest_release() -> None:
    pins = unsloth.requires("2026.10.9")
    assert pins["trl"] == "!=0.19.0,<=1.15.0,>=0.18.2"
    assert pins["transformers"] == ("!=4.53.0,!=4.54.0,!=4.55.0,!=4.55.1,!=4.57.0,!=4.57.4,!=4.57.5,"
                                    "!=5.0.0,!=5.1.0,<=5.17.0,>=4.52.4")
    assert pins["unsloth_zoo"] == ">=2026.10.9"
    assert pins["torch"] == "<2.15.0,>=2.4.0"
    assert set(pins) == set(unsloth.REQUIRED_PACKAGES)
    assert satisfies("1.15.0", pins["trl"]) and not satisfies("1.16.0", pins["trl"])


def test_requires_keeps_base_and_extras_apart() -> None:
    # 2025.6.12: the base pin on transformers lacks the !=4.52.3 its "huggingface" extra has
    base = unsloth.requires("2025.6.12")
    assert "!=4.52.3" not in base["transformers"].split(",")
    extra = unsloth.extras_requires("2025.6.12", "huggingface")
    assert extra is not None and "!=4.52.3" in extra["transformers"].split(",")
    merged = unsloth.requires("2025.6.12", extras=("huggingface",))
    assert {"!=4.52.3", ">=4.51.3"} <= set(merged["transformers"].split(","))
    # colab-new pins bitsandbytes where the base dependency has no pin at all
    assert unsloth.requires("2024.12.12")["bitsandbytes"] == ""
    assert unsloth.requires("2024.12.12", extras=["colab-new"])["bitsandbytes"] == ">=0.43.3"
    assert unsloth.extras_requires("2026.10.9", "no-such-extra") is None


# --- version lookup --------------------------------------------------------------------------


def test_a_version_between_covered_releases_uses_the_newest_not_newer() -> None:
    assert unsloth.covered_release("2026.1.2") == "2025.12.10"
    assert unsloth.covered_release("2026.1.4") == "2026.1.4"
    assert unsloth.covered_release("2026.10.9+cu124") == "2026.10.9"
    assert unsloth.covered_release("2099.1.1") == "2026.10.9"
    # unsloth_logit_chunk_multiplier arrived by 2026.1.4, after the 2025.12.10 release
    assert "unsloth_logit_chunk_multiplier" not in unsloth.config_extra_fields("trl.GRPOConfig", "2026.1.2")
    assert "unsloth_logit_chunk_multiplier" in unsloth.config_extra_fields("trl.GRPOConfig", "2026.1.4")
    assert unsloth.requires("2025.3.5") == unsloth.requires("2025.2.15")


def test_a_version_older_than_all_gets_nothing() -> None:
    assert unsloth.covered_release("2024.11.1") is None
    assert unsloth.requires("2024.11.1") == {}
    assert unsloth.config_extra_fields("trl.SFTConfig", "2024.11.1") == frozenset()
    assert unsloth.get_peft_model_defaults("2024.11.1") is None
    assert unsloth.from_pretrained_parameters("2024.11.1") is None
    assert unsloth.patches_trl_configs("2024.11.1") is None


def test_an_unknown_version_uses_the_newest_release() -> None:
    newest = unsloth.KNOWN_VERSIONS[-1]
    assert unsloth.covered_release(None) == newest
    for config in ("trl.SFTConfig", "trl.GRPOConfig"):
        assert unsloth.config_extra_fields(config, None) == unsloth.config_extra_fields(config, newest)
    assert unsloth.requires(None) == unsloth.requires(newest)


def test_an_unknown_version_is_not_a_union_over_releases(monkeypatch: pytest.MonkeyPatch,
                                                           tmp_path: Path) -> None:
    fake = {"versions": {
        "2025.1.1": {"requires": {"trl": ">=0.1"}, "config": {"patched_at_import": True, "common": {
            "fields": {"old_only": None}}}},
        "2025.3.1": {"requires": {"trl": ">=0.3"}, "config": {"patched_at_import": True, "common": {
            "fields": {"new_only": 1}}}},
    }}
    path = tmp_path / "unsloth.json"
    path.write_text(json.dumps(fake), encoding="utf-8")
    monkeypatch.setattr(unsloth, "DATA", path)
    for cached in (unsloth._document, unsloth._known, unsloth.covered_release):
        cached.cache_clear()
    try:
        assert unsloth.config_extra_fields("trl.SFTConfig", None) == {"new_only"}
        assert unsloth.config_extra_fields("trl.SFTConfig", "2025.2.9") == {"old_only"}
        assert unsloth.config_extra_fields("trl.SFTConfig", "2024.1.1") == frozenset()
        assert unsloth.requires("2025.3.1") == {"trl": ">=0.3"}
    finally:
        for cached in (unsloth._document, unsloth._known, unsloth.covered_release):
            cached.cache_clear()


# --- Unsloth<Name>Config ---------------------------------------------------------------------


def test_extra_config_fields_of_specific_releases() -> None:
    assert unsloth.config_extra_fields("trl.SFTConfig", "2025.2.15") == {"vllm_sampling_params",
                                                                          "unsloth_num_chunks"}
    newest = unsloth.config_extra_fields("trl.GRPOConfig", "2026.10.9")
    assert {"vllm_sampling_params", "unsloth_num_chunks", "unsloth_logit_chunk_multiplier",
            "unsloth_grpo_mini_batch", "context_parallel_size"} <= newest
    # context_parallel_rotate_method is SFT's alone; the other trainers get no context parallel fields
    assert "context_parallel_rotate_method" in unsloth.config_extra_fields("trl.SFTConfig", "2026.10.9")
    assert "context_parallel_rotate_method" not in newest
    assert "context_parallel_size" not in unsloth.config_extra_fields("trl.KTOConfig", "2026.10.9")
    defaults = unsloth.config_extra_field_defaults("trl.GRPOConfig", "2026.10.9")
    assert defaults["unsloth_num_chunks"] == -1 and defaults["vllm_sampling_params"] is None


def test_releases_before_2025_02_leave_trl_configs_alone() -> None:
    for version in ("2024.12.12", "2025.1.8"):
        assert unsloth.patches_trl_configs(version) is False
        assert unsloth.config_extra_fields("trl.SFTConfig", version) == frozenset()
    assert unsloth.patches_trl_configs("2025.2.15") is True


def test_max_seq_length_is_added_where_trl_has_max_length() -> None:
    assert "max_seq_length" in unsloth.config_extra_fields("trl.SFTConfig", "2025.8.10")
    assert "max_seq_length" in unsloth.config_extra_fields(
        "trl.SFTConfig", "2025.8.10", trl_fields=frozenset({"max_length", "packing"}))
    assert "max_seq_length" not in unsloth.config_extra_fields(
        "trl.SFTConfig", "2025.8.10", trl_fields=frozenset({"max_seq_length", "packing"}))


def test_not_a_trl_config_has_no_extra_fields() -> None:
    assert unsloth.config_extra_fields("transformers.TrainingArguments", "2026.10.9") == frozenset()
    assert unsloth.config_extra_fields("peft.LoraConfig", "2026.10.9") == frozenset()
    # a TRL config the table does not list still gets what every rebuilt config gets
    assert "vllm_sampling_params" in unsloth.config_extra_fields("trl.GOLDConfig", "2026.10.9")


def test_config_default_overrides() -> None:
    overrides = unsloth.config_default_overrides("trl.SFTConfig", "2026.10.9")
    assert overrides["per_device_train_batch_size"] == 4
    assert overrides["optim"] == "adamw_8bit"
    assert overrides["seed"] == 3407
    assert overrides["loss_type"] == "nll"  # SFT only
    assert "loss_type" not in unsloth.config_default_overrides("trl.DPOConfig", "2026.10.9")
    assert unsloth.config_default_overrides("trl.GRPOConfig", "2025.9.11")["loss_type"] == "bnpo"
    conditional = unsloth.config_conditional_default_overrides("trl.SFTConfig", "2026.10.9")
    assert conditional["warmup_steps"]["default"] == 0.1


def test_the_unknown_kwargs_filter_arrived_in_2026_08() -> None:
    assert unsloth.drops_unknown_config_kwargs("2026.7.6") is False
    assert unsloth.drops_unknown_config_kwargs("2026.8.22") is True
    assert unsloth.config_kwarg_renames("2026.10.9")["use_liger_loss"] == "use_liger_kernel"
    assert unsloth.config_kwarg_renames("2026.7.6") == {}


def test_unsloth_training_arguments() -> None:
    assert unsloth.training_arguments_extra_fields("2024.12.12") == {"embedding_learning_rate"}
    assert {"embedding_learning_rate", "loraplus_lr_ratio"} <= unsloth.training_arguments_extra_fields(None)


# --- FastLanguageModel & co. -----------------------------------------------------------------


def test_get_peft_model_defaults() -> None:
    defaults = unsloth.get_peft_model_defaults("2026.10.9")
    assert defaults is not None
    assert defaults["use_gradient_checkpointing"] == "unsloth"
    assert defaults["r"] == 16 and defaults["lora_alpha"] == 16 and defaults["lora_dropout"] == 0.0
    assert defaults["bias"] == "none" and defaults["random_state"] == 3407
    assert defaults["use_rslora"] is False and defaults["loftq_config"] == {}
    assert defaults["target_modules"] == ["q_proj", "k_proj", "v_proj", "o_proj",
                                          "gate_proj", "up_proj", "down_proj"]
    assert "model" not in defaults
    assert unsloth.gc_default_is_unsloth("2025.6.12") is False  # True then
    assert unsloth.gradient_checkpointing_default("2025.6.12") is True
    assert unsloth.gc_default_is_unsloth("2025.7.11") is True
    signature = unsloth.method_signature("unsloth.FastLanguageModel", "get_peft_model", "2026.10.9")
    assert signature is not None and signature["var_keyword"] is True
    assert signature["defined_at"].startswith("unsloth/models/llama.py:")


def test_fast_vision_model_is_fast_model() -> None:
    vision = unsloth.get_peft_model_defaults("2026.10.9", "unsloth.FastVisionModel")
    model = unsloth.get_peft_model_defaults("2026.10.9", "unsloth.FastModel")
    assert vision is not None and vision == model
    assert vision["finetune_vision_layers"] is True
    assert unsloth.get_peft_model_defaults("2024.12.12", "unsloth.FastModel") is None  # not there yet
    assert unsloth.get_peft_model_defaults("2024.12.12", "unsloth.FastVisionModel") is not None
    assert "unsloth.FastLanguageModel" in unsloth.FAST_MODEL_CLASSES


def test_from_pretrained_parameters() -> None:
    parameters = unsloth.from_pretrained_parameters("2026.10.9")
    assert parameters is not None
    assert parameters["max_seq_length"] == 2048 and parameters["dtype"] is None
    assert parameters["load_in_4bit"] is True and parameters["load_in_8bit"] is False
    assert parameters["full_finetuning"] is False
    assert parameters["model_name"] == "unsloth/Llama-3.2-1B-Instruct"
    old = unsloth.from_pretrained_parameters("2024.12.12")
    assert old is not None and "full_finetuning" not in old and old["max_seq_length"] is None


def test_peft_preparation_is_unsloths_own_reentrant_one() -> None:
    found = unsloth.peft_preparation("2026.10.9")
    assert found is not None
    assert found["patch_peft_model_calls_prepare_model_for_kbit_training_with"]["use_reentrant"] is True
    assert found["prepare_model_for_kbit_training"]["defined_at"].startswith("unsloth/models/_utils.py:")
    zoo = found["unsloth_zoo_prepare_model_for_training"]
    assert zoo["parameters"]["use_reentrant"] is True


def test_the_reader_imports_nothing_heavy() -> None:
    code = ("import sys, peft_lint.knowledge.unsloth as u; u.requires(None); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('torch', 'transformers', 'peft', 'trl', 'unsloth', 'unsloth_zoo')))")  # packaging is ours
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "[]"


# --- the generator's parsing (no network) ----------------------------------------------------


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    pytest.importorskip("packaging")
    spec = importlib.util.spec_from_file_location("gen_knowledge_unsloth", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look the module up
    spec.loader.exec_module(module)
    return module


def test_generator_reads_the_config_template(generator: ModuleType) -> None:
    template = '''
@dataclass
class Unsloth{RLConfig_name}({RLConfig_name}):
    """
    {__RLConfig_doc__}
    """
    vllm_sampling_params: Optional[Any] = field(
        default = None,
        metadata = {{'help': 'vLLM SamplingParams'}},
    )
    {max_seq_length_pre}
    def __init__({RLConfig_arguments},
        vllm_sampling_params = None,
        unsloth_num_chunks = -1,
        {max_seq_length_call}
        **kwargs,
    ):
        pass
'''
    fields, placeholders = generator.config_template(template)
    assert fields == {"vllm_sampling_params": None, "unsloth_num_chunks": -1}
    assert placeholders == ["max_seq_length_pre", "max_seq_length_call"]


def test_generator_follows_the_conditions_around_added_fields(generator: ModuleType) -> None:
    import ast

    source = '''
def _patch_trl_rl_trainers(trainer_file = "grpo_trainer"):
    arguments, call_args = processed[1]
    replacements = {"seed": 3407, "num_generations": 8}
    if trainer_file == "gold_trainer":
        replacements.pop("num_generations")
    if "max_seq_length" not in call_args and "max_length" in call_args:
        max_seq_length_pre = """max_seq_length : Optional[int] = field(default = None)"""
    else:
        max_seq_length_pre = ""
    if trainer_file == "sft_trainer" and "context_parallel_size" not in call_args:
        max_seq_length_pre += """
    context_parallel_size : Optional[int] = field(default = 1)"""
    RLTrainer_replacement.format(max_seq_length_pre = max_seq_length_pre)
'''
    function = ast.parse(source).body[0]
    events = generator.config_events(function, ["max_seq_length_pre"])
    residual = {(event.kind, name): [generator._residual(event.conditions, trainer, name)
                                     for trainer in ("sft_trainer", "gold_trainer")]
                for event in events for name in event.fields}
    assert residual[("fields", "max_seq_length")] == [["trl_has:max_length"], ["trl_has:max_length"]]
    assert residual[("fields", "context_parallel_size")] == [[], None]
    assert residual[("override", "seed")] == [[], []]
    assert residual[("pop", "num_generations")] == [None, []]


def test_generator_splits_base_and_extra_requirements(generator: ModuleType) -> None:
    metadata = "\n".join([
        "Requires-Dist: trl!=0.19.0,<=1.15.0,>=0.18.2",
        "Requires-Dist: bitsandbytes",
        'Requires-Dist: xformers>=0.0.27; sys_platform == "linux"',
        'Requires-Dist: transformers>=4.46.1; extra == "huggingface"',
        'Requires-Dist: unsloth[huggingface]; extra == "colab-new"',
        'Requires-Dist: bitsandbytes>=0.43.3; extra == "colab-new"',
        'Requires-Dist: torch==2.1; sys_platform == "win32" and extra == "colab-new"',
    ])
    found = generator.requirements(metadata)
    assert found["requires"] == {"bitsandbytes": "", "trl": "!=0.19.0,<=1.15.0,>=0.18.2"}
    assert found["extras"]["colab-new"] == {"bitsandbytes": ">=0.43.3", "transformers": ">=4.46.1"}
    assert found["extras"]["huggingface"] == {"transformers": ">=4.46.1"}
    assert "colab-no-deps" not in found["extras"]


def test_generator_picks_the_month_newest_and_the_matching_zoo(generator: ModuleType) -> None:
    versions = ["2024.11.9", "2024.12.1", "2024.12.12", "2025.1.2", "2025.1.8", "2025.2.15"]
    assert generator.newest_of_each_month(versions) == ["2024.12.12", "2025.1.8", "2025.2.15"]
    zoo = ["2025.1.1", "2025.1.5", "2025.2.7", "2025.3.1"]
    assert generator.zoo_for("2025.2.15", ">=2025.1.4", zoo) == "2025.2.7"
    assert generator.zoo_for("2025.2.15", ">=2025.3.1", zoo) == "2025.3.1"
    assert generator.join_specifiers([">=1", "<2,>=1", ""]) == "<2,>=1"
