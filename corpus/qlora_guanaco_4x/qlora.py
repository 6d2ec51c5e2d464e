# QLoRA in the shape of artidoro/qlora's qlora.py (single GPU).
import argparse
import os
from dataclasses import dataclass, field
from typing import Optional

import torch
import transformers
from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training
from peft.tuners.lora import LoraLayer
from transformers import AutoModelForCausalLM, AutoTokenizer, BitsAndBytesConfig, Seq2SeqTrainer, set_seed


@dataclass
class ModelArguments:
    model_name_or_path: Optional[str] = field(default="EleutherAI/pythia-12b")
    trust_remote_code: Optional[bool] = field(default=False)


@dataclass
class TrainingArguments(transformers.Seq2SeqTrainingArguments):
    bits: int = field(default=4)
    lora_r: int = field(default=64)
    lora_alpha: float = field(default=16)
    lora_dropout: float = field(default=0.0)
    double_quant: bool = field(default=True)
    quant_type: str = field(default="nf4")
    gradient_checkpointing: bool = field(default=True)


def find_all_linear_names(args, model):
    lora_module_names = set()
    for name, module in model.named_modules():
        if isinstance(module, torch.nn.Linear):
            lora_module_names.add(name.split(".")[-1])
    lora_module_names.discard("lm_head")
    return list(lora_module_names)


def get_accelerate_model(args):
    compute_dtype = torch.float16 if args.fp16 else (torch.bfloat16 if args.bf16 else torch.float32)
    model = AutoModelForCausalLM.from_pretrained(
        args.model_name_or_path,
        load_in_4bit=args.bits == 4,
        load_in_8bit=args.bits == 8,
        device_map="auto",
        quantization_config=BitsAndBytesConfig(
            load_in_4bit=args.bits == 4,
            load_in_8bit=args.bits == 8,
            bnb_4bit_compute_dtype=compute_dtype,
            bnb_4bit_use_double_quant=args.double_quant,
            bnb_4bit_quant_type=args.quant_type,
        ),
        torch_dtype=(torch.float32 if args.fp16 else (torch.bfloat16 if args.bf16 else torch.float32)),
    )
    model.config.torch_dtype = compute_dtype
    model = prepare_model_for_kbit_training(model, use_gradient_checkpointing=args.gradient_checkpointing)
    if args.gradient_checkpointing:
        model.gradient_checkpointing_enable()
    config = LoraConfig(
        r=args.lora_r,
        lora_alpha=args.lora_alpha,
        target_modules=find_all_linear_names(args, model),
        lora_dropout=args.lora_dropout,
        bias="none",
        task_type="CAUSAL_LM",
    )
    model = get_peft_model(model, config)
    for name, module in model.named_modules():
        if isinstance(module, LoraLayer) and args.bf16:
            module = module.to(torch.bfloat16)
    return model


def train():
    hfparser = transformers.HfArgumentParser((ModelArguments, TrainingArguments))
    model_args, training_args, extra_args = hfparser.parse_args_into_dataclasses(return_remaining_strings=True)
    args = argparse.Namespace(**vars(model_args), **vars(training_args))
    set_seed(args.seed)
    model = get_accelerate_model(args)
    tokenizer = AutoTokenizer.from_pretrained(args.model_name_or_path, padding_side="right", use_fast=False)
    trainer = Seq2SeqTrainer(model=model, tokenizer=tokenizer, args=training_args)
    trainer.train()
    trainer.save_state()
    if not os.path.exists(args.output_dir):
        os.makedirs(args.output_dir)


if __name__ == "__main__":
    train()
