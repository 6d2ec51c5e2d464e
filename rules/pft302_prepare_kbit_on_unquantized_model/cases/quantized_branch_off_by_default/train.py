# The quantized branch runs only when --bits asks for it; with the default (fp32) the
# prepare call inside it never runs.
from dataclasses import dataclass, field

from peft import LoraConfig, prepare_model_for_kbit_training
from transformers import AutoModelForCausalLM, BitsAndBytesConfig, HfArgumentParser
from trl import SFTConfig, SFTTrainer


@dataclass
class Options(SFTConfig):
    bits: str = field(default="fp32", metadata={"help": "nf4, fp4, int8 or fp32"})


(options,) = HfArgumentParser(Options).parse_args_into_dataclasses()
if options.bits in ["nf4", "fp4", "int8"]:
    quantization = BitsAndBytesConfig(load_in_4bit=options.bits == "nf4" or options.bits == "fp4",
                                      load_in_8bit=options.bits == "int8",
                                      bnb_4bit_quant_type=options.bits)
    model = AutoModelForCausalLM.from_pretrained("gpt2", quantization_config=quantization)
    model = prepare_model_for_kbit_training(model)
else:
    model = AutoModelForCausalLM.from_pretrained("gpt2")
SFTTrainer(model=model, args=options, peft_config=LoraConfig(target_modules=["c_attn"])).train()
