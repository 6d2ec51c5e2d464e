"""One runner for every reproduction: build a tiny model, apply a setup, train, record the outcome.

A scenario is data (a rule's `repro.toml` run, see tests/repro/test_repro.py): the raw
setup a user writes, never the values peft-lint resolved, so the real libraries apply
their own defaults. Models are built from a config in code; data are random tokens or
pixels. Run in-process with `run_scenario(spec)`, or as a script under torchrun:

    torchrun --standalone --nproc_per_node 2 tests/repro/harness.py '<scenario json>'

which prints one `RESULT {...}` line per rank, or writes `result-<rank>.json` into the
folder named by PEFT_LINT_REPRO_OUT.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import warnings
from typing import Any

VOCAB = 128
SEQ = 16
NO_GRAD_WARNING = "None of the inputs have requires_grad=True"


def _version_at_least(module: Any, minimum: str) -> bool:
    def key(text: str) -> tuple[int, ...]:
        return tuple(int(part) for part in text.split("+")[0].split(".")[:3] if part.isdigit())

    return key(module.__version__) >= key(minimum)


def build_model(kind: str) -> tuple[Any, list[str]]:
    import torch
    import transformers

    torch.manual_seed(0)
    if kind in ("causal", "seq_cls"):
        config = transformers.LlamaConfig(
            vocab_size=VOCAB, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
            num_attention_heads=4, num_key_value_heads=4, max_position_embeddings=SEQ * 2,
            use_cache=False, pad_token_id=0, num_labels=2)
        model_class = transformers.LlamaForCausalLM if kind == "causal" else \
            transformers.LlamaForSequenceClassification
        return model_class(config), ["q_proj", "v_proj"]
    if kind == "gemma3":
        # Gemma 3's multimodal model (what AutoModelForCausalLM loads for gemma-3-4b and up), text-only data
        config = transformers.Gemma3Config(
            text_config={"vocab_size": VOCAB, "hidden_size": 64, "intermediate_size": 128,
                         "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 4,
                         "head_dim": 16, "max_position_embeddings": SEQ * 2, "sliding_window": SEQ,
                         "use_cache": False},
            vision_config={"hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1,
                           "num_attention_heads": 2, "image_size": 28, "patch_size": 14},
            mm_tokens_per_image=4, image_token_index=VOCAB - 1, boi_token_index=VOCAB - 3,
            eoi_token_index=VOCAB - 2)
        return transformers.AutoModelForCausalLM.from_config(config), ["q_proj", "v_proj"]
    if kind == "vit":
        config = transformers.ViTConfig(image_size=32, patch_size=8, hidden_size=64, num_hidden_layers=2,
                                        num_attention_heads=4, intermediate_size=128, num_labels=3)
        # transformers 5.9 renamed ViT's query/value projections
        targets = ["q_proj", "v_proj"] if _version_at_least(transformers, "5.9.0") else ["query", "value"]
        return transformers.ViTForImageClassification(config), targets
    raise ValueError(f"unknown model kind {kind!r}")


class RandomData:
    def __init__(self, kind: str, size: int = 32, vocab: int = VOCAB) -> None:
        import torch

        generator = torch.Generator().manual_seed(1234)
        self.kind = kind
        self.size = size
        if kind == "vit":
            self.pixels = torch.randn(size, 3, 32, 32, generator=generator)
            self.labels = torch.randint(0, 3, (size,), generator=generator)
        else:
            # Gemma 3's last three ids are its image markers: text-only data stays below them
            top = vocab - 3 if kind == "gemma3" else vocab
            self.ids = torch.randint(1, top, (size, SEQ), generator=generator)
            self.labels = torch.randint(0, 2, (size,), generator=generator)

    def __len__(self) -> int:
        return self.size

    def __getitem__(self, index: int) -> dict[str, Any]:
        import torch

        if self.kind == "vit":
            return {"pixel_values": self.pixels[index], "labels": self.labels[index]}
        ids = self.ids[index]
        labels = ids.clone() if self.kind in ("causal", "gemma3") else self.labels[index]
        return {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": labels}


def adapter_config(spec: dict[str, Any], targets: list[str]) -> Any:
    import peft

    task = {"causal": "CAUSAL_LM", "gemma3": "CAUSAL_LM", "seq_cls": "SEQ_CLS", "vit": None}[
        spec.get("model", "causal")]
    task = spec.get("task_type", task)
    options: dict[str, Any] = {"target_modules": targets, "lora_dropout": 0.0}
    if task:
        options["task_type"] = task
    if spec.get("adapter", "lora") == "adalora":
        steps = spec.get("steps", 6)
        options.update(init_r=6, target_r=2, total_step=steps, tinit=1, tfinal=1, deltaT=1)
        options.update(spec.get("adapter_kwargs", {}))
        for key in spec.get("adapter_unset", []):
            options.pop(key, None)
        return peft.AdaLoraConfig(**options)
    options.update(r=4, lora_alpha=8)
    options.update(spec.get("adapter_kwargs", {}))
    return peft.LoraConfig(**options)


def _enable_gc(model: Any, options: dict[str, Any] | None) -> None:
    method = getattr(model, "activation_checkpointing_enable", None)
    if method is not None:
        method(activation_checkpointing_kwargs=options)
    else:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs=options)


def prepare(spec: dict[str, Any]) -> tuple[Any, Any]:
    """The model as the scenario's script builds it; returns (peft model, base model)."""
    import peft

    base, targets = build_model(spec.get("model", "causal"))
    if "load_kwargs" in spec:
        # load the way the script does: from_pretrained on a checkpoint (saved here, offline)
        folder = tempfile.mkdtemp(prefix="peft_lint_checkpoint_")
        base.save_pretrained(folder)
        base = type(base).from_pretrained(folder, **spec["load_kwargs"])
    if spec.get("new_tokens"):
        base.resize_token_embeddings(VOCAB + spec["new_tokens"])
    if spec.get("quantized_attributes"):
        _emulate_quantized(base)
    if "cast" in spec:
        import torch

        base = base.half() if spec["cast"] == "half" else base.to(getattr(torch, spec["cast"]))
    if spec.get("adapter") == "none" or (spec.get("adapter_via") == "sft" and not spec.get("prewrap")):
        return base, base
    config = adapter_config(spec, targets)
    if "base_gc" in spec:
        _enable_gc(base, spec["base_gc"] or None)
    if spec.get("input_grads") == "before":
        base.enable_input_require_grads()
    if spec.get("prepare_kbit") == "before":
        base = _prepare_kbit(spec, base, base)
    if spec.get("compile_before_wrap"):
        import torch

        # the "eager" backend skips code generation; the wrapper (and its _orig_mod) is the same
        base = torch.compile(base, backend="eager")
    if "from_saved_adapter" in spec:
        folder = tempfile.mkdtemp(prefix="peft_lint_adapter_")
        peft.get_peft_model(build_model(spec.get("model", "causal"))[0], config).save_pretrained(folder)
        model = peft.PeftModel.from_pretrained(base, folder, **spec["from_saved_adapter"])
    else:
        model = peft.get_peft_model(base, config)
    if spec.get("input_grads") == "after":
        model.enable_input_require_grads()
    if "model_gc" in spec:
        _enable_gc(model, spec["model_gc"] or None)
    if spec.get("prepare_kbit") == "after":
        model = _prepare_kbit(spec, model, base)
    return model, base


def _prepare_kbit(spec: dict[str, Any], target: Any, base: Any) -> Any:
    """prepare_model_for_kbit_training, on an emulated 4-bit model when `quantized` is set.

    bitsandbytes kernels do not run on the CPU, so the model stays in full precision and
    only carries the attribute PEFT branches on (`is_loaded_in_4bit`) during this call: the
    code path that enables checkpointing and input gradients is the real one.
    """
    import peft

    if spec.get("quantized"):
        base.is_loaded_in_4bit = True
    try:
        return peft.prepare_model_for_kbit_training(target, **spec.get("prepare_kwargs", {}))
    finally:
        if spec.get("quantized"):
            del base.is_loaded_in_4bit


def _emulate_quantized(model: Any) -> None:
    """The attributes transformers sets on a bitsandbytes-quantized model, on a CPU model.

    PreTrainedModel.to/half/float and the Trainer's validate_quantization_for_training branch
    on them; the weights stay in full precision (bitsandbytes has no CPU kernels here).
    """
    import types

    from transformers.utils.quantization_config import QuantizationMethod

    model.is_quantized = True
    model.quantization_method = QuantizationMethod.BITS_AND_BYTES
    model.hf_quantizer = types.SimpleNamespace(is_trainable=True, is_qat_trainable=False)


def _allocate(model: Any, step: int) -> None:
    inner = model.module if hasattr(model, "module") else model
    inner.base_model.update_and_allocate(step)


def train_with_trainer(spec: dict[str, Any], model: Any) -> None:
    import transformers

    class Allocation(transformers.TrainerCallback):
        def on_step_end(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
            if spec.get("allocation") == "on_step_end":
                _allocate(model, state.global_step)

        def on_optimizer_step(self, args: Any, state: Any, control: Any, model: Any = None,
                              **kwargs: Any) -> None:
            if spec.get("allocation") == "on_optimizer_step":
                _allocate(model, state.global_step)

    arguments = dict(
        output_dir=tempfile.mkdtemp(prefix="peft_lint_repro_"), max_steps=spec.get("steps", 6),
        per_device_train_batch_size=2, learning_rate=1e-2, save_strategy="no", report_to="none",
        use_cpu=True, disable_tqdm=True, ddp_timeout=120, seed=0, logging_strategy="no",
        log_level="error", remove_unused_columns=False)
    arguments.update(spec.get("training_args", {}))
    kind = spec.get("model", "causal")
    vocab = VOCAB + spec.get("new_tokens", 0)
    args = _parse_flags(arguments, spec["training_flags"]) if "training_flags" in spec else \
        transformers.TrainingArguments(**arguments)
    trainer = _trainer_class(spec.get("compute_loss"))(
        model=model, args=args,
        train_dataset=RandomData(kind, vocab=vocab),
        eval_dataset=RandomData(kind, 4) if spec.get("eval") else None, callbacks=[Allocation()],
        **_trainer_kwargs(spec))
    trainer.train()


def _trainer_kwargs(spec: dict[str, Any]) -> dict[str, Any]:
    """Keywords a script adds to the trainer's constructor ("trainer_kwargs"); the value
    "<tokenizer>" stands for the tiny tokenizer."""
    import transformers

    made = {"<tokenizer>": tiny_tokenizer, "<seq2seq_collator>":
            lambda: transformers.DataCollatorForSeq2Seq(tiny_tokenizer(), padding=True)}
    return {key: made[value]() if isinstance(value, str) and value in made else value
            for key, value in spec.get("trainer_kwargs", {}).items()}


def _import_names(spec: dict[str, Any]) -> None:
    """`from <package> import <name>` for each "package:name" of "imports", as a script does."""
    for item in spec.get("imports", []):
        package, name = item.split(":", 1)
        exec(f"from {package} import {name}", {})  # the statement itself is the observation


def _trainer_class(signature: str | None) -> Any:
    """transformers' Trainer, or a subclass overriding compute_loss with the signature a
    project writes: "legacy" (model, inputs, return_outputs=False), "num_items" (with
    num_items_in_batch=None) or "kwargs" (with **kwargs)."""
    import transformers

    if signature is None:
        return transformers.Trainer

    def loss(model: Any, inputs: Any, return_outputs: bool) -> Any:
        outputs = model(**inputs)
        return (outputs.loss, outputs) if return_outputs else outputs.loss

    class LegacyTrainer(transformers.Trainer):
        def compute_loss(self, model, inputs, return_outputs=False):  # type: ignore[no-untyped-def, override]
            return loss(model, inputs, return_outputs)

    class NumItemsTrainer(transformers.Trainer):
        def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):  # type: ignore[no-untyped-def, override]
            return loss(model, inputs, return_outputs)

    class KwargsTrainer(transformers.Trainer):
        def compute_loss(self, model, inputs, return_outputs=False, **kwargs):  # type: ignore[no-untyped-def, override]
            return loss(model, inputs, return_outputs)

    return {"legacy": LegacyTrainer, "num_items": NumItemsTrainer, "kwargs": KwargsTrainer}[signature]


def _parse_flags(arguments: dict[str, Any], flags: list[str]) -> Any:
    """TrainingArguments as a launcher's command line gives them to HfArgumentParser; argparse's
    exit (a refused flag) becomes an error carrying its message."""
    import contextlib
    import io

    import transformers

    argv = [text for key, value in arguments.items() for text in (f"--{key}", str(value))] + list(flags)
    parser = transformers.HfArgumentParser(transformers.TrainingArguments)
    with contextlib.redirect_stderr(io.StringIO()) as stderr:
        try:
            (args,) = parser.parse_args_into_dataclasses(args=argv)
        except SystemExit as exit_:
            message = stderr.getvalue().strip().splitlines()[-1] if stderr.getvalue().strip() else ""
            raise RuntimeError(f"argparse exit {exit_.code}: {message}") from None
    return args


def _accelerate_launch(config: dict[str, Any]) -> None:
    """`accelerate launch --config_file` with the scenario's config, on a script that only
    prints: what accelerate does with the config before any process starts."""
    import subprocess

    import yaml

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "accelerate.yaml")
        with open(path, "w", encoding="utf-8") as handle:
            yaml.safe_dump(config, handle)
        script = os.path.join(folder, "noop.py")
        with open(script, "w", encoding="utf-8") as handle:
            handle.write("print('started')\n")
        completed = subprocess.run([sys.executable, "-m", "accelerate.commands.launch", "--config_file", path,
                                    script], capture_output=True, text=True, timeout=300, check=False)
    if completed.returncode != 0:
        lines = completed.stderr.strip().splitlines()
        raise RuntimeError(lines[-1] if lines else f"accelerate launch exited {completed.returncode}")


def tiny_tokenizer() -> Any:
    """A word-level tokenizer over the model's vocabulary, built in code (no download)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast

    vocab = {f"t{index}": index for index in range(VOCAB)}
    tokenizer = Tokenizer(models.WordLevel(vocab=vocab, unk_token="t0"))
    tokenizer.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return PreTrainedTokenizerFast(tokenizer_object=tokenizer, unk_token="t0", pad_token="t0",
                                   eos_token="t1")


def train_with_sft(spec: dict[str, Any], model: Any) -> Any:
    """TRL's SFTTrainer on pre-tokenized random data; returns the model it trained."""
    import datasets
    import trl

    data = RandomData("causal")
    dataset = datasets.Dataset.from_dict({"input_ids": data.ids.tolist()})
    arguments = dict(
        output_dir=tempfile.mkdtemp(prefix="peft_lint_repro_"), max_steps=spec.get("steps", 6),
        per_device_train_batch_size=2, learning_rate=1e-2, save_strategy="no", report_to="none",
        use_cpu=True, disable_tqdm=True, seed=0, logging_strategy="no", log_level="error", bf16=False)
    arguments.update(spec.get("training_args", {}))
    peft_config = adapter_config(spec, ["q_proj", "v_proj"]) if spec.get("adapter_via") == "sft" else None
    extra = _trainer_kwargs(spec)
    if "tokenizer" not in extra:
        extra["processing_class"] = tiny_tokenizer()
    trainer = trl.SFTTrainer(model=model, args=trl.SFTConfig(**arguments), train_dataset=dataset,
                             peft_config=peft_config, **extra)
    trainer.train()
    return trainer.model


def train_with_dpo(spec: dict[str, Any], model: Any) -> Any:
    """TRL's DPOTrainer on a few preference pairs over the tiny vocabulary (the adapter given as
    peft_config, as DPO scripts do); returns the model it trained."""
    import datasets
    import trl

    pairs = datasets.Dataset.from_dict({"prompt": ["t2 t3", "t4 t5"] * 4, "chosen": [" t6", " t7"] * 4,
                                        "rejected": [" t8", " t9"] * 4})
    arguments = dict(output_dir=tempfile.mkdtemp(prefix="peft_lint_repro_"), max_steps=spec.get("steps", 2),
                     per_device_train_batch_size=2, save_strategy="no", report_to="none", use_cpu=True,
                     bf16=False, logging_strategy="no")
    arguments.update(spec.get("training_args", {}))
    trainer = trl.DPOTrainer(model=model, args=trl.DPOConfig(**arguments), train_dataset=pairs,
                             processing_class=tiny_tokenizer(),
                             peft_config=adapter_config(spec, ["q_proj", "v_proj"]))
    trainer.train()
    return trainer.model


def train_with_loop(spec: dict[str, Any], model: Any) -> None:
    import torch
    import torch.distributed as dist
    from torch.utils.data import DataLoader

    if int(os.environ.get("WORLD_SIZE", "1")) > 1:
        if not dist.is_initialized():
            dist.init_process_group("gloo")
        model = torch.nn.parallel.DistributedDataParallel(
            model, find_unused_parameters=spec.get("find_unused_parameters", False))
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    loader = DataLoader(RandomData(spec.get("model", "causal")), batch_size=2)
    model.train()
    allocation = spec.get("allocation", "none")
    for step, batch in zip(range(spec.get("steps", 6)), loader, strict=False):
        loss = model(**batch).loss
        loss.backward()
        optimizer.step()
        if allocation == "loop_before_zero_grad":
            _allocate(model, step)
        optimizer.zero_grad()
        if allocation == "loop_after_zero_grad":
            _allocate(model, step)


def save(how: str, model: Any) -> dict[str, Any]:
    """Save the way the scenario's script does; report what the files hold."""
    from safetensors import safe_open

    folder = tempfile.mkdtemp(prefix="peft_lint_saved_")
    if how == "merge_discarded_then_save":
        model.merge_and_unload()
        model.save_pretrained(folder)
    elif how == "merge_assigned_then_save":
        model.merge_and_unload().save_pretrained(folder)
    elif how == "patched_state_dict_then_save":  # tloen/alpaca-lora's finetune.py
        from peft import get_peft_model_state_dict

        old_state_dict = model.state_dict
        model.state_dict = (lambda self, *_, **__: get_peft_model_state_dict(self, old_state_dict())
                            ).__get__(model, type(model))
        model.save_pretrained(folder)
    else:
        model.save_pretrained(folder)
    keys: list[str] = []
    for file in sorted(os.listdir(folder)):
        if file.endswith(".safetensors"):
            with safe_open(os.path.join(folder, file), framework="pt") as handle:
                keys.extend(handle.keys())
    return {"saved_tensors": len(keys), "saved_orig_mod": any("_orig_mod." in key for key in keys)}


def _is_head(name: str) -> bool:
    return ("score" in name or "classifier" in name) and "lora_" not in name


def _learned(spec: dict[str, Any], model: Any, snapshot: dict[str, Any]) -> dict[str, Any]:
    """Which adapter (and head) tensors training changed, before any merge removes them."""
    import torch

    outcome: dict[str, Any] = {}
    # The tensors that learn only through the checkpointed blocks' own backward: lora_B
    # (LoRA) or lora_E, the singular values (AdaLoRA; lora_A/B also move through its
    # regulariser, outside the blocks). Both start at zero, which tells whether an adapter
    # added during training (TRL's peft_config) learned.
    core = "lora_E" if spec.get("adapter") == "adalora" else "lora_B"
    after = {name: parameter.detach().float() for name, parameter in model.named_parameters()
             if name in snapshot or ("lora_" in name and core in name)}
    changed = {name: (not torch.equal(snapshot[name], value)) if name in snapshot
               else bool(value.abs().sum() > 0) for name, value in after.items()}
    adapter = [name for name in changed if "lora_" in name]
    in_blocks = [name for name in adapter if (".layers." in name or ".layer." in name) and core in name]
    outcome.update(adapter_tensors=len(adapter), adapter_changed=sum(changed[n] for n in adapter),
                   core_tensors=len(in_blocks), core_changed=sum(changed[name] for name in in_blocks))
    if spec.get("new_tokens"):
        embeddings = [name for name in snapshot if "embed_tokens" in name and "lora_" not in name]
        current = dict(model.named_parameters())
        outcome["new_rows_trained"] = any(
            not torch.equal(snapshot[name][VOCAB:], current[name].detach().float()[VOCAB:])
            for name in embeddings if name in current)
    heads = [name for name in changed if _is_head(name)]
    if heads:
        outcome["head_trained"] = any(changed[name] for name in heads)
    if spec.get("adapter") == "adalora":
        outcome["rank_pattern_set"] = model.peft_config["default"].rank_pattern is not None
    return outcome


def run_scenario(spec: dict[str, Any]) -> dict[str, Any]:
    """Build, train and observe; never raises."""
    outcome: dict[str, Any] = {"error": None}
    snapshot: dict[str, Any] = {}
    model: Any = None
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        try:
            _import_names(spec)
            if "grpo_config" in spec:  # what GRPOConfig.__post_init__ checks, in this process group
                import trl

                trl.GRPOConfig(output_dir=tempfile.mkdtemp(prefix="peft_lint_repro_"), use_cpu=True,
                               report_to="none", bf16=False, **spec["grpo_config"])
            if "accelerate_config" in spec:
                _accelerate_launch(spec["accelerate_config"])
            if "deepspeed_config" in spec:
                # what deepspeed.initialize (and ZeRO-3's zero.Init at the model load) builds first;
                # the values transformers fills in for "auto" are written into the spec
                from deepspeed.runtime.config import DeepSpeedConfig

                DeepSpeedConfig(spec["deepspeed_config"])
            if "bnb_config" in spec:  # built as a script builds it; the model itself stays unquantized
                import transformers

                transformers.BitsAndBytesConfig(**spec["bnb_config"])
            model, _ = prepare(spec)
            snapshot = {name: parameter.detach().clone().float()
                        for name, parameter in model.named_parameters()
                        if "lora_" in name or _is_head(name) or "embed_tokens" in name}
            outcome["trainable"] = sum(p.numel() for p in model.parameters() if p.requires_grad)
            if spec.get("training", "trainer") == "trainer":
                train_with_trainer(spec, model)
            elif spec.get("training") == "loop":
                train_with_loop(spec, model)
            elif spec.get("training") == "sft":
                model = train_with_sft(spec, model)
            elif spec.get("training") == "dpo":
                model = train_with_dpo(spec, model)
            outcome.update(_learned(spec, model, snapshot))
            if "after_training" in spec:
                outcome.update(save(spec["after_training"], model))
        except Exception as error:  # noqa: BLE001 - the exception is the observation
            outcome["error"] = f"{type(error).__name__}: {error}"
            if model is not None and snapshot and "core_tensors" not in outcome:
                outcome.update(_learned(spec, model, snapshot))
    outcome["warnings"] = sorted({str(item.message)[:160] for item in seen
                                  if NO_GRAD_WARNING in str(item.message)})
    return outcome


def main() -> int:
    spec = json.loads(sys.argv[1])
    outcome = run_scenario(spec)
    outcome["rank"] = int(os.environ.get("RANK", "0"))
    line = json.dumps(outcome, default=str)
    folder = os.environ.get("PEFT_LINT_REPRO_OUT")
    if folder:  # one file per rank: ranks printing at once interleave their lines
        with open(os.path.join(folder, f"result-{outcome['rank']}.json"), "w") as handle:
            handle.write(line)
    else:
        print("RESULT " + line, flush=True)
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        try:
            dist.destroy_process_group()
        except Exception:  # noqa: BLE001 - teardown after a failed step
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
