from peft import AdaLoraConfig, TaskType

config = AdaLoraConfig(task_type=TaskType.CAUSAL_LM, init_r=12, target_r=4, tinit=200, tfinal=1000)
