# An example in a library's own repository, written against its development branch: a name no
# release has yet is not judged when the release is only assumed
import trl
from peft import AdaMSSConfig, get_peft_model
from trl import __version__
from transformers import AutoModelForCausalLM

print(trl.__version__, __version__)
model = AutoModelForCausalLM.from_pretrained("Qwen/Qwen2.5-0.5B")
model = get_peft_model(model, AdaMSSConfig(r=8, target_modules=["q_proj", "v_proj"]))
