"""Shapes of real repositories that peft-lint misread (issue: precision on real repositories).

Each test is a false alarm that was fixed, in the shape that broke; the rule cases under
rules/*/cases hold the shapes that belong to one rule.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path


def run_json(folder: Path, *arguments: str) -> dict[str, object]:
    completed = subprocess.run([sys.executable, "-m", "peft_lint", "--ignore-installed", "--no-cache",
                                "--output-format", "json", *arguments], cwd=folder, capture_output=True,
                               text=True, check=False)
    assert completed.returncode in (0, 1), completed.stderr
    document: dict[str, object] = json.loads(completed.stdout)
    return document


def codes(document: dict[str, object]) -> list[tuple[str, str]]:
    diagnostics = document["diagnostics"]
    assert isinstance(diagnostics, list)
    return [(d["code"], d["path"]) for d in diagnostics]


def test_datasets_named_in_a_script_are_not_configs(tmp_path: Path) -> None:
    (tmp_path / "train.json").write_text('{"text": "a"}\n{"text": "b"}\n', encoding="utf-8")  # JSON lines
    (tmp_path / "eval.json").write_text('[{"text": "a"}]\n', encoding="utf-8")  # a JSON array
    (tmp_path / "settings.yaml").write_text("output_dir: out\nevaluation_stratgy: steps\n",
                                            encoding="utf-8")
    (tmp_path / "train.py").write_text(
        "import yaml\nfrom datasets import load_dataset\n"
        "from transformers import Trainer, TrainingArguments\n"
        "data = load_dataset('json', data_files={'train': 'train.json', 'eval': 'eval.json'})\n"
        "settings = yaml.safe_load(open('settings.yaml'))\n"
        "Trainer(model=None, args=TrainingArguments(**settings)).train()\n", encoding="utf-8")
    (tmp_path / "run.sh").write_text("python train.py --train_file train.json\n", encoding="utf-8")
    document = run_json(tmp_path, "--target-version", "transformers==5.24.0", ".")
    assert codes(document) == [("PFT701", "settings.yaml")]  # the config is still read


def write_notebook(path: Path, *sources: str) -> None:
    cells = [{"cell_type": "code", "source": source, "metadata": {}, "outputs": []} for source in sources]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}),
                    encoding="utf-8")


UNSLOTH_LOAD = ("from unsloth import FastLanguageModel\n"
                "model, tokenizer = FastLanguageModel.from_pretrained('unsloth/Llama-3.2-1B-Instruct',"
                " max_seq_length=2048)\n"
                "model = FastLanguageModel.get_peft_model(model, r=16, target_modules=['q_proj', 'v_proj'],"
                " use_gradient_checkpointing='unsloth', random_state=3407)\n")


def test_unsloth_configs_accept_unsloths_fields_and_its_release_pins_trl(tmp_path: Path) -> None:
    write_notebook(tmp_path / "grpo.ipynb", "%%capture\n!pip install unsloth==2025.3.19\n", UNSLOTH_LOAD,
                   "from trl import GRPOConfig, GRPOTrainer\n"
                   "args = GRPOConfig(output_dir='o', unsloth_num_chunks=-1, vllm_sampling_params=None,"
                   " learning_rate=5e-6)\n"
                   "GRPOTrainer(model=model, args=args, reward_funcs=[], train_dataset=[]).train()\n")
    document = run_json(tmp_path, "grpo.ipynb")
    assert codes(document) == []
    environment = document["environment"]
    assert isinstance(environment, dict)
    assert environment["unsloth"] == {"version": "2025.3.19", "source": "pin:grpo.ipynb (cell 1)"}
    trl = environment["trl"]
    assert isinstance(trl, dict) and trl["source"].startswith("range:unsloth 2025.3.19's requirements:")


def test_unsloth_drops_unknown_config_keys_on_new_releases(tmp_path: Path) -> None:
    """From unsloth 2026.8 an unknown key is dropped with a printed warning: no crash, but the
    setting does nothing; a warning, not an error."""
    write_notebook(tmp_path / "sft.ipynb", "!pip install unsloth==2026.10.9\n", UNSLOTH_LOAD,
                   "from trl import SFTConfig, SFTTrainer\n"
                   "args = SFTConfig(output_dir='o', learnign_rate=2e-4)\n"
                   "SFTTrainer(model=model, args=args, train_dataset=[]).train()\n")
    diagnostics = run_json(tmp_path, "sft.ipynb")["diagnostics"]
    assert isinstance(diagnostics, list)
    assert [(d["code"], d["severity"], d["cell"]) for d in diagnostics] == [("PFT701", "warning", 3)]
    assert "UnslothSFTConfig" in diagnostics[0]["message"] and "no effect" in diagnostics[0]["message"]


OLD_SCRIPT = ("from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training\n"
              "from transformers import AutoModelForCausalLM, Trainer, TrainingArguments\n"
              "model = AutoModelForCausalLM.from_pretrained('huggyllama/llama-7b', load_in_8bit=True)\n"
              "model = prepare_model_for_kbit_training(model)\n"
              "model = get_peft_model(model, LoraConfig(target_modules=['q_proj', 'v_proj']))\n"
              "args = TrainingArguments(output_dir='o', evaluation_strategy='steps')\n"
              "Trainer(model=model, args=args).train()\n")


def test_a_git_commit_pin_withholds_what_depends_on_that_version(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text(
        "transformers @ git+https://github.com/huggingface/transformers.git@0dcb46e7a4a9e587ba84ff35\n",
        encoding="utf-8")
    (tmp_path / "finetune.py").write_text(OLD_SCRIPT, encoding="utf-8")
    document = run_json(tmp_path, "finetune.py")
    assert codes(document) == []
    notes = document["notes"]
    assert isinstance(notes, list)
    assert any("findings that depend on the transformers version are not shown: transformers is "
               "installed from git commit 0dcb46e7a4" in note for note in notes), notes
    (tmp_path / "requirements.txt").write_text(
        "git+https://github.com/huggingface/transformers@v4.40.0#egg=transformers\n", encoding="utf-8")
    environment = run_json(tmp_path, "finetune.py")["environment"]
    assert isinstance(environment, dict)
    assert environment["transformers"] == {"version": "4.40.0", "source": "pin:requirements.txt"}


def test_a_librarys_own_source_tree_pins_its_version(tmp_path: Path) -> None:
    """Examples inside a vendored copy of a library run that copy (`pip install -e ./peft`)."""
    library = tmp_path / "peft"
    (library / "examples").mkdir(parents=True)
    (library / "setup.py").write_text(
        'from setuptools import setup\nsetup(name="peft", version="0.3.0.dev0")\n', encoding="utf-8")
    (library / "examples" / "train.py").write_text("from peft import LoraConfig\n", encoding="utf-8")
    environment = run_json(tmp_path, "peft/examples/train.py")["environment"]
    assert isinstance(environment, dict)
    assert environment["peft"] == {"version": "0.3.0.dev0",
                                   "source": "pin:peft/setup.py (the library's own source tree)"}


def test_what_a_notebook_installs_itself_beats_the_requirements_beside_it(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("transformers==4.40.2\n", encoding="utf-8")
    write_notebook(tmp_path / "nb.ipynb",
                   "import os\nif 'COLAB_' in ''.join(os.environ):\n    !pip install transformers==4.30.2\n"
                   "!pip install -q -U transformers peft\n", OLD_SCRIPT)
    environment = run_json(tmp_path, "nb.ipynb")["environment"]
    assert isinstance(environment, dict)  # unpinned at the top level: the newest; the branch: ignored
    assert environment["transformers"] == {"version": "5.24.0", "source": "newest:nb.ipynb (cell 1)"}


def test_a_sagemaker_estimator_launches_its_entry_point_in_its_image(tmp_path: Path) -> None:
    """The estimator's transformers_version is the container's; its hyperparameters are the
    script's flags; a requirements.txt in source_dir is installed on top."""
    scripts = tmp_path / "scripts"
    scripts.mkdir()
    (scripts / "train.py").write_text(
        "import argparse\nfrom transformers import Trainer, TrainingArguments\n"
        "parser = argparse.ArgumentParser()\nparser.add_argument('--epochs', type=int, default=1)\n"
        "parser.add_argument('--strategy', default='no')\noptions = parser.parse_args()\n"
        "args = TrainingArguments(output_dir='o', evaluation_strategy=options.strategy,\n"
        "                         num_train_epochs=options.epochs)\n"
        "Trainer(model=None, args=args).train()\n", encoding="utf-8")
    write_notebook(tmp_path / "sagemaker-notebook.ipynb",
                   "from sagemaker.huggingface import HuggingFace\n"
                   "hyperparameters = {'epochs': 3, 'strategy': 'epoch'}\n"
                   "estimator = HuggingFace(entry_point='train.py', source_dir='./scripts',\n"
                   "                        instance_type='ml.p3.2xlarge', instance_count=1, role=role,\n"
                   "                        transformers_version='4.40', pytorch_version='2.1',\n"
                   "                        py_version='py310', hyperparameters=hyperparameters)\n"
                   "estimator.fit()\n")
    document = run_json(tmp_path, ".")
    assert codes(document) == []
    environment = document["environment"]
    assert isinstance(environment, dict)
    assert environment["transformers"] == {"version": "4.40.2", "source": "image:sagemaker-notebook.ipynb:3"}
    (scripts / "requirements.txt").write_text("transformers==4.57.6\n", encoding="utf-8")
    assert codes(run_json(tmp_path, ".")) == [("PFT701", "scripts/train.py")]  # installed on top


def test_a_dropped_key_that_asks_for_the_default_of_its_later_release_is_harmless(tmp_path: Path) -> None:
    """trl 0.22 has no SFTConfig.loss_type (0.23 added it, default "nll"): unsloth drops it;
    asking for "nll" changes nothing, asking for something else is lost."""
    for value, expected in (("nll", []), ("dft", [("PFT701", "warning", 3)])):
        write_notebook(tmp_path / "sft.ipynb",
                       "!pip install unsloth==2026.10.9\n!pip install --no-deps trl==0.22.2\n", UNSLOTH_LOAD,
                       "from trl import SFTConfig, SFTTrainer\n"
                       f"args = SFTConfig(output_dir='o', loss_type='{value}')\n"
                       "SFTTrainer(model=model, args=args, train_dataset=[]).train()\n")
        diagnostics = run_json(tmp_path, "sft.ipynb")["diagnostics"]
        assert isinstance(diagnostics, list)
        assert [(d["code"], d["severity"], d["cell"]) for d in diagnostics] == expected, value


def test_an_unpinned_old_script_is_told_what_to_pin(tmp_path: Path) -> None:
    """Each removed API stays a finding (it crashes on today's releases), and one note says
    what the script was written for."""
    (tmp_path / "finetune.py").write_text(OLD_SCRIPT, encoding="utf-8")
    document = run_json(tmp_path, "finetune.py")
    assert [code for code in codes(document) if code[0] != "PFT105"] == \
        [("PFT303", "finetune.py"), ("PFT701", "finetune.py")]
    notes = document["notes"]
    assert isinstance(notes, list)
    (note,) = [note for note in notes if note.startswith("nothing pins")]
    assert "written for transformers 4.50.3 or older" in note and "pin transformers<=4.50.3" in note
    (tmp_path / "requirements.txt").write_text("transformers==4.40.2\npeft==0.10.0\n", encoding="utf-8")
    document = run_json(tmp_path, "finetune.py")
    assert codes(document) == []
    notes = document["notes"]
    assert isinstance(notes, list) and not any(note.startswith("nothing pins") for note in notes)


def test_keys_outside_the_field_tables_are_not_judged_and_say_so(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("trl==0.4.7\n", encoding="utf-8")
    (tmp_path / "train.py").write_text("from trl import SFTConfig, SFTTrainer\n"
                                       "args = SFTConfig(output_dir='o', not_a_field=1)\n"
                                       "SFTTrainer(model='gpt2', args=args).train()\n", encoding="utf-8")
    document = run_json(tmp_path, "train.py")
    assert codes(document) == []
    notes = document["notes"]
    assert isinstance(notes, list)
    assert "the keys of SFTConfig were not checked: trl 0.4.7 is older than peft-lint's field tables " \
           "(trl 0.7\u20131.16)" in notes


def test_broken_files_outside_any_run_are_not_reported(tmp_path: Path) -> None:
    """A folder's helper script or documentation notebook that does not parse is not a
    training run: peft-lint is not the tool to report it. A broken training script is."""
    (tmp_path / "plot.py").write_text("import matplotlib\nplt.plot(x y)\n", encoding="utf-8")
    write_notebook(tmp_path / "prompting.ipynb", "pipe = pipeline('text-generation')\n", ">>> pipe('hi')\n")
    (tmp_path / "train.py").write_text("from transformers import Trainer\nTrainer(model=\n", encoding="utf-8")
    assert codes(run_json(tmp_path, ".")) == [("PFT902", "train.py")]


def test_every_framework_config_in_a_folder_is_a_run(tmp_path: Path) -> None:
    """`llamafactory-cli train X.yaml` / `axolotl train X.yml`: in folder mode each LLaMA-Factory
    and axolotl config is a run of its own, with the DeepSpeed config it names."""
    examples = tmp_path / "examples"
    examples.mkdir()
    (examples / "llama3_lora_sft.yaml").write_text(
        "model_name_or_path: meta-llama/Meta-Llama-3-8B-Instruct\nstage: sft\ndo_train: true\n"
        "finetuning_type: lora\nlora_target: all\ndataset: identity\ntemplate: llama3\n"
        "output_dir: saves/llama3\ndeepspeed: ds_z3_config.json\n", encoding="utf-8")
    (examples / "ds_z3_config.json").write_text('{"zero_optimization": {"stage": 3}, '
                                                '"train_micro_batch_size_per_gpu": "auto"}', encoding="utf-8")
    (examples / "qlora.yml").write_text(
        "base_model: NousResearch/Llama-3.2-1B\nload_in_4bit: true\nadapter: qlora\nlora_r: 32\n"
        "datasets:\n  - path: teknium/GPT4-LLM-Cleaned\n    type: alpaca\nmicro_batch_size: 2\n"
        "gradient_checkpointing: true\n", encoding="utf-8")
    (examples / "dataset_info.yaml").write_text("identity:\n  file_name: identity.json\n", encoding="utf-8")
    summary = run_json(tmp_path, "examples")["summary"]
    assert isinstance(summary, dict) and summary["units"] == 2 and summary["files"] == 3


def test_the_projects_own_modules_are_read_with_the_script(tmp_path: Path) -> None:
    """`from utils import *`, `from .model import create_model`, `import package.module as m`:
    read (never imported), interpreted with the arguments of the call; findings point into them."""
    (tmp_path / "utils.py").write_text(
        "from peft import LoraConfig, get_peft_model\nfrom transformers import AutoModelForCausalLM\n"
        "import helpers  # a cycle back\n\n"
        "def load_model(name, rank=8):\n"
        "    model = AutoModelForCausalLM.from_pretrained(name)\n"
        "    return get_peft_model(model, LoraConfig(r=rank, lora_dropoutt=0.1))\n", encoding="utf-8")
    (tmp_path / "helpers.py").write_text("import utils\nSEED = 1\n", encoding="utf-8")
    (tmp_path / "train.py").write_text(
        "from transformers import Trainer, TrainingArguments\nfrom utils import *\n\n"
        "Trainer(model=load_model('gpt2'), args=TrainingArguments(output_dir='o')).train()\n",
        encoding="utf-8")
    assert codes(run_json(tmp_path, "train.py")) == [("PFT701", "utils.py")]
    package = tmp_path / "project"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "model.py").write_text(
        "from peft import PeftModel\nfrom transformers import AutoModelForCausalLM\n\n"
        "def create_model(base, adapter, trainable):\n"
        "    return PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base), adapter,\n"
        "                                     is_trainable=trainable)\n", encoding="utf-8")
    (package / "train.py").write_text(
        "from transformers import Trainer, TrainingArguments\nfrom .model import create_model\n"
        "import project.model as models\n\n"
        "first = create_model('gpt2', 'adapter', True)\n"
        "model = models.create_model('gpt2', 'adapter', False)\n"
        "Trainer(model=model, args=TrainingArguments(output_dir='o')).train()\n", encoding="utf-8")
    diagnostics = run_json(tmp_path, "project/train.py")["diagnostics"]
    assert isinstance(diagnostics, list)
    assert [(d["code"], d["path"], d["line"]) for d in diagnostics] == [("PFT602", "project/model.py", 5)]


def test_a_helper_module_shared_by_scripts_is_read_for_each_of_them(tmp_path: Path) -> None:
    """Two scripts import one helper; what one script does to its dict never leaks into the other."""
    (tmp_path / "common.py").write_text(
        "from peft import LoraConfig\nDEFAULTS = {'r': 8}\n\ndef adapter():\n"
        "    return LoraConfig(**DEFAULTS)\n", encoding="utf-8")
    mutation = "DEFAULTS['target_modules'] = ['q_proj']\n"
    for name, model, extra in (("a.py", "meta-llama/Llama-3.2-1B", mutation), ("b.py", "gpt2", "")):
        (tmp_path / name).write_text(
            "from peft import get_peft_model\nfrom transformers import AutoModelForCausalLM, Trainer, "
            "TrainingArguments\nfrom common import DEFAULTS, adapter\n" + extra +
            f"model = get_peft_model(AutoModelForCausalLM.from_pretrained('{model}'), adapter())\n"
            "Trainer(model=model, args=TrainingArguments(output_dir='o')).train()\n", encoding="utf-8")
    assert codes(run_json(tmp_path, "--jobs", "1", ".")) == []  # b.py's gpt2 never sees q_proj


ARGPARSE_SCRIPT = '''import argparse

from peft import AdaLoraConfig, LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, Trainer, TrainingArguments


def str2bool(text):
    return text.lower() in ("yes", "true", "1")


parser = argparse.ArgumentParser()
group = parser.add_argument_group("adapter")
group.add_argument("--use-adalora", action="store_true")
parser.add_argument("--rank", type=int, default=8)
parser.add_argument("--gradient_checkpointing", type=str2bool, default=False)
parser.add_argument("--reentrant", type=lambda text: text == "1", default=False)
args = parser.parse_args()

model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B")
if args.use_adalora:
    config = AdaLoraConfig(init_r=args.rank, target_modules=["q_proj", "v_proj"], total_step=1000)
else:
    config = LoraConfig(r=args.rank, target_modules=["q_proj", "v_proj"])
model = get_peft_model(model, config)
model.enable_input_require_grads()
arguments = TrainingArguments(output_dir="out", gradient_checkpointing=args.gradient_checkpointing,
                              gradient_checkpointing_kwargs={"use_reentrant": args.reentrant})
Trainer(model=model, args=arguments).train()
'''


def test_argparse_flags_come_from_the_launcher_else_the_defaults(tmp_path: Path) -> None:
    """A flag chain from a shell launcher: store_true, type=int, a str2bool function and a
    lambda; without the flags, the parser's defaults decide (plain LoRA, no checkpointing)."""
    (tmp_path / "requirements.txt").write_text("transformers==4.57.6\npeft==0.17.1\n", encoding="utf-8")
    (tmp_path / "train.py").write_text(ARGPARSE_SCRIPT, encoding="utf-8")
    (tmp_path / "launch.sh").write_text(
        "#!/bin/bash\ntorchrun --nproc_per_node 2 train.py --use-adalora --rank 16 \\\n"
        "    --gradient_checkpointing yes --reentrant 1\n", encoding="utf-8")
    found = [code for code, _ in codes(run_json(tmp_path, "train.py", "launch.sh"))]
    assert "PFT101" in found  # AdaLoRA + reentrant checkpointing under DDP
    assert codes(run_json(tmp_path, "train.py")) == []


def test_a_flag_value_is_reported_where_the_call_passes_it(tmp_path: Path) -> None:
    (tmp_path / "serve.py").write_text(
        "import argparse\nfrom transformers import AutoModelForCausalLM\n"
        "parser = argparse.ArgumentParser()\nparser.add_argument('--int8', action='store_true')\n"
        "args = parser.parse_args()\n"
        "model = AutoModelForCausalLM.from_pretrained('gpt2',\n"
        "                                             load_in_8bit=args.int8)\n", encoding="utf-8")
    diagnostics = run_json(tmp_path, "serve.py")["diagnostics"]
    assert isinstance(diagnostics, list)
    assert [(d["code"], d["line"]) for d in diagnostics] == [("PFT303", 7)]  # not the argparse line


CASE = Path(__file__).resolve().parent.parent / "rules" / "pft101_adalora_reentrant_gc_ddp" / "cases" / \
    "hfparser_yaml_torchrun_4x"


def launcher_run(tmp_path: Path, launcher: str, config_name: str = "config.yaml") -> list[tuple[str, str]]:
    import shutil

    for name in ("train.py", "requirements.txt"):
        shutil.copy(CASE / name, tmp_path / name)
    (tmp_path / "configs").mkdir(exist_ok=True)
    shutil.copy(CASE / "config.yaml", tmp_path / "configs" / config_name)
    (tmp_path / "launch.sh").write_text(launcher, encoding="utf-8")
    return codes(run_json(tmp_path, "."))


def test_shell_launchers_are_read_as_bash_runs_them(tmp_path: Path) -> None:
    """`${1:-config}` takes its default, a multi-line quoted DISTRIBUTED_ARGS splits into
    flags, an env file is sourced, arrays expand, an undecided `case` makes each arm a run."""
    (tmp_path / "env.sh").write_text("export GPUS_PER_NODE=4\n", encoding="utf-8")
    launcher = ('#!/bin/bash\nsource ./env.sh\nCONFIG=${1:-configs/config.yaml}\n'
                'DISTRIBUTED_ARGS="--nproc_per_node $GPUS_PER_NODE \\\n    --nnodes ${NNODES:-1} \\\n'
                '    --master_port 29500"\nEXTRA=(--standalone)\n'
                'torchrun "${EXTRA[@]}" $DISTRIBUTED_ARGS train.py $CONFIG\n')
    assert ("PFT101", "train.py") in launcher_run(tmp_path, launcher)
    one_process = launcher.replace("export GPUS_PER_NODE=4", "export GPUS_PER_NODE=1")
    (tmp_path / "env.sh").write_text("export GPUS_PER_NODE=1\n", encoding="utf-8")
    assert ("PFT101", "train.py") not in launcher_run(tmp_path, one_process)
    branches = ('#!/bin/bash\ncase "$MODE" in\n'
                '  debug) torchrun --nproc_per_node 1 train.py configs/config.yaml ;;\n'
                '  *) torchrun --nproc_per_node 8 train.py configs/config.yaml ;;\nesac\n')
    assert ("PFT101", "train.py") in launcher_run(tmp_path, branches)


def test_environment_variables_come_from_the_launchers_exports(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("transformers==4.57.6\npeft==0.21.2\n", encoding="utf-8")
    (tmp_path / "train.py").write_text(
        "import os\nfrom peft import AdaLoraConfig, LoraConfig, get_peft_model\n"
        "from transformers import AutoModelForCausalLM, Trainer, TrainingArguments\n"
        "model = AutoModelForCausalLM.from_pretrained('Qwen/Qwen2.5-0.5B')\n"
        "model.enable_input_require_grads()\n"
        "method = os.environ.get('PEFT_METHOD', 'lora')\n"
        "config = AdaLoraConfig(total_step=100, target_modules=['q_proj']) if method == 'adalora' \\\n"
        "    else LoraConfig(target_modules=['q_proj'])\n"
        "model = get_peft_model(model, config)\n"
        "args = TrainingArguments(output_dir='o', gradient_checkpointing=os.getenv('GC', '0') == '1')\n"
        "Trainer(model=model, args=args).train()\n", encoding="utf-8")
    (tmp_path / "launch.sh").write_text("#!/bin/bash\nexport PEFT_METHOD=adalora\n"
                                        "GC=1 torchrun --nproc_per_node 2 train.py\n", encoding="utf-8")
    assert ("PFT101", "train.py") in codes(run_json(tmp_path, "."))
    assert codes(run_json(tmp_path, "train.py")) == []  # without the launcher: the defaults


def test_nproc_per_node_gpu_counts_the_visible_devices(tmp_path: Path) -> None:
    launcher = ("#!/bin/bash\nexport CUDA_VISIBLE_DEVICES=0,1,2,3\n"
                "torchrun --nproc_per_node gpu train.py configs/config.yaml\n")
    assert ("PFT101", "train.py") in launcher_run(tmp_path, launcher)
    one = launcher.replace("0,1,2,3", "0")
    assert ("PFT101", "train.py") not in launcher_run(tmp_path, one)


def test_trl_parser_config_keys_are_checked_as_trl_does(tmp_path: Path) -> None:
    """TrlParser's --config YAML: from TRL 0.19 an unknown key raises; before, it was dropped."""
    (tmp_path / "sft.py").write_text(
        "from dataclasses import dataclass\nfrom trl import ModelConfig, SFTConfig, SFTTrainer, TrlParser\n\n"
        "@dataclass\nclass ScriptArguments:\n    dataset_name: str = 'trl-lib/Capybara'\n\n"
        "parser = TrlParser((ScriptArguments, SFTConfig))\n"
        "script_args, training_args = parser.parse_args_and_config()\n"
        "SFTTrainer(model='Qwen/Qwen2.5-0.5B', args=training_args, train_dataset=[]).train()\n",
        encoding="utf-8")
    (tmp_path / "recipe.yaml").write_text("dataset_name: trl-lib/Capybara\noutput_dir: out\n"
                                          "learning_rate: 2.0e-5\nlearning_rat: 1.0e-4\n"
                                          "env:\n  WANDB_PROJECT: demo\n", encoding="utf-8")
    (tmp_path / "run.sh").write_text("accelerate launch sft.py --config recipe.yaml\n", encoding="utf-8")
    for pin, severity in (("trl==1.16.0", "error"), ("trl==0.15.2", "warning")):
        (tmp_path / "requirements.txt").write_text(pin + "\ntransformers==4.57.6\n", encoding="utf-8")
        diagnostics = run_json(tmp_path, ".")["diagnostics"]
        assert isinstance(diagnostics, list)
        assert [(d["code"], d["path"], d["severity"]) for d in diagnostics] == \
            [("PFT701", "recipe.yaml", severity)], pin


def test_fire_binds_the_launchers_flags_to_the_functions_parameters(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("transformers==4.57.6\npeft==0.21.2\n", encoding="utf-8")
    (tmp_path / "finetune.py").write_text(
        "import fire\nfrom peft import AdaLoraConfig, LoraConfig, get_peft_model\n"
        "from transformers import AutoModelForCausalLM, Trainer, TrainingArguments\n\n"
        "def train(base_model='Qwen/Qwen2.5-0.5B', adalora=False, gc=False):\n"
        "    model = AutoModelForCausalLM.from_pretrained(base_model)\n"
        "    model.enable_input_require_grads()\n"
        "    config = AdaLoraConfig(total_step=100, target_modules=['q_proj']) if adalora \\\n"
        "        else LoraConfig(target_modules=['q_proj'])\n"
        "    model = get_peft_model(model, config)\n"
        "    arguments = TrainingArguments(output_dir='o', gradient_checkpointing=gc)\n"
        "    Trainer(model=model, args=arguments).train()\n\n"
        "if __name__ == '__main__':\n    fire.Fire(train)\n", encoding="utf-8")
    (tmp_path / "run.sh").write_text("torchrun --nproc_per_node 2 finetune.py --adalora --gc True\n",
                                     encoding="utf-8")
    assert ("PFT101", "finetune.py") in codes(run_json(tmp_path, "."))
    assert codes(run_json(tmp_path, "finetune.py")) == []  # the defaults: LoRA, no checkpointing


def test_a_config_whose_path_is_chosen_at_run_time_leaves_its_fields_unknown(tmp_path: Path) -> None:
    """Never the class defaults: `explain` says the fields may come from that config."""
    (tmp_path / "train.py").write_text(
        "import argparse\nimport yaml\nfrom transformers import Trainer, TrainingArguments\n"
        "parser = argparse.ArgumentParser()\nparser.add_argument('--config', required=True)\n"
        "args = parser.parse_args()\nsettings = yaml.safe_load(open(args.config))\n"
        "Trainer(model=None, args=TrainingArguments(**settings['training'])).train()\n", encoding="utf-8")
    completed = subprocess.run([sys.executable, "-m", "peft_lint", "explain", "--ignore-installed",
                                "train.py"], cwd=tmp_path, capture_output=True, text=True, check=False)
    line = next(line for line in completed.stdout.splitlines()
                if line.strip().startswith("gradient_checkpointing "))
    assert "unknown: `gradient_checkpointing` may be set by config loaded from" in line, line
    assert "(train.py:7)" in line


def test_explain_shows_the_launcher_variables_behind_a_run(tmp_path: Path) -> None:
    (tmp_path / "env.sh").write_text("export GPUS_PER_NODE=4\n", encoding="utf-8")
    launcher = ('#!/bin/bash\nsource ./env.sh\n'
                'DISTRIBUTED_ARGS="--nproc_per_node $GPUS_PER_NODE --nnodes 1"\n'
                "torchrun $DISTRIBUTED_ARGS train.py configs/config.yaml\n")
    launcher_run(tmp_path, launcher)
    completed = subprocess.run([sys.executable, "-m", "peft_lint", "explain", "--ignore-installed",
                                "train.py", "launch.sh", "configs/config.yaml"], cwd=tmp_path,
                               capture_output=True, text=True, check=False)
    lines = [" ".join(line.split()) for line in completed.stdout.splitlines()]
    assert "world size 4 written at launch.sh:4" in lines, lines
    assert 'launcher $GPUS_PER_NODE "4" written at env.sh:1' in lines
    assert 'launcher $DISTRIBUTED_ARGS "--nproc_per_node 4 --nnodes 1" written at launch.sh:3' in lines


def test_click_options_are_bound_like_flags(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("transformers==4.57.6\npeft==0.21.2\n", encoding="utf-8")
    (tmp_path / "train.py").write_text(
        "import click\nfrom peft import AdaLoraConfig, LoraConfig, get_peft_model\n"
        "from transformers import AutoModelForCausalLM, Trainer, TrainingArguments\n\n"
        "@click.command()\n@click.option('--adalora', is_flag=True)\n"
        "@click.option('--gradient-checkpointing', 'gc', type=bool, default=False)\n"
        "def main(adalora, gc):\n"
        "    model = AutoModelForCausalLM.from_pretrained('Qwen/Qwen2.5-0.5B')\n"
        "    model.enable_input_require_grads()\n"
        "    config = AdaLoraConfig(total_step=100, target_modules=['q_proj']) if adalora \\\n"
        "        else LoraConfig(target_modules=['q_proj'])\n"
        "    model = get_peft_model(model, config)\n"
        "    arguments = TrainingArguments(output_dir='o', gradient_checkpointing=gc)\n"
        "    Trainer(model=model, args=arguments).train()\n\n"
        "if __name__ == '__main__':\n    main()\n", encoding="utf-8")
    (tmp_path / "run.sh").write_text(
        "torchrun --nproc_per_node 2 train.py --adalora --gradient-checkpointing 1\n", encoding="utf-8")
    assert ("PFT101", "train.py") in codes(run_json(tmp_path, "."))
    assert codes(run_json(tmp_path, "train.py")) == []
