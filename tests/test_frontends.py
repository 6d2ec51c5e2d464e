"""Front-end behaviour that rule cases do not show directly, and regressions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from peft_lint.engine.runner import LintOptions, lint
from peft_lint.extract.config_files import ConfigParseError, parse_json, parse_yaml
from peft_lint.extract.launcher import parse_launcher
from peft_lint.extract.python_script import ConfigResolver, canonical, interpret
from peft_lint.facts.values import DictValue, plain


def facts_of(source: str):
    tree = ast.parse(source)
    return interpret("train.py", tree, ConfigResolver(lambda path: None), None,
                     lambda canonical, key: None)


def test_canonical_names_meet_across_import_styles() -> None:
    assert canonical("peft.tuners.adalora.AdaLoraConfig") == "peft.AdaLoraConfig"
    assert canonical("transformers.trainer_callback.TrainerCallback") == "transformers.TrainerCallback"
    assert canonical("peft.utils.prepare_model_for_kbit_training") == \
        "peft.prepare_model_for_kbit_training"
    facts = facts_of("import peft as P\nfrom peft.tuners.adalora import AdaLoraConfig as A\n"
                     "a = P.AdaLoraConfig(total_step=1)\nb = A(total_step=2)\n")
    assert [value.obj.method for value in facts.adapter_configs] == ["adalora", "adalora"]


def test_dict_splat_and_helper_return_are_followed() -> None:
    facts = facts_of(
        "from peft import LoraConfig, get_peft_model\n"
        "from transformers import AutoModelForCausalLM\n"
        "base = dict(r=8)\n"
        "def build(name, **extra):\n"
        "    model = AutoModelForCausalLM.from_pretrained(name)\n"
        "    return get_peft_model(model, LoraConfig(**base, lora_alpha=16))\n"
        "model = build('gpt2')\n")
    (config,) = facts.adapter_configs
    assert set(config.obj.kwargs.entries) == {"r", "lora_alpha"}
    assert [model.kind for model in facts.models] == ["base", "peft"]


def test_chained_comparison_does_not_recurse() -> None:
    # regression: `a < b < c` sent decide() and eval() into each other forever
    facts_of("x = 1\nif 0 < x < 2:\n    y = 1\nz = 0 < x < 2\n")


def test_deeply_nested_script_is_a_note_not_a_crash(tmp_path: Path) -> None:
    script = tmp_path / "train.py"
    script.write_text("from peft import LoraConfig\nx = " + "[" * 90 + "1" + "]" * 90 + "\n"
                      "def f(a):\n    return f(a)\nf(LoraConfig())\n")
    result = lint([script], LintOptions(use_installed=False))
    assert not [d for d in result.diagnostics if d.code.startswith("PFT9")]


def test_unknown_values_stay_unknown() -> None:
    facts = facts_of(
        "import os\nfrom peft import AdaLoraConfig\n"
        "steps = int(os.environ['STEPS'])\n"
        "cfg = AdaLoraConfig(total_step=steps, tinit=0 if steps else 5)\n")
    (config,) = facts.adapter_configs
    entries = config.obj.kwargs.entries
    assert type(entries["total_step"]).__name__ == "Unknown"
    assert type(entries["tinit"]).__name__ == "Unknown"


def test_yaml_positions_merge_keys_and_alias_bomb() -> None:
    value = parse_yaml("c.yaml", "base: &b {x: 1}\nrun:\n  <<: *b\n  y: 2\n")
    assert plain(value) == {"base": {"x": 1}, "run": {"x": 1, "y": 2}}
    assert isinstance(value, DictValue)
    assert value.entries["run"].span.line == 2
    bomb = "a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\n" + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n" for i in range(8))
    parse_yaml("bomb.yaml", bomb)  # shared nodes convert once: returns at once


def test_config_errors_have_positions() -> None:
    with pytest.raises(ConfigParseError) as error:
        parse_json("c.json", '{\n  "a": 1\n  "b": 2\n}')
    assert (error.value.line, error.value.column) == (3, 3)
    with pytest.raises(ConfigParseError) as yaml_error:
        parse_yaml("c.yaml", "a: 1\n b: 2\n")
    assert yaml_error.value.line == 2


@pytest.mark.parametrize(("line", "launcher", "world", "strategy"), [
    ("torchrun --standalone --nproc_per_node=4 train.py", "torchrun", 4, "ddp"),
    ("torchrun --nnodes 2 --nproc-per-node 8 train.py", "torchrun", 16, "ddp"),
    ("python -m torch.distributed.launch --nproc_per_node 2 train.py", "torchrun", 2, "ddp"),
    ("accelerate launch --num_processes 2 train.py", "accelerate", 2, "ddp"),
    ("accelerate launch --use_deepspeed --num_processes 2 train.py", "accelerate", 2, "deepspeed"),
    ("deepspeed --num_gpus 2 train.py --deepspeed ds.json", "deepspeed", 2, "deepspeed"),
    ("CUDA_VISIBLE_DEVICES=0 python train.py", "python", 1, "none"),
    ("srun --ntasks 4 python train.py", "srun", 4, "ddp"),
])
def test_launch_lines(line: str, launcher: str, world: int, strategy: str) -> None:
    (command,) = parse_launcher("run.sh", line + "\n")
    assert (command.launcher, command.world_size.value, command.strategy.value) == \
        (launcher, world, strategy)
    assert command.script == "train.py"


def test_launch_process_count_decided_at_run_time_is_unknown() -> None:
    (command,) = parse_launcher("run.sh", "torchrun --nproc_per_node gpu train.py\n")
    assert not command.world_size.known
    (command,) = parse_launcher("run.sh", "torchrun --nproc_per_node $GPUS train.py\n")
    assert not command.world_size.known


@pytest.mark.parametrize(("line", "world", "strategy"), [
    ("trl sft --config sft.yaml --num_processes 2", 2, "ddp"),
    ("trl dpo --config dpo.yaml --accelerate_config zero3", 8, "deepspeed"),
    ("trl sft --config sft.yaml --accelerate_config zero2 --num_processes 4", 4, "deepspeed"),
    ("trl grpo --accelerate_config single_gpu --model_name_or_path Qwen/Qwen2-0.5B", 1, "none"),
    ("swift sft --model Qwen/Qwen2.5-7B-Instruct", 1, "none"),
    ("NPROC_PER_NODE=4 swift sft --model Qwen/Qwen2.5-7B-Instruct", 4, "ddp"),
    ("NPROC_PER_NODE=8 NNODES=2 swift sft --model x --deepspeed zero3", 16, "deepspeed"),
    ("NNODES=2 swift pt config.yaml", 2, "ddp"),
])
def test_library_command_lines(line: str, world: int, strategy: str) -> None:
    """`trl sft` and `swift sft`: a library's own script, its processes from its options."""
    (command,) = parse_launcher("run.sh", line + "\n")
    tool, name = [word for word in line.split() if "=" not in word][:2]
    assert (command.launcher, command.world_size.value, command.strategy.value) == (tool, world, strategy)
    assert command.script == f"{tool} {name}"


def test_trl_without_process_options_reads_the_default_accelerate_config() -> None:
    (command,) = parse_launcher("run.sh", "trl sft --config sft.yaml\n")
    assert not command.world_size.known and "default accelerate config" in command.world_size.origin.detail


def test_backtick_comment_inside_a_command_keeps_the_rest_of_it() -> None:
    """MedicalGPT's run_grpo.sh: `# a note` between continued lines expands to nothing."""
    (command,) = parse_launcher("run.sh", "torchrun --nproc_per_node 2 train.py --lr 1e-4 \\\n"
                                          "    `# QLoRA配置` \\\n    --use_peft True \\\n    --bf16\n")
    assert [argument.text for argument in command.script_args] == \
        ["--lr", "1e-4", "--use_peft", "True", "--bf16"]
    assert command.script_args[2].span.line == 3


def test_methods_and_self_attributes_are_followed() -> None:
    facts = facts_of(
        "from peft import LoraConfig, get_peft_model\n"
        "from transformers import AutoModelForCausalLM, Trainer, TrainingArguments\n"
        "class Base:\n"
        "    def load(self, name):\n"
        "        self.model = get_peft_model(AutoModelForCausalLM.from_pretrained(name), LoraConfig())\n"
        "class Job(Base):\n"
        "    def __init__(self, name):\n"
        "        self.load(name)\n"
        "    def run(self):\n"
        "        Trainer(model=self.model, args=TrainingArguments(output_dir='o')).train()\n"
        "Job('gpt2').run()\n")
    (trainer,) = facts.trainers
    assert trainer.trained
    model = trainer.model
    assert getattr(getattr(model, "obj", None), "kind", None) == "peft"


def test_field_tables_are_exact_or_bracketed() -> None:
    """A version is judged by its own minor release's table, never by a neighbour's."""
    from peft_lint.knowledge.fields import fields

    def has(key: str, version: str) -> bool | None:
        table = fields("transformers.TrainingArguments", {"transformers": version})
        return None if table is None else key in table

    assert has("evaluation_strategy", "4.40.0") is True       # the 4.40 table, any patch
    assert has("evaluation_strategy", "4.45.1") is True
    assert has("evaluation_strategy", "4.50.3") is True       # deprecated, still a field
    assert has("evaluation_strategy", "4.51.0") is False      # removed in 4.51
    assert has("eval_strategy", "4.40.2") is False            # added in 4.41
    assert has("eval_strategy", "4.41.0") is True
    assert has("warmup_ratio", "4.30.0") is True              # the oldest table
    assert has("warmup_ratio", "5.14.1") is True
    assert has("warmup_ratio", "5.15.0") is False             # removed in 5.15
    assert has("warmup_ratio", "5.20.0") is False
    assert has("warmup_ratio", "4.29.2") is None              # older than every table: not judged
    assert has("warmup_ratio", "6.0.0") is None               # newer than every table: not judged
    assert has("warmup_ratio", "5.99.0") is None              # a minor without a table
    assert has("warmup_ratio", "4.41.0.dev0") is None         # a pre-release of a minor's first release

    def sft(key: str, trl: str, transformers: str | None) -> bool | None:
        versions = {"trl": trl} | ({"transformers": transformers} if transformers else {})
        table = fields("trl.SFTConfig", versions)
        return None if table is None else key in table

    assert sft("warmup_ratio", "0.24.0", "4.57.6") is True     # TrainingArguments' field at 4.57
    assert sft("warmup_ratio", "0.24.0", "5.24.0") is False    # and not at 5.24
    assert sft("max_seq_length", "0.19.1", "4.57.6") is True   # SFTConfig's own field at trl 0.19
    assert sft("max_seq_length", "0.24.0", "4.57.6") is False  # renamed max_length in trl 0.20
    assert sft("max_length", "0.24.0", "4.57.6") is True
    assert sft("max_length", "0.24.0", None) is None           # no transformers version: not judged
    assert sft("max_length", "0.8.6", "4.40.2") is None        # SFTConfig came with trl 0.9


def test_module_tables_follow_the_vit_rename() -> None:
    from peft_lint.knowledge.modules import module_names

    assert "query" in module_names("vit", "5.8.0")[0]         # before the 5.9.0 rename
    assert "q_proj" in module_names("vit", "5.12.0")[0]
    assert module_names("mixtral", "5.12.0") is None          # MoE fusion version not pinned down
    assert module_names("mixtral", "5.24.0") is not None


@pytest.mark.parametrize(("extra", "expected"), [("", True), ("rl: dpo\n", None)])
def test_axolotl_adapter_loader_adds_input_grads(tmp_path: Path, extra: str, expected: bool | None) -> None:
    config = tmp_path / "lora.yml"
    config.write_text("base_model: meta-llama/Llama-3.1-8B\nadapter: lora\ngradient_checkpointing: true\n"
                      + extra, encoding="utf-8")
    (setup,) = lint([config], LintOptions(use_installed=False)).setups
    grads = setup.checkpointing.input_grads
    assert (grads.value if grads.known else None) == expected
    assert setup.checkpointing.use_reentrant.is_(True) == (expected is not None)


def test_folder_mode_skips_git_ignored_files_and_virtualenvs(tmp_path: Path) -> None:
    import shutil
    import subprocess

    if shutil.which("git") is None:
        pytest.skip("needs git")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    script = "from peft import get_peft_model\nfrom transformers import Trainer\n"
    for folder in ("outputs/checkpoint-1", "my-env", "src"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "train.py").write_text(script, encoding="utf-8")
    (tmp_path / "my-env" / "pyvenv.cfg").write_text("home = /usr/bin\n", encoding="utf-8")
    (tmp_path / ".gitignore").write_text("outputs/\n", encoding="utf-8")
    result = lint([tmp_path], LintOptions(use_installed=False))
    assert [Path(file.path).parent.name for file in result.files] == ["src"]
