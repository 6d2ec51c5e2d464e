# torchao-quantized models accept .to(dtype) (transformers raises only for bitsandbytes,
# GPTQ and Quark).
import torch
from transformers import AutoModelForCausalLM, TorchAoConfig

model = AutoModelForCausalLM.from_pretrained("meta-llama/Llama-3.2-1B",
                                             quantization_config=TorchAoConfig("int8_weight_only"))
model = model.to(torch.bfloat16)
