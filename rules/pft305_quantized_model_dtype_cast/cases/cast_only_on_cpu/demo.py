# The cast runs only on a machine without a GPU, where this script is not run quantized: which
# side runs is decided at run time, so the cast is not known to happen.
import torch
from transformers import AutoModelForCausalLM

model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-2-7b-hf", load_in_8bit=True)
device = torch.device(0) if torch.cuda.is_available() else torch.device("cpu")
if device == torch.device("cpu"):
    model.float()
model.eval()
