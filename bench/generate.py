"""Generate the benchmark corpus: N run units of realistic PEFT fine-tuning projects.

    python bench/generate.py                 # 1,000 units into bench/corpus (git-ignored)
    python bench/generate.py --units 200 --out /tmp/corpus

Each unit is a folder with a training script of 100-800 lines in one of the shapes real
fine-tuning repositories use (HfArgumentParser + YAML, TRL SFTTrainer, a custom accelerate
loop with AdaLoRA, QLoRA on one GPU), its configs (TrainingArguments YAML, DeepSpeed JSON,
accelerate YAML) and a launcher (torchrun, accelerate launch, deepspeed). Scripts are padded
with the helper code real projects carry (data formatting, metrics, dataclasses, logging) so
the parser and the interpreter see realistic sizes. The same seed gives the same corpus.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODELS = ["meta-llama/Llama-2-7b-hf", "Qwen/Qwen2.5-7B", "mistralai/Mistral-7B-v0.1", "facebook/opt-1.3b",
          "tiiuae/falcon-7b", "google/gemma-2b", "microsoft/phi-2"]
TARGETS = [["q_proj", "v_proj"], ["q_proj", "k_proj", "v_proj", "o_proj"], "all-linear"]

HELPERS = [
    '''
def format_example_{n}(example, tokenizer, max_length={length}):
    """Turn one instruction record into a training string."""
    prompt = example.get("instruction", "")
    if example.get("input"):
        prompt += "\\n\\n" + example["input"]
    text = f"### Instruction:\\n{{prompt}}\\n\\n### Response:\\n{{example.get('output', '')}}"
    tokens = tokenizer(text, truncation=True, max_length=max_length, padding=False)
    tokens["labels"] = list(tokens["input_ids"])
    return tokens
''',
    '''
def compute_metrics_{n}(eval_prediction):
    logits, labels = eval_prediction
    predictions = logits.argmax(-1)
    mask = labels != -100
    correct = (predictions[mask] == labels[mask]).sum()
    total = mask.sum()
    return {{"accuracy": float(correct) / max(int(total), 1), "tokens": int(total)}}
''',
    '''
@dataclass
class DataArguments{n}:
    dataset_name: str = field(default="tatsu-lab/alpaca", metadata={{"help": "hub dataset"}})
    dataset_split: str = field(default="train")
    max_samples: Optional[int] = field(default=None)
    validation_fraction: float = field(default={fraction})
    max_length: int = field(default={length})
    num_workers: int = field(default=4)
    shuffle_seed: int = field(default={seed})
''',
    '''
def setup_logging_{n}(level="INFO"):
    logging.basicConfig(
        format="%(asctime)s - %(levelname)s - %(name)s - %(message)s",
        datefmt="%m/%d/%Y %H:%M:%S",
        level=getattr(logging, level),
    )
    logger = logging.getLogger(__name__)
    for noisy in ("urllib3", "filelock", "datasets"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return logger
''',
    '''
class Collator{n}:
    def __init__(self, tokenizer, pad_to_multiple_of={multiple}):
        self.tokenizer = tokenizer
        self.pad_to_multiple_of = pad_to_multiple_of

    def __call__(self, features):
        batch = self.tokenizer.pad(
            [{{"input_ids": f["input_ids"]}} for f in features],
            pad_to_multiple_of=self.pad_to_multiple_of,
            return_tensors="pt",
        )
        labels = [f["labels"] + [-100] * (batch["input_ids"].shape[1] - len(f["labels"])) for f in features]
        batch["labels"] = torch.tensor(labels)
        return batch
''',
    '''
def count_parameters_{n}(model):
    trainable, total = 0, 0
    for name, parameter in model.named_parameters():
        total += parameter.numel()
        if parameter.requires_grad:
            trainable += parameter.numel()
    print(f"trainable params: {{trainable:,}} || all params: {{total:,}} || "
          f"trainable%: {{100 * trainable / max(total, 1):.4f}}")
    return trainable, total
''',
]

HEADER = '''"""Fine-tune {model} with {method} ({shape}); generated for the peft-lint benchmark."""
import logging
import math
import os
import sys
from dataclasses import dataclass, field
from typing import Optional

import torch
from datasets import load_dataset
from peft import {peft_imports}
from transformers import {transformers_imports}
'''

SHAPES = {
    "hfparser": '''

@dataclass
class ModelArguments:
    model_name_or_path: str = field(default="{model}")
    lora_r: int = field(default={r})
    lora_alpha: int = field(default={alpha})


def main():
    parser = HfArgumentParser((ModelArguments, TrainingArguments))
    if len(sys.argv) == 2 and sys.argv[1].endswith(".yaml"):
        model_args, training_args = parser.parse_yaml_file(os.path.abspath(sys.argv[1]))
    else:
        model_args, training_args = parser.parse_args_into_dataclasses()
    tokenizer = AutoTokenizer.from_pretrained(model_args.model_name_or_path)
    model = AutoModelForCausalLM.from_pretrained(model_args.model_name_or_path, torch_dtype=torch.bfloat16)
    config = LoraConfig(r=model_args.lora_r, lora_alpha=model_args.lora_alpha, target_modules={targets},
                        task_type="CAUSAL_LM")
    model = get_peft_model(model, config)
    dataset = load_dataset("tatsu-lab/alpaca", split="train")
    trainer = Trainer(model=model, args=training_args, train_dataset=dataset)
    trainer.train()
    trainer.save_model(training_args.output_dir)


if __name__ == "__main__":
    main()
''',
    "sft": '''

def main():
    model = AutoModelForCausalLM.from_pretrained("{model}", torch_dtype=torch.bfloat16)
    tokenizer = AutoTokenizer.from_pretrained("{model}")
    peft_config = LoraConfig(r={r}, lora_alpha={alpha}, lora_dropout=0.05, target_modules={targets},
                             task_type="CAUSAL_LM")
    args = SFTConfig(
        output_dir="outputs/{name}",
        per_device_train_batch_size={batch},
        gradient_accumulation_steps=4,
        learning_rate=2e-4,
        max_steps={steps},
        gradient_checkpointing={gc},
        bf16=True,
        logging_steps=10,
        save_strategy="steps",
        save_steps=100,
    )
    dataset = load_dataset("trl-lib/Capybara", split="train")
    trainer = SFTTrainer(model=model, args=args, train_dataset=dataset, peft_config=peft_config,
                         processing_class=tokenizer)
    trainer.train()
    trainer.save_model()


if __name__ == "__main__":
    main()
''',
    "accelerate_adalora": '''

def main():
    accelerator = Accelerator(gradient_accumulation_steps=2)
    model = AutoModelForCausalLM.from_pretrained("{model}")
    config = AdaLoraConfig(init_r={r}, target_r=4, tinit=50, tfinal=100, total_step={steps},
                           target_modules={targets}, task_type="CAUSAL_LM")
    model = get_peft_model(model, config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4)
    dataset = load_dataset("tatsu-lab/alpaca", split="train")
    loader = torch.utils.data.DataLoader(dataset, batch_size={batch}, shuffle=True)
    model, optimizer, loader = accelerator.prepare(model, optimizer, loader)
    model.train()
    for step, batch in enumerate(loader):
        outputs = model(**batch)
        accelerator.backward(outputs.loss)
        optimizer.step()
        model.base_model.update_and_allocate(step)
        optimizer.zero_grad()
        if step >= {steps}:
            break
    accelerator.wait_for_everyone()
    accelerator.unwrap_model(model).save_pretrained("outputs/{name}")


if __name__ == "__main__":
    main()
''',
    "qlora": '''

def main():
    bnb = BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                             bnb_4bit_compute_dtype=torch.bfloat16, bnb_4bit_use_double_quant=True)
    model = AutoModelForCausalLM.from_pretrained("{model}", quantization_config=bnb, device_map="auto")
    model = prepare_model_for_kbit_training(model, gradient_checkpointing_kwargs={{"use_reentrant": False}})
    model = get_peft_model(model, LoraConfig(r={r}, lora_alpha={alpha}, target_modules={targets},
                                             task_type="CAUSAL_LM"))
    args = TrainingArguments(output_dir="outputs/{name}", per_device_train_batch_size={batch},
                             max_steps={steps}, learning_rate=2e-4, bf16=True, logging_steps=10)
    dataset = load_dataset("tatsu-lab/alpaca", split="train")
    Trainer(model=model, args=args, train_dataset=dataset).train()
    model.save_pretrained("outputs/{name}")


if __name__ == "__main__":
    main()
''',
}

IMPORTS = {
    "hfparser": ("LoraConfig, get_peft_model",
                 "AutoModelForCausalLM, AutoTokenizer, HfArgumentParser, Trainer, TrainingArguments"),
    "sft": ("LoraConfig", "AutoModelForCausalLM, AutoTokenizer"),
    "accelerate_adalora": ("AdaLoraConfig, get_peft_model", "AutoModelForCausalLM"),
    "qlora": ("LoraConfig, get_peft_model, prepare_model_for_kbit_training",
              "AutoModelForCausalLM, BitsAndBytesConfig, Trainer, TrainingArguments"),
}


def script(shape: str, name: str, rng: random.Random) -> str:
    peft_imports, transformers_imports = IMPORTS[shape]
    text = HEADER.format(model="x", method="LoRA", shape=shape, peft_imports=peft_imports,
                         transformers_imports=transformers_imports)
    if shape == "sft":
        text += "from trl import SFTConfig, SFTTrainer\n"
    if shape == "accelerate_adalora":
        text += "from accelerate import Accelerator\n"
    target_lines = rng.randint(100, 800)
    helpers: list[str] = []
    number = 0
    while len(text.splitlines()) + sum(len(h.splitlines()) for h in helpers) + 40 < target_lines:
        template = rng.choice(HELPERS)
        helpers.append(template.format(n=number, length=rng.choice([512, 1024, 2048]),
                                       fraction=rng.choice([0.01, 0.05, 0.1]), seed=rng.randint(0, 99),
                                       multiple=rng.choice([8, 16, 64])))
        number += 1
    text += "".join(helpers)
    text += SHAPES[shape].format(model=rng.choice(MODELS), r=rng.choice([8, 16, 32, 64]),
                                 alpha=rng.choice([16, 32]), targets=json.dumps(rng.choice(TARGETS)),
                                 name=name, batch=rng.choice([1, 2, 4, 8]),
                                 steps=rng.choice([500, 1000, 2000]), gc=rng.choice(["True", "False"]))
    return text


def training_yaml(rng: random.Random) -> str:
    lines = ["output_dir: outputs/run", f"per_device_train_batch_size: {rng.choice([1, 2, 4])}",
             "gradient_accumulation_steps: 8", "learning_rate: 2.0e-4",
             f"max_steps: {rng.choice([500, 1000])}",
             "bf16: true", "logging_steps: 10", f"gradient_checkpointing: {rng.choice(['true', 'false'])}",
             "save_strategy: steps", "save_steps: 200", "report_to: none"]
    if rng.random() < 0.5:
        lines += ["gradient_checkpointing_kwargs:", "  use_reentrant: false"]
    if rng.random() < 0.3:
        lines.append("deepspeed: ds_config.json")
    return "\n".join(lines) + "\n"


def deepspeed_json(rng: random.Random) -> str:
    return json.dumps({"zero_optimization": {"stage": rng.choice([2, 3]), "overlap_comm": True,
                                             "contiguous_gradients": True},
                       "bf16": {"enabled": "auto"}, "train_micro_batch_size_per_gpu": "auto",
                       "gradient_accumulation_steps": "auto", "gradient_clipping": 1.0}, indent=2) + "\n"


def accelerate_yaml(rng: random.Random) -> str:
    return ("compute_environment: LOCAL_MACHINE\ndistributed_type: MULTI_GPU\nmachine_rank: 0\n"
            f"mixed_precision: bf16\nnum_machines: 1\nnum_processes: {rng.choice([2, 4, 8])}\n"
            "use_cpu: false\n")


def unit(folder: Path, shape: str, rng: random.Random) -> None:
    folder.mkdir(parents=True)
    (folder / "train.py").write_text(script(shape, folder.name, rng), encoding="utf-8")
    processes = rng.choice([1, 2, 4, 8])
    if shape == "hfparser":
        config = training_yaml(rng)
        (folder / "config.yaml").write_text(config, encoding="utf-8")
        if "deepspeed:" in config:
            (folder / "ds_config.json").write_text(deepspeed_json(rng), encoding="utf-8")
        launch = f"torchrun --nproc_per_node {processes} train.py config.yaml\n"
    elif shape in ("sft", "accelerate_adalora"):
        (folder / "accelerate.yaml").write_text(accelerate_yaml(rng), encoding="utf-8")
        launch = "accelerate launch --config_file accelerate.yaml train.py\n"
    else:
        (folder / "requirements.txt").write_text("torch==2.13.0\ntransformers==4.57.6\npeft==0.17.1\n"
                                                 "bitsandbytes>=0.45\n", encoding="utf-8")
        launch = "python train.py\n"
    (folder / "launch.sh").write_text("#!/bin/bash\nset -euo pipefail\nexport WANDB_DISABLED=true\n" + launch,
                                      encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=1000)
    parser.add_argument("--out", type=Path, default=HERE / "corpus")
    parser.add_argument("--seed", type=int, default=20261128)
    arguments = parser.parse_args()
    rng = random.Random(arguments.seed)
    if arguments.out.exists():
        shutil.rmtree(arguments.out)
    shapes = sorted(SHAPES)
    for number in range(arguments.units):
        unit(arguments.out / f"unit{number:04d}", shapes[number % len(shapes)], rng)
    files = sum(1 for path in arguments.out.rglob("*") if path.is_file())
    lines = sum(len(path.read_text(encoding="utf-8").splitlines()) for path in arguments.out.rglob("*.py"))
    print(f"{arguments.units} units, {files} files, {lines} script lines in {arguments.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
