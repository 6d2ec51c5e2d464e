"""The field tables (knowledge/data) and their static generator (scripts/gen_knowledge.py)."""

from __future__ import annotations

import importlib.util
import json
import sys
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from conftest import ROOT

from peft_lint.knowledge import fields
from peft_lint.knowledge.versions import parse_version

DATA = ROOT / "src" / "peft_lint" / "knowledge" / "data"
TABLE_FILES = sorted(path for package in fields.PACKAGES for path in DATA.glob(f"{package}-*.json"))


@pytest.fixture(scope="module")
def gen() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_knowledge", ROOT / "scripts" / "gen_knowledge.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_knowledge"] = module  # dataclasses look the module up by name
    spec.loader.exec_module(module)
    return module


FAKE = {
    "fakepkg/__init__.py": (
        "from typing import TYPE_CHECKING\n"
        "_import_structure = {'lazy': ['LazyConfig']}\n"
        "if TYPE_CHECKING:\n"
        "    from .config import Lora, Alias as Renamed, Plain, Explicit, Args\n"
        "else:\n"
        "    from .dummy import *\n"
    ),
    "fakepkg/dummy.py": "class Lora:\n    pass\n",
    "fakepkg/base.py": (
        "from dataclasses import dataclass, field\n"
        "from transformers.utils import PushToHubMixin\n"
        "@dataclass\n"
        "class Mixin(PushToHubMixin):\n"
        "    a: int = 1\n"
        "    _hidden: int = field(init=False, default=0)\n"
        "    not_a_field = 5\n"
    ),
    "fakepkg/config.py": (
        "import dataclasses\n"
        "from typing import ClassVar\n"
        "from dataclasses import dataclass, field\n"
        "from transformers import TrainingArguments\n"
        "from . import base\n"
        "LIMIT = 2 ** 10\n"
        "@dataclasses.dataclass\n"
        "class Lora(base.Mixin):\n"
        "    b: str = 'x'\n"
        "    c: list = field(default_factory=list)\n"
        "    d: list = field(default_factory=lambda: ['q', 'v'])\n"
        "    e: int = LIMIT\n"
        "    f: object = field(default=SomeEnum.MEMBER)\n"
        "    g: float = field(default=-1e-3)\n"
        "    h: int = None\n"
        "    r: int\n"
        "    k: ClassVar[int] = 3\n"
        "    a: int = 7\n"
        "Alias = Lora\n"
        "class Plain(Lora):\n"
        "    '''No decorator: the dataclass __init__ of Lora.'''\n"
        "    extra: int = 1\n"
        "@dataclass\n"
        "class Explicit:\n"
        "    ignored: int = 0\n"
        "    def __init__(self, x, y=2, *args, z=None, **kwargs):\n"
        "        pass\n"
        "@dataclass\n"
        "class Args(TrainingArguments):\n"
        "    learning_rate: float = 2e-5\n"
        "    own: bool = True\n"
        "    seed: int = field(init=False, default=1)\n"
    ),
    "fakepkg/lazy.py": "from dataclasses import dataclass\n@dataclass\nclass LazyConfig:\n    n: int = 0\n",
}


@pytest.fixture(scope="module")
def fake_tables(gen: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    wheel = tmp_path_factory.mktemp("wheels") / "fakepkg-1.0.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in FAKE.items():
            archive.writestr(name, text)
    classes, _notes = gen.static_tables("fakepkg", wheel, ["Lora", "Renamed", "Plain", "Explicit", "Args",
                                                           "LazyConfig", "Missing"])
    return classes


def test_static_dataclass_fields_and_defaults(fake_tables: dict[str, dict]) -> None:
    lora = fake_tables["Lora"]
    assert lora["module"] == "fakepkg.config"  # the TYPE_CHECKING import, not the dummy
    assert lora["fields"] == {"a": 7, "b": "x", "c": "[]", "d": "['q', 'v']", "e": 1024,
                              "f": "<SomeEnum.MEMBER>", "g": -0.001, "h": None, "r": "<required>"}
    assert lora["not_init"] == ["_hidden"]                 # field(init=False) is no keyword
    assert "k" not in lora["fields"] and "not_a_field" not in lora["fields"]  # ClassVar, no annotation
    assert lora["ignored_bases"] == ["transformers.utils.PushToHubMixin"]
    assert "bases" not in lora


def test_static_alias_inherited_init_and_explicit_init(fake_tables: dict[str, dict]) -> None:
    assert fake_tables["Renamed"]["alias_of"] == "Lora"
    assert fake_tables["Renamed"]["fields"] == fake_tables["Lora"]["fields"]
    assert fake_tables["Plain"]["fields"] == fake_tables["Lora"]["fields"]  # no decorator: Lora's __init__
    explicit = fake_tables["Explicit"]
    assert explicit["fields"] == {"x": "<required>", "y": 2, "z": None}   # __init__ beats the dataclass
    assert explicit["var_kwargs"] is True
    assert fake_tables["LazyConfig"]["fields"] == {"n": 0}                 # via _import_structure
    assert "Missing" not in fake_tables


def test_static_foreign_base_is_composed_later(fake_tables: dict[str, dict]) -> None:
    args = fake_tables["Args"]
    assert args["bases"] == ["transformers.TrainingArguments"]
    assert args["fields"] == {"learning_rate": 2e-5, "own": True}
    assert args["not_init"] == ["seed"]


def _versions(**pins: str) -> dict[str, str]:
    return dict(pins)


def test_trl_config_composes_with_the_transformers_version() -> None:
    at_4 = fields.fields("trl.SFTConfig", _versions(trl="0.24.0", transformers="4.57.6"))
    at_5 = fields.fields("trl.SFTConfig", _versions(trl="0.24.0", transformers="5.24.0"))
    assert at_4 is not None and at_5 is not None
    assert "dataset_text_field" in at_4 and "dataset_text_field" in at_5  # trl's own
    assert "overwrite_output_dir" in at_4 and "overwrite_output_dir" not in at_5  # gone in 5.0
    assert at_4 - at_5 >= {"overwrite_output_dir", "no_cuda", "warmup_ratio"}
    # own defaults override TrainingArguments' ones
    assert fields.default("transformers.TrainingArguments", _versions(transformers="4.57.6"),
                          "learning_rate") == 5e-5
    assert fields.default("trl.SFTConfig", _versions(trl="0.24.0", transformers="4.57.6"),
                          "learning_rate") == 2e-5
    assert fields.default("trl.SFTConfig", _versions(trl="0.24.0", transformers="4.57.6"),
                          "gradient_checkpointing") is True
    assert fields.default("trl.SFTConfig", _versions(trl="0.21.0", transformers="4.57.6"),
                          "gradient_checkpointing") is False  # TrainingArguments' before trl 0.22
    assert fields.fields("trl.SFTConfig", _versions(trl="0.24.0")) is None
    assert "transformers version is not known" in (fields.not_judged("trl.SFTConfig", _versions(trl="0.24.0"))
                                                   or "")


def test_init_false_fields_are_not_accepted() -> None:
    table = fields.fields("transformers.TrainingArguments", _versions(transformers="4.45.2"))
    assert table is not None and "_n_gpu" not in table and "output_dir" in table
    document = json.loads((DATA / "transformers-4.45.2.json").read_text(encoding="utf-8"))
    assert document["classes"]["TrainingArguments"]["not_init"] == ["_n_gpu"]


def test_minor_table_lookup() -> None:
    assert fields.table_version("transformers", "4.41.0") == "4.41.2"   # the minor's newest patch
    assert fields.table_version("transformers", "4.41.2") == "4.41.2"
    assert fields.table_version("transformers", "4.41.9") == "4.41.2"   # a later patch: same minor
    assert fields.table_version("transformers", "4.40.2") == "4.40.2"
    assert fields.table_version("transformers", "4.29.2") is None
    assert fields.table_version("transformers", "5.99.0") is None
    assert fields.table_version("transformers", "5.0.0rc1") is None     # pre-release of a first release
    assert fields.table_version("transformers", "4.57.7.dev0") == "4.57.5"   # 4.57.5 changed a default
    # minors whose patches changed keys have a table per change: the newest at or below
    assert fields.table_version("trl", "0.8.0") == "0.8.0"
    assert fields.table_version("trl", "0.8.1") == "0.8.0"
    assert fields.table_version("trl", "0.8.6") == "0.8.4"   # 0.8.3 and 0.8.4 changed the exports
    assert fields.table_version("transformers", "4.46.0") == "4.46.1"   # yanked: the minor's first table
    assert fields.table_version("transformers", "4.46.3") == "4.46.2"
    tf_4461 = fields.fields("transformers.TrainingArguments", _versions(transformers="4.46.1"))
    tf_4463 = fields.fields("transformers.TrainingArguments", _versions(transformers="4.46.3"))
    assert tf_4461 is not None and tf_4463 is not None
    assert tf_4463 - tf_4461 == {"average_tokens_across_devices"}     # added in the 4.46.2 patch
    orpo = fields.fields("trl.ORPOConfig", _versions(trl="0.8.1", transformers="4.40.2"))
    assert orpo is None and fields.not_judged("trl.ORPOConfig", _versions(
        trl="0.8.1", transformers="4.40.2")) == "trl 0.8.1 has no ORPOConfig"
    assert fields.fields("trl.ORPOConfig", _versions(trl="0.8.2", transformers="4.40.2")) is not None


def test_coverage_note() -> None:
    assert fields.coverage_note("trl", "0.24.0") is None
    assert fields.coverage_note("trl", "0.4.7") == \
        "trl 0.4.7 is older than peft-lint's field tables (trl 0.7\u20131.16)"
    assert fields.coverage_note("transformers", "6.1.0") == \
        "transformers 6.1.0 is newer than peft-lint's field tables (transformers 4.30\u20135.24)"
    assert "newer than" in (fields.coverage_note("peft", "0.99.0") or "")
    assert "pre-release" in (fields.coverage_note("transformers", "4.41.0.dev0") or "")
    assert fields.coverage_note("unsloth-not-a-table", "1.0") == \
        "peft-lint has no field tables for unsloth-not-a-table"
    assert "not a version" in (fields.coverage_note("peft", "main") or "")
    assert fields.fields("transformers.TrainingArguments", _versions(transformers="4.27.4")) is None
    assert "older than" in (fields.not_judged("transformers.TrainingArguments",
                                              _versions(transformers="4.27.4")) or "")


@pytest.mark.parametrize("path", TABLE_FILES, ids=[path.name for path in TABLE_FILES])
def test_every_table_loads_and_is_stamped(path: Path) -> None:
    document = json.loads(path.read_text(encoding="utf-8"))
    package, version = path.stem.split("-", 1)
    assert document["package"] == package and document["version"] == version
    assert parse_version(version) is not None
    assert document["generated_by"].startswith("scripts/gen_knowledge.py")
    assert document["format"] == 2
    assert document["classes"], "a table without classes"
    for name, entry in document["classes"].items():
        assert isinstance(entry["fields"], dict), name
        assert all(isinstance(key, str) for key in entry["fields"]), name
        assert not set(entry.get("not_init", [])) & set(entry["fields"]), name
        for base in entry.get("bases", []):
            assert base in fields.TABLES, (name, base)


@pytest.mark.parametrize("package", fields.PACKAGES)
def test_known_versions_name_every_table_minor(package: str) -> None:
    module = importlib.import_module(f"peft_lint.knowledge.{package}")
    known = module.KNOWN_VERSIONS
    assert known == sorted(known, key=parse_version)
    minors = {fields._minor(version) for version in known}
    for version in fields.covered_versions(package):
        assert fields._minor(version) in minors, version


MODEL_SOURCE = {
    "fakeds/__init__.py": "",
    "fakeds/config_utils.py": (
        "from pydantic import BaseModel, ConfigDict\n"
        "class ConfigModel(BaseModel):\n"
        "    model_config = ConfigDict(extra='forbid', populate_by_name=True)\n"),
    "fakeds/legacy.py": (
        "from fakeds.pydantic_v1 import BaseModel\n"
        "class OldModel(BaseModel):\n"
        "    stage: int = 0\n"
        "    class Config:\n"
        "        extra = 'forbid'\n"),
    "fakeds/pydantic_v1.py": "from pydantic.v1 import *\n",
    "fakeds/zero.py": (
        "from enum import Enum\n"
        "from typing import ClassVar, Optional\n"
        "from pydantic import Field\n"
        "from fakeds.config_utils import ConfigModel\n"
        "class Stage(int, Enum):\n"
        "    off = 0\n    on = 1\n    most = 1\n"
        "class Device(str, Enum):\n"
        "    none = 'none'\n    cpu = 'cpu'\n"
        "class Offload(ConfigModel):\n"
        "    device: Device = 'none'\n"
        "    ratio: float = Field(1.0, ge=0.0, le=1.0)\n"
        "class Zero(ConfigModel):\n"
        "    _private: int = 0\n"
        "    registry: ClassVar[dict] = {}\n"
        "    stage: Stage = 0\n"
        "    bucket: int = Field(5, gt=0, alias='stage3_bucket')\n"
        "    offload: Optional[Offload] = None\n"),
}


@pytest.fixture(scope="module")
def model_tables(gen: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    """A package published as a source archive (as DeepSpeed is), with pydantic models."""
    import io
    import tarfile

    archive_path = tmp_path_factory.mktemp("sdists") / "fakeds-1.0.0.tar.gz"
    with tarfile.open(archive_path, "w:gz") as archive:
        for name, text in MODEL_SOURCE.items():
            data = text.encode()
            info = tarfile.TarInfo(f"fakeds-1.0.0/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    classes, _notes = gen.static_tables("fakeds", archive_path, ["fakeds.zero:Zero", "fakeds.zero:Offload",
                                                                 "fakeds.legacy:OldModel"])
    return classes


def test_pydantic_model_fields_aliases_bounds_choices(model_tables: dict[str, dict]) -> None:
    zero = model_tables["Zero"]
    assert zero["model"] == "pydantic" and zero["extra"] == "forbid" and zero["api"] == "v2"
    assert set(zero["fields"]) == {"stage", "bucket", "offload"}  # not private, not ClassVar
    assert zero["aliases"] == {"bucket": "stage3_bucket"}
    assert zero["bounds"] == {"bucket": {"gt": 0}}
    assert zero["choices"] == {"stage": [0, 1, 1]}  # typed, in order: pydantic lists an alias member too
    assert zero["fields"]["bucket"] == 5
    offload = model_tables["Offload"]
    assert offload["choices"] == {"device": ["none", "cpu"]}
    assert offload["bounds"] == {"ratio": {"ge": 0.0, "le": 1.0}}


def test_pydantic_v1_model_is_marked(model_tables: dict[str, dict]) -> None:
    old = model_tables["OldModel"]
    assert old["model"] == "pydantic" and old["extra"] == "forbid" and old["api"] == "v1"


def test_deepspeed_schema_per_release() -> None:
    new = fields.model_schema("deepspeed.DeepSpeedZeroConfig", _versions(deepspeed="0.19.8"))
    old = fields.model_schema("deepspeed.DeepSpeedZeroConfig", _versions(deepspeed="0.14.5"))
    assert new is not None and old is not None
    assert new.api == "v2" and old.api == "v1" and new.forbids_extra
    assert new.field_of("stage3_prefetch_bucket_size") == "prefetch_bucket_size"
    assert new.choices["stage"][:4] == (0, 1, 2, 3)
    # the precision sections became models in 0.17.1
    assert fields.model_schema("deepspeed.DeepSpeedFP16Config", _versions(deepspeed="0.16.9")) is None
    assert fields.model_schema("deepspeed.DeepSpeedFP16Config", _versions(deepspeed="0.17.6")) is not None


def test_compute_loss_call_per_release() -> None:
    """Read from transformers/trainer.py of each release (gen_knowledge.py --behaviours)."""
    from peft_lint.knowledge import transformers as tf

    document = json.loads((DATA / "behaviours-transformers.json").read_text(encoding="utf-8"))
    assert document["generated_by"].startswith("scripts/gen_knowledge.py --behaviours")
    assert tf.compute_loss_call("4.45.2") == "never"
    assert tf.compute_loss_call("4.46.1") == "always"
    assert tf.compute_loss_call("4.47.0") == "unless-loss-kwargs"
    assert tf.compute_loss_call("4.48.0") == "unless-loss-kwargs"
    assert tf.compute_loss_call("5.24.0") == "always"
    assert tf.compute_loss_call("9.0.0") is None  # a release without a record is not judged


def test_compute_loss_classification(gen: ModuleType) -> None:
    always = "loss = self.compute_loss(model, inputs, num_items_in_batch=num_items_in_batch)\n" \
             "self.compute_loss(model, inputs, return_outputs=True)"
    either = "if self.model_accepts_loss_kwargs:\n    loss = self.compute_loss(model, inputs)\n" \
             "else:\n    loss = self.compute_loss(model, inputs, num_items_in_batch=num_items_in_batch)"
    assert gen.compute_loss_call(always) == "always"
    assert gen.compute_loss_call(either) == "unless-loss-kwargs"
    assert gen.compute_loss_call("loss = self.compute_loss(model, inputs)") == "never"


def test_trainer_keywords_and_renames_per_release() -> None:
    v4 = _versions(transformers="4.57.6")
    v5 = _versions(transformers="5.24.0")
    assert "tokenizer" in (fields.accepted_keywords("transformers.Trainer", v4) or ())  # @deprecate_kwarg
    assert "tokenizer" not in (fields.fields("transformers.Trainer", v4) or ())
    assert "tokenizer" not in (fields.accepted_keywords("transformers.Trainer", v5) or ())
    assert fields.renamed_keyword("transformers.Trainer", "tokenizer") == "processing_class"
    assert fields.last_release_accepting("transformers.Trainer", v5, "tokenizer") == "4.57.5"
    assert fields.release_series("transformers", "4.57.5") == "4.57.x"
    assert fields.release_series("trl", "0.12.0") == "0.12.0"  # a later table of the minor differs
    old_sft = _versions(trl="0.12.2", transformers="4.46.3")
    assert "max_seq_length" in (fields.accepted_keywords("trl.SFTTrainer", old_sft) or ())
    new_sft = _versions(trl="1.16.0", transformers="5.24.0")
    assert "max_seq_length" not in (fields.accepted_keywords("trl.SFTTrainer", new_sft) or ())


def test_package_exports_per_release() -> None:
    assert "DataCollatorForCompletionOnlyLM" in (fields.exports("trl", "0.19.1") or ())
    assert "DataCollatorForCompletionOnlyLM" not in (fields.exports("trl", "0.20.0") or ())
    assert "__version__" in (fields.exports("trl", "1.16.0") or ())
    assert "trainer" in (fields.exports("trl", "1.16.0") or ())  # a submodule: `from trl import trainer`
    assert fields.last_release_exporting("peft", "0.21.2", "prepare_model_for_int8_training") == "0.9.0"
    assert fields.first_release_exporting("trl", "0.12.2", "GRPOTrainer") == "0.14.0"
    assert fields.exported_elsewhere("trl", "1.16.0", "ORPOTrainer") == "trl.experimental.orpo"
    assert fields.exports("transformers", "5.24.0") is None  # not recorded for transformers
    assert fields.exports("trl", "9.0.0") is None  # no table: not judged


def test_generated_behaviours_of_trl_and_deepspeed() -> None:
    from peft_lint.knowledge import deepspeed, trl

    assert deepspeed.zero3_recompute_keeps_frozen_params("0.19.2") is False
    assert deepspeed.zero3_recompute_keeps_frozen_params("0.19.3") is True  # deepspeedai/DeepSpeed#8148
    assert deepspeed.zero3_recompute_keeps_frozen_params("0.13.0") is None  # not recorded: not judged
    assert trl.forces_reentrant_for_peft_zero3("0.27.2", "trl.SFTTrainer") is False
    assert trl.forces_reentrant_for_peft_zero3("0.28.0", "trl.SFTTrainer") is True
    assert trl.forces_reentrant_for_peft_zero3("0.28.0", "trl.DPOTrainer") is False
    assert trl.forces_reentrant_for_peft_zero3("1.16.0", "trl.GRPOTrainer") is True
    assert trl.grpo_batch_check("0.14.0") is None
    found = trl.grpo_batch_check("0.17.0")
    assert found is not None and (found.family, found.where) == ("effective", "trainer")
    newest = trl.grpo_batch_check("1.16.0")
    assert newest is not None and newest.family == "generation-divisible"
    assert newest.auto_find_batch_size_refused


def test_generated_moe_leaf_and_mixed_dtype_behaviours() -> None:
    from peft_lint.knowledge import deepspeed, peft, trl
    from peft_lint.knowledge import transformers as tf

    qwen3_block = "transformers.models.qwen3_moe.modeling_qwen3_moe.Qwen3MoeSparseMoeBlock"
    assert tf.routed_expert_blocks("4.57.6", "qwen3_moe") == [qwen3_block]
    assert tf.routed_expert_blocks("5.24.0", "qwen3_moe") == []  # packed experts
    assert tf.routed_expert_blocks("4.57.6", "llama") == []
    leaves = deepspeed.zero3_leaf_modules("0.17.6")
    assert leaves is not None and not leaves["config"] and leaves["default_classes"] == []
    newest = deepspeed.zero3_leaf_modules("0.19.8")
    assert newest is not None and newest["config"] and qwen3_block in newest["default_classes"]
    failing = [v for v in ("0.19.1", "0.19.2", "0.19.3") if deepspeed.zero3_mixed_dtype_gather_fails(v)]
    assert failing == ["0.19.2"]
    assert peft.get_peft_model_autocasts_adapters("0.11.1") is False
    assert peft.get_peft_model_autocasts_adapters("0.12.0") is True
    assert trl.keeps_adapter_dtype_for_zero3("1.6.0", "trl.SFTTrainer") is False
    assert trl.keeps_adapter_dtype_for_zero3("1.7.1", "trl.SFTTrainer") is True
    assert tf.training_requires_token_type_ids("5.5.4", "gemma3") is not None
    assert tf.training_requires_token_type_ids("5.6.0", "gemma3") is None  # transformers#45454
    assert tf.training_requires_token_type_ids("5.5.4", "gemma3_text") is None
    assert tf.training_requires_token_type_ids("4.57.6", "gemma3") is None


def test_model_types_from_the_main_config_class(gen: ModuleType) -> None:
    config = ('class Gemma3TextConfig(PreTrainedConfig):\n    model_type = "gemma3_text"\n'
              'class Gemma3Config(PreTrainedConfig):\n    model_type = "gemma3"\n')
    files = {"transformers/models/gemma3/configuration_gemma3.py": config}
    assert gen._model_types(files, "gemma3") == ["gemma3"]
    assert gen._model_types({}, "olmoe") == ["olmoe"]
    modeling = ('class OlmoeSparseMoeBlock(nn.Module):\n    def __init__(self, config):\n'
                '        self.experts = nn.ModuleList([OlmoeMLP(config)])\n'
                '    def forward(self, x):\n        for expert_idx in expert_hit:\n            pass\n'
                'class OlmoeMLP(nn.Module):\n    def __init__(self, config):\n'
                '        self.experts = nn.ModuleList()\n')
    table = gen.routed_expert_lists({"transformers/models/olmoe/modeling_olmoe.py": modeling})
    assert table == {"olmoe": ["transformers.models.olmoe.modeling_olmoe.OlmoeSparseMoeBlock"]}


@pytest.mark.parametrize(("model_id", "model_type"), [
    ("Qwen/Qwen3-30B-A3B", "qwen3_moe"), ("Qwen/Qwen3-Coder-30B-A3B-Instruct", "qwen3_moe"),
    ("Qwen/Qwen3-Next-80B-A3B-Instruct", "qwen3_next"), ("Qwen/Qwen3-8B", "qwen3"),
    ("Qwen/Qwen3-VL-30B-A3B-Instruct", None), ("microsoft/Phi-3.5-MoE-instruct", "phimoe"),
    ("microsoft/Phi-3.5-mini-instruct", "phi3"), ("zai-org/GLM-4.5-Air", "glm4_moe"),
    ("zai-org/GLM-4.5V", None),
    ("google/gemma-3-270m-it", "gemma3_text"), ("google/gemma-3-4b-pt", "gemma3"),
    ("google/translategemma-4b-it", "gemma3"), ("google/medgemma-27b-text-it", "gemma3_text"),
])
def test_model_type_from_hub_id(model_id: str, model_type: str | None) -> None:
    from peft_lint.knowledge.modules import model_type_from_id

    assert model_type_from_id(model_id) == model_type
