# An argparse default of None for the rank (peft's own example, corda_finetuning/preprocess.py):
# not a rank the run is known to use, and not LoRA's check.
import argparse

from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM

parser = argparse.ArgumentParser()
parser.add_argument("--r", type=int, default=None)
args = parser.parse_args()
model = get_peft_model(AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.1-8B"),
                       LoraConfig(r=args.r, target_modules=["q_proj", "v_proj"]))
