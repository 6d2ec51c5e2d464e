"""What the library calls a script makes do to the tracked objects.

The Python interpreter asks this module what a call of a canonical name
(`peft.get_peft_model`) or a method on a tracked object (`model.enable_input_require_grads()`)
returns and records. Library knowledge (class names, defaults) comes from
`peft_lint.knowledge`; nothing here is imported from the libraries themselves.
"""

from __future__ import annotations

import ast
import os.path
from dataclasses import replace
from typing import TYPE_CHECKING

from peft_lint.extract import cli_parsers
from peft_lint.extract.python_objects import (
    AcceleratorObject,
    AdapterConfig,
    ArgumentParser,
    BoundMethod,
    DataCollator,
    DdpKwargsHandler,
    DistributedWrapper,
    Embeddings,
    Instance,
    LocalClass,
    LocalFunction,
    ObjectValue,
    OpenFile,
    ParsedConfig,
    QuantizationConfig,
    SpecialToken,
    Tokenizer,
    TrackedModel,
    TrainerObject,
    TrainingArgs,
    UserDataclass,
    find_method,
    next_sequence,
    unwrap_model,
)
from peft_lint.facts.model import Fact, MethodSignature, Span
from peft_lint.facts.values import Const, DictValue, ListValue, Ref, Unknown, Value, truthy
from peft_lint.knowledge import accelerate as accelerate_knowledge
from peft_lint.knowledge import peft as peft_knowledge
from peft_lint.knowledge import torch as torch_knowledge
from peft_lint.knowledge import transformers as transformers_knowledge
from peft_lint.knowledge import trl as trl_knowledge
from peft_lint.knowledge import unsloth as unsloth_knowledge

if TYPE_CHECKING:
    from peft_lint.extract.interpretation import Interpreter

# prepare_model_for_int8_training (peft < 0.10) is deliberately not modelled: what it enabled
# changed across versions, so its result stays Unknown.
TOP_LEVEL_FUNCTIONS = frozenset({
    "get_peft_model", "prepare_model_for_kbit_training", "prepare_model_for_int8_training",
    "get_peft_model_state_dict", "set_peft_model_state_dict", "inject_adapter_in_model",
    "get_peft_config", "get_quantization_config",
})
TRAINING_ARGS_CLASSES = transformers_knowledge.TRAINING_ARGUMENT_CLASSES | trl_knowledge.CONFIG_CLASSES
TRAINER_CLASSES = transformers_knowledge.TRAINER_CLASSES | trl_knowledge.TRAINER_CLASSES
CONFIG_LOADERS = frozenset({"yaml.safe_load", "yaml.load", "yaml.full_load", "yaml.unsafe_load",
                            "json.load", "json.loads", "omegaconf.OmegaConf.load",
                            "tomllib.load", "toml.load"})
PATH_FUNCTIONS = frozenset({"os.path.abspath", "os.path.expanduser", "os.path.realpath",
                            "os.path.normpath", "pathlib.Path", "Path", "str"})
MODEL_PASSTHROUGH_METHODS = frozenset({"to", "cuda", "cpu", "train", "eval", "half", "float",
                                       "bfloat16", "requires_grad_", "to_empty"})
# Model methods whose result is the point of the call (they do not work in place).
RESULT_MATTERS = frozenset({"merge_and_unload", "unload"})
SAVE_METHODS = frozenset({"save_pretrained", "push_to_hub"})
BUILTINS = frozenset({"open", "dict", "len", "int", "bool", "float", "str", "print", "list",
                      "tuple", "isinstance", "getattr", "hasattr", "vars", "super", "type",
                      "range", "enumerate", "zip", "sorted", "min", "max", "sum", "any", "all",
                      "id", "repr", "set", "iter", "next", "callable", "format"})


def call(interp: Interpreter, name: str, args: list[Value], kwargs: DictValue,
         span: Span) -> Value | None:
    """The value of calling a library function or class, None if not modelled."""
    short = name.rsplit(".", 1)[-1]
    if name in ("open", "io.open"):
        return ObjectValue(span, OpenFile(args[0] if args else _kw(kwargs, "file", span)))
    if name == "dict":
        result = DictValue(span, {})
        for argument in args:
            from peft_lint.extract.interpretation import splat_into
            splat_into(result, argument)
        result.entries.update(kwargs.entries)
        result.key_spans.update(kwargs.key_spans)  # so keys splatted later are still checked
        result.complete = result.complete and kwargs.complete
        return result
    if name in ("list", "tuple") and len(args) == 1 and isinstance(args[0], ListValue):
        return ListValue(span, list(args[0].items), args[0].complete)
    if name in ("int", "float", "bool") and args and isinstance(args[0], Const):
        try:
            return Const(span, {"int": int, "float": float, "bool": bool}[name](args[0].value))
        except (TypeError, ValueError):
            return Unknown(span, f"`{name}()` of a value")
    if name == "len" and args and isinstance(args[0], ListValue | DictValue):
        container = args[0]
        if container.complete:
            size = len(container.items) if isinstance(container, ListValue) else len(container.entries)
            return Const(span, size)
        return None
    if name in PATH_FUNCTIONS and args:
        return args[0] if isinstance(args[0], Const) else None
    if name == "os.path.join" and args and all(isinstance(arg, Const) for arg in args):
        return Const(span, os.path.join(*[str(arg.value) for arg in args if isinstance(arg, Const)]))
    if name in CONFIG_LOADERS:
        return _load_config(interp, args, span)
    if name in ("os.environ.get", "os.getenv") and args and isinstance(args[0], Const):
        return environment_variable(interp, str(args[0].value), args[1] if len(args) > 1 else
                                    kwargs.entries.get("default"), span)
    if name in cli_parsers.FUNCTION_CLIS and args and isinstance(args[0], ObjectValue) and \
            isinstance(args[0].obj, LocalFunction):
        # fire.Fire(main) / typer.run(main): main runs with the launcher's flags as keyword
        # arguments, its own defaults for the others
        flags = _command_line_flags(interp, None, span)
        if isinstance(flags, DictValue):
            interp.call_function(args[0].obj, [], flags, interp.tree)
        else:
            interp.call_function(args[0].obj, [], DictValue(span, {}), interp.tree)
        return Unknown(span, f"result of `{name}`")
    if name == cli_parsers.PARSER_CLASS or name in cli_parsers.SIMPLE_PARSING_PARSERS:
        return ObjectValue(span, cli_parsers.ArgparseParser(span))
    if name in cli_parsers.SIMPLE_PARSING_PARSE and (args or "config_class" in kwargs.entries):
        flags = _command_line_flags(interp, kwargs.entries.get("args"), span)
        return _one_dataclass(interp, args[0] if args else kwargs.entries["config_class"], flags, span)
    if name in ("vars", "getattr") and args and isinstance(args[0], ObjectValue) and \
            isinstance(args[0].obj, UserDataclass | TrainingArgs):
        values = args[0].obj.values
        if name == "vars":
            return DictValue(values.span, dict(values.entries), values.complete, dict(values.key_spans))
        if len(args) > 1 and isinstance(args[1], Const) and isinstance(args[1].value, str):
            return attribute(interp, args[0], args[1].value, span) if args[1].value in values.entries or \
                len(args) < 3 else values.entries.get(args[1].value, args[2])
        return None
    owner = name.rsplit(".", 1)[0] if name.endswith(".from_pretrained") else name
    if owner.startswith("transformers.") and \
            owner.rsplit(".", 1)[-1].endswith(("Tokenizer", "TokenizerFast", "Processor")):
        tokenizer = Tokenizer(span, processor=owner.endswith("Processor"))
        add_eos = kwargs.entries.get("add_eos_token")
        if isinstance(add_eos, Const) and add_eos.value is True:
            tokenizer.eos_appended = add_eos.span or span
        added = kwargs.entries.get("additional_special_tokens")
        if isinstance(added, ListValue) and added.items:  # loaded with tokens of its own
            tokenizer.added_tokens.append(added.span or span)
        interp.facts.tokenizers.append(tokenizer)
        return ObjectValue(span, tokenizer)
    if name in transformers_knowledge.LM_COLLATORS:
        tokenizer = args[0] if args else kwargs.entries.get("tokenizer")
        mlm = args[1] if len(args) > 1 else kwargs.entries.get("mlm")
        return ObjectValue(span, DataCollator(name, span, tokenizer, mlm))
    if name in trl_knowledge.CHAT_FORMAT_SETUP:
        return _setup_chat_format(interp, name, args, kwargs, span)
    if name.endswith((".from_pretrained", ".from_config")) and \
            transformers_knowledge.is_model_class(name.rsplit(".", 1)[0]):
        return _load_model(interp, name, args, kwargs, span)
    if transformers_knowledge.is_model_class(name) and short != "AutoModel" and \
            not short.startswith("Auto") and (args or "config" in kwargs.entries):
        return _new_model(interp, name, span, Fact.derived(False, "built from a config"))
    if name == "torch.compile" and args and unwrap_model(args[0]) is not None:
        model = unwrap_model(args[0])
        assert model is not None
        interp.record(model, "compiled", span)
        return args[0]
    if name.rsplit(".", 1)[0] in unsloth_knowledge.FAST_MODEL_CLASSES:
        return _unsloth_call(interp, name, args, kwargs, span)
    if name in peft_knowledge.GET_PEFT_MODEL:
        return _get_peft_model(interp, args, kwargs, span)
    if name in peft_knowledge.PEFT_LOADERS:
        return _load_peft_model(interp, name, args, kwargs, span)
    if name in peft_knowledge.PREPARE_KBIT:
        return _prepare_kbit(interp, args, kwargs, span)
    if name in accelerate_knowledge.MODEL_PLACEMENT:  # moves the model to its devices, nothing else
        return args[0] if args else kwargs.entries.get("model") or Unknown(span, "no model given")
    if name in peft_knowledge.PREPARE_INT8:
        # peft < 0.10: returns the model it is given, with checkpointing and input gradients set
        # as that release did (not modelled): what it enabled is unknown
        target = args[0] if args else kwargs.entries.get("model")
        interp.escape(args, kwargs, span, name.rsplit(".", 1)[-1])
        return target if target is not None else Unknown(span, "no model given")
    if name in trl_knowledge.GET_PEFT_CONFIG | trl_knowledge.GET_QUANTIZATION_CONFIG:
        model_args = args[0] if args else \
            kwargs.entries.get("model_args") or kwargs.entries.get("model_config")
        return _from_model_config(interp, name, model_args, span)
    if name in peft_knowledge.ADAPTER_CONFIGS:
        config = AdapterConfig(name, peft_knowledge.ADAPTER_CONFIGS[name], span, kwargs)
        value = ObjectValue(span, config)
        interp.facts.adapter_configs.append(value)
        return value
    if name in TRAINING_ARGS_CLASSES:
        training_args = TrainingArgs(name, span, kwargs, from_call=True)
        interp.facts.training_args.append(training_args)
        return ObjectValue(span, training_args)
    if name == transformers_knowledge.ARGUMENT_PARSER or name == "trl.TrlParser":
        types = args[0] if args else kwargs.entries.get("dataclass_types")
        items = types.items if isinstance(types, ListValue) else [types] if types else []
        return ObjectValue(span, ArgumentParser(span, items))
    if name in TRAINER_CLASSES:
        return _new_trainer(interp, name, None, args, kwargs, span)
    if name.startswith("transformers.") and short.endswith("Callback"):
        return Ref(span, name)  # a built-in callback: known not to touch AdaLoRA
    if name in transformers_knowledge.QUANTIZATION_CONFIGS:
        config = QuantizationConfig(name, span, kwargs)
        interp.facts.quantization_configs.append(config)
        return ObjectValue(span, config)
    if name.startswith("torch.") and short == "DistributedDataParallel":
        return _ddp(interp, args, kwargs, span)
    if name == accelerate_knowledge.ACCELERATOR:
        return _accelerator(kwargs, span)
    if name in accelerate_knowledge.DDP_KWARGS:
        return ObjectValue(span, DdpKwargsHandler(
            _flag(kwargs, "find_unused_parameters", accelerate_knowledge.FIND_UNUSED_DEFAULT,
                  "default of DistributedDataParallelKwargs", span),
            _flag(kwargs, "static_graph", False, "default of DistributedDataParallelKwargs", span)))
    return None


def environment_variable(interp: Interpreter, name: str, default: Value | None, span: Span) -> Value:
    """`os.environ.get("X", default)`: what the launcher exports, else the default (the run as
    written); without a default and without the variable, not known."""
    if interp.environment is None and name in torch_knowledge.LAUNCHER_VARIABLES:
        return Unknown(span, f"`{name}` is set by the launcher, which is not among the files of "
                             "this run")
    environment = interp.environment or {}
    if name in environment:
        value = environment[name]
        from peft_lint.extract.launcher import UNRESOLVED

        return Unknown(span, f"`{name}` is computed when the launcher runs") if UNRESOLVED in value \
            else Const(span, value)
    if default is not None:
        return default
    return Unknown(span, f"the environment variable `{name}` is not set in the files of this run")


def _setup_chat_format(interp: Interpreter, name: str, args: list[Value], kwargs: DictValue,
                       span: Span) -> Value:
    """TRL's `setup_chat_format(model, tokenizer)` / `clone_chat_template(model, tokenizer,
    source)`: add special tokens and resize the model's embeddings; return the model and the
    tokenizer (and, for clone_chat_template, the added token ids)."""
    model = args[0] if args else kwargs.entries.get("model")
    tokenizer = args[1] if len(args) > 1 else kwargs.entries.get("tokenizer")
    results: list[Value] = [model or Unknown(span, "no model given"),
                            tokenizer or Unknown(span, "no tokenizer given")]
    # the tokens it adds may be in the vocabulary already (SmolLM2 and Qwen have ChatML's):
    # whether any row is new is not known, so neither tokens nor a resize are recorded
    if name.endswith("clone_chat_template"):
        results.append(Unknown(span, "the added token ids"))
    return ListValue(span, results)


def _kw(kwargs: DictValue, key: str, span: Span) -> Value:
    return kwargs.entries.get(key) or Unknown(span, f"`{key}` not given")


def _flag(kwargs: DictValue, key: str, default: bool, detail: str, span: Span) -> Fact[bool]:
    value = kwargs.entries.get(key)
    if value is None:
        if not kwargs.complete:
            return Fact.unknown(f"`{key}` may be set by `**` arguments", span)
        return Fact.default(default, detail, span)
    decided = truthy(value)
    if decided is None:
        return Fact.unknown(f"`{key}` is computed at run time", value.span or span)
    return Fact.written(decided, value.span or span)


def _load_config(interp: Interpreter, args: list[Value], span: Span) -> Value:
    source = args[0] if args else None
    if isinstance(source, ObjectValue) and isinstance(source.obj, OpenFile):
        source = source.obj.path
    path = str(source.value) if isinstance(source, Const) else None
    found = interp.resolver.lookup(path)
    if found is None:
        where = f"`{path}`" if path else "a path computed at run time"
        return Unknown(span, f"config loaded from {where}, which is not among the files of this run")
    value, resolved = found
    interp.facts.config_paths.append(resolved)
    return value


def _model_id(args: list[Value], kwargs: DictValue) -> Value | None:
    return args[0] if args else kwargs.entries.get("pretrained_model_name_or_path")


def quantized_load(name: str, args: list[Value], kwargs: DictValue, span: Span) -> Fact[bool]:
    """Whether `from_pretrained(*args, **kwargs)` loads the model quantized."""
    present = [key for key in transformers_knowledge.QUANTIZING_KWARGS if key in kwargs.entries]
    for key in present:
        value = kwargs.entries[key]
        if key == "quantization_config":
            if isinstance(value, Const) and value.value is None:
                continue
            if isinstance(value, ObjectValue) and isinstance(value.obj, QuantizationConfig):
                return _quantization_requested(value.obj, span)
            if isinstance(value, DictValue):
                return Fact.written(True, value.span or span)
            return Fact.unknown("quantization_config is computed at run time", value.span or span)
        decided = truthy(value)
        if decided is None:
            return Fact.unknown(f"`{key}` is computed at run time", value.span or span)
        if decided:
            return Fact.written(True, value.span or span)
    if not kwargs.complete:
        return Fact.unknown("from_pretrained gets `**` arguments computed at run time", span)
    if name.endswith(".from_config"):
        return Fact.derived(False, "built from a config, not loaded quantized", span)
    model_id = _model_id(args, kwargs)
    if isinstance(model_id, Const) and isinstance(model_id.value, str) and \
            transformers_knowledge.looks_prequantized(model_id.value):
        return Fact.unknown(f"`{model_id.value}` may be a checkpoint saved quantized", span)
    if not isinstance(model_id, Const):
        return Fact.derived(False, "no quantization_config passed to from_pretrained; the model "
                            "id is chosen at run time", span)
    return Fact.derived(False, "no quantization_config passed to from_pretrained", span)


def _quantization_requested(config: QuantizationConfig, span: Span) -> Fact[bool]:
    dequantize = config.kwargs.entries.get("dequantize")
    if dequantize is not None:  # Mxfp4Config, FineGrainedFP8Config, CompressedTensorsConfig
        decided = truthy(dequantize)
        if decided:
            return Fact.derived(False, "dequantize=True: the weights are loaded dequantized, in "
                                "the model's dtype", dequantize.span or span)
        if decided is None:
            return Fact.unknown("`dequantize` is computed at run time", dequantize.span or span)
    if not config.canonical.endswith("BitsAndBytesConfig"):
        return Fact.written(True, config.span or span)
    for key in ("load_in_4bit", "load_in_8bit"):
        value = config.kwargs.entries.get(key)
        if value is not None:
            decided = truthy(value)
            if decided:
                return Fact.written(True, value.span or span)
            if decided is None:
                return Fact.unknown(f"`{key}` is computed at run time", value.span or span)
    if not config.kwargs.complete:
        return Fact.unknown("BitsAndBytesConfig gets `**` arguments", config.span or span)
    return Fact.written(False, config.span or span)


def _load_model(interp: Interpreter, name: str, args: list[Value], kwargs: DictValue,
                span: Span) -> Value:
    model = _new_model(interp, name.rsplit(".", 1)[0], span, quantized_load(name, args, kwargs, span))
    assert isinstance(model.obj, TrackedModel)
    model.obj.model_id = _model_id(args, kwargs)
    model.obj.load_kwargs = kwargs
    return model


def _new_model(interp: Interpreter, class_name: str, span: Span, quantized: Fact[bool]) -> ObjectValue:
    short = class_name.rsplit(".", 1)[-1]
    model = TrackedModel("base", span, Fact.written(short, span), quantized)
    interp.facts.models.append(model)
    return ObjectValue(span, model)


def _get_peft_model(interp: Interpreter, args: list[Value], kwargs: DictValue, span: Span) -> Value:
    base_value = args[0] if args else kwargs.entries.get("model")
    config_value = args[1] if len(args) > 1 else kwargs.entries.get("peft_config")
    base = unwrap_model(base_value)
    adapter = config_value.obj if isinstance(config_value, ObjectValue) and \
        isinstance(config_value.obj, AdapterConfig) else None
    model = TrackedModel(
        "peft", span,
        base.class_name if base else Fact.unknown("the base model is computed at run time", span),
        base.quantized if base else Fact.unknown("the base model is computed at run time", span),
        base=base, adapter=adapter)
    model.load_kwargs = kwargs  # get_peft_model's own options (autocast_adapter_dtype, ...)
    interp.facts.models.append(model)
    return ObjectValue(span, model)


def _load_peft_model(interp: Interpreter, name: str, args: list[Value], kwargs: DictValue,
                     span: Span) -> Value:
    base = unwrap_model(args[0]) if args and not name.startswith("peft.AutoPeft") else None
    unknown_base: Fact[str] = Fact.unknown("loaded with a saved adapter", span)
    model = TrackedModel("peft", span, base.class_name if base else unknown_base,
                         base.quantized if base else Fact.unknown("loaded with a saved adapter", span),
                         base=base, from_saved_adapter=True)
    model.adapter_trainable = _flag(kwargs, "is_trainable", False,
                                    f"default of {name.rsplit('.', 1)[0].split('.')[-1]}.from_pretrained",
                                    span)
    interp.facts.models.append(model)
    return ObjectValue(span, model)


def _unsloth_call(interp: Interpreter, name: str, args: list[Value], kwargs: DictValue,
                  span: Span) -> Value | None:
    """unsloth's `FastLanguageModel.from_pretrained` (a model and its tokenizer, quantized to
    4 bits unless told otherwise) and `.get_peft_model` (LoRA on it, prepared for training by
    unsloth itself: input gradients on, its own checkpointing)."""
    fast_class, method = name.rsplit(".", 1)
    if method == "from_pretrained":
        quantized = _unsloth_quantized(interp, fast_class, kwargs, span)
        model = _new_model(interp, "AutoModelForCausalLM", span, quantized)
        assert isinstance(model.obj, TrackedModel)
        model.obj.class_name = Fact.unknown(f"{fast_class.rsplit('.', 1)[-1]} picks the model class", span)
        # unsloth loads its own builds of many checkpoints (Phi-3 and others "llamafied", MoE
        # experts split): transformers' module names for the id do not apply
        model.obj.model_id = Unknown(span, "unsloth loads its own build of the checkpoint")
        tokenizer = Tokenizer(span)
        interp.facts.tokenizers.append(tokenizer)
        return ListValue(span, [model, ObjectValue(span, tokenizer)])
    if method == "get_peft_model":
        base = unwrap_model(args[0] if args else kwargs.entries.get("model"))
        lora_keys = ("r", "lora_alpha", "lora_dropout", "target_modules", "bias", "use_rslora",
                     "use_dora", "modules_to_save", "init_lora_weights", "loftq_config", "task_type")
        lora = DictValue(span, {key: value for key, value in kwargs.entries.items() if key in lora_keys},
                         kwargs.complete, {key: where for key, where in kwargs.key_spans.items()
                                           if key in lora_keys})
        unknown_base: Fact[str] = Fact.unknown("the base model is computed at run time", span)
        model = TrackedModel(
            "peft", span, base.class_name if base else unknown_base,
            base.quantized if base else Fact.unknown("the base model is computed at run time", span),
            base=base, adapter=AdapterConfig("peft.LoraConfig", "lora", span, lora))
        interp.facts.models.append(model)
        interp.record(model, "input-grads", span, detail=f"{fast_class.rsplit('.', 1)[-1]}.get_peft_model")
        checkpointing = kwargs.entries.get("use_gradient_checkpointing")
        if checkpointing is None or truthy(checkpointing) is not False:
            interp.record(model, "gc-enable", span,
                          Unknown(span, "unsloth's get_peft_model applies its own checkpointing"),
                          "get_peft_model")
        return ObjectValue(span, model)
    return None


def _unsloth_quantized(interp: Interpreter, fast_class: str, kwargs: DictValue, span: Span) -> Fact[bool]:
    for key in ("load_in_4bit", "load_in_8bit"):
        value = kwargs.entries.get(key)
        if value is not None and truthy(value):
            return Fact.written(True, value.span or span)
    if "full_finetuning" in kwargs.entries and truthy(kwargs.entries["full_finetuning"]):
        return Fact.written(False, span)
    written = [kwargs.entries[key] for key in ("load_in_4bit", "load_in_8bit") if key in kwargs.entries]
    if not kwargs.complete or any(truthy(value) is None for value in written):
        return Fact.unknown("unsloth's quantization options are computed at run time", span)
    if "load_in_4bit" in kwargs.entries:
        return Fact.written(False, kwargs.entries["load_in_4bit"].span or span)
    default = interp.training_arg_default(f"{fast_class}.from_pretrained", "load_in_4bit")
    if isinstance(default, bool):
        return Fact.default(default, f"default of {fast_class.rsplit('.', 1)[-1]}.from_pretrained", span)
    return Fact.unknown("unsloth's default for load_in_4bit is not known for this version", span)


def _prepare_kbit(interp: Interpreter, args: list[Value], kwargs: DictValue, span: Span) -> Value:
    target = args[0] if args else kwargs.entries.get("model")
    model = unwrap_model(target)
    event = interp.record(model, "kbit-prepare", span, kwargs) if model else None
    interp.facts.kbit_calls.append((span, model, event))
    return target if target is not None else Unknown(span, "no model given")


def _new_trainer(interp: Interpreter, name: str, local_class: str | None, args: list[Value],
                 kwargs: DictValue, span: Span) -> Value:
    model = args[0] if args else kwargs.entries.get("model")
    training_args = args[1] if len(args) > 1 else kwargs.entries.get("args")
    if training_args is None and not kwargs.complete:
        training_args = Unknown(span, "args may be passed through `**` arguments")
    callbacks = kwargs.entries.get("callbacks")
    callback_list: list[Value] = []
    if isinstance(callbacks, ListValue):
        callback_list = list(callbacks.items)
        if not callbacks.complete:
            callback_list.append(Unknown(callbacks.span, "callbacks computed at run time"))
    elif callbacks is not None and not (isinstance(callbacks, Const) and callbacks.value is None):
        callback_list.append(Unknown(callbacks.span, "callbacks computed at run time"))
    elif callbacks is None and not kwargs.complete:
        callback_list.append(Unknown(span, "callbacks may be passed through `**` arguments"))
    trainer = TrainerObject(name, span, model, training_args, kwargs.entries.get("peft_config"),
                            callback_list, local_class=local_class)
    trainer.keywords = tuple((key, where) for key, where in kwargs.key_spans.items() if key in kwargs.entries)
    trainer.conditional = bool(interp.conditional)
    trainer.eval_dataset = _trainer_keyword(args, kwargs, "eval_dataset", span)
    trainer.data_collator = _trainer_keyword(args, kwargs, "data_collator", span)
    trainer.processing_class = _trainer_keyword(args, kwargs, "processing_class", span) or \
        kwargs.entries.get("tokenizer")
    trainer.optimizers = kwargs.entries.get("optimizers")
    if model is None and not kwargs.complete:
        trainer.model = Unknown(span, "model may be passed through `**` arguments")
    if trainer.peft_config is None and not kwargs.complete:
        trainer.peft_config = Unknown(span, "peft_config may be passed through `**` arguments")
    interp.facts.trainers.append(trainer)
    return ObjectValue(span, trainer)


def _trainer_keyword(args: list[Value], kwargs: DictValue, key: str, span: Span) -> Value | None:
    """A trainer keyword after model/args/...: its value, None when not given, Unknown when it may
    be given by position (the positions differ between trainers) or through `**` arguments."""
    value = kwargs.entries.get(key)
    if value is None and len(args) > 2:
        return Unknown(span, "the trainer is given positional arguments")
    if value is None and not kwargs.complete:
        return Unknown(span, f"{key} may be passed through `**` arguments")
    return value


def _ddp(interp: Interpreter, args: list[Value], kwargs: DictValue, span: Span) -> Value:
    inner = args[0] if args else kwargs.entries.get("module") or Unknown(span, "no module")
    wrapper = DistributedWrapper(
        inner, span,
        _flag(kwargs, "find_unused_parameters", False, "default of DistributedDataParallel", span),
        _flag(kwargs, "static_graph", False, "default of DistributedDataParallel", span),
        "torch.nn.parallel.DistributedDataParallel")
    interp.facts.wrappers.append(wrapper)
    return ObjectValue(span, wrapper)


def _accelerator(kwargs: DictValue, span: Span) -> Value:
    handlers = kwargs.entries.get("kwargs_handlers")
    find_unused: Fact[bool] = Fact.default(
        accelerate_knowledge.FIND_UNUSED_DEFAULT, "default of accelerate (no DDP kwargs handler)", span)
    static_graph: Fact[bool] = Fact.default(False, "default of accelerate", span)
    if handlers is not None or not kwargs.complete:
        find_unused = Fact.unknown("kwargs_handlers are computed at run time", span)
        static_graph = Fact.unknown("kwargs_handlers are computed at run time", span)
        if isinstance(handlers, ListValue) and handlers.complete:
            find_unused = Fact.default(False, "default of accelerate", span)
            static_graph = Fact.default(False, "default of accelerate", span)
            for handler in handlers.items:
                if isinstance(handler, ObjectValue) and isinstance(handler.obj, DdpKwargsHandler):
                    find_unused, static_graph = handler.obj.find_unused, handler.obj.static_graph
                elif not isinstance(handler, ObjectValue):
                    find_unused = Fact.unknown("a kwargs handler is computed at run time", span)
                    static_graph = find_unused
    return ObjectValue(span, AcceleratorObject(span, find_unused, static_graph))


# -- methods ------------------------------------------------------------------------

def method(interp: Interpreter, owner: Value, name: str, args: list[Value], kwargs: DictValue,
           span: Span) -> Value | None:
    if name == "backward":
        interp.facts.backward_spans.append(span)
        interp.facts.backward_sequences.append(next_sequence())
    if isinstance(owner, Const) and isinstance(owner.value, str):
        return _string_method(owner.value, name, args, kwargs, span)
    if isinstance(owner, DictValue):
        return _dict_method(owner, name, args, span)
    if isinstance(owner, ListValue) and name == "append" and args:
        owner.items.append(args[0])
        return Const(span, None)
    if isinstance(owner, ObjectValue) and isinstance(owner.obj, cli_parsers.ArgparseParser):
        return _argparse_method(interp, owner, owner.obj, name, args, kwargs, span)
    if not isinstance(owner, ObjectValue):
        return None
    obj = owner.obj
    if isinstance(obj, DistributedWrapper) and name not in ("backward",):
        inner = unwrap_model(owner)
        if inner is not None and name in MODEL_PASSTHROUGH_METHODS:
            return owner
        return Unknown(span, f"result of `.{name}()` on a distributed wrapper")
    if isinstance(obj, TrackedModel):
        return _model_method(interp, owner, obj, name, args, kwargs, span)
    if isinstance(obj, Tokenizer):
        if name in ("add_tokens", "add_special_tokens"):
            obj.added_tokens.append(span)
        return Unknown(span, f"result of `tokenizer.{name}()`")
    if isinstance(obj, Embeddings) and name == "register_forward_hook":
        interp.record(obj.model, "input-grads", span, detail="a forward hook on the input embeddings")
        return Unknown(span, "a hook handle")
    if isinstance(obj, ArgumentParser):
        parsed = _parse(interp, obj, name, args, kwargs, span)
        if isinstance(parsed, ListValue) and truthy(kwargs.entries.get("return_remaining_strings")):
            parsed.items.append(Unknown(span, "remaining command-line strings"))
        return parsed
    if isinstance(obj, TrainerObject):
        if name == "add_callback" and args:
            obj.callbacks.append(args[0])
        if name == "train" and not obj.trained:
            obj.trained = True
            obj.trained_at = next_sequence()
        if name == "save_model":
            obj.save_model_spans.append(span)
        return Unknown(span, f"result of `trainer.{name}()`")
    if isinstance(obj, AcceleratorObject):
        return _accelerator_method(interp, obj, name, args, span)
    if isinstance(obj, TrainingArgs | UserDataclass):
        return Unknown(span, f"result of `.{name}()`")
    return None


# str methods computed on known strings (`"q_proj,v_proj".split(",")`, `name.strip()`)
STRING_METHODS = frozenset({
    "endswith", "startswith", "lower", "upper", "strip", "lstrip", "rstrip", "split", "rsplit",
    "replace", "format", "removeprefix", "removesuffix", "capitalize", "title", "casefold",
    "isdigit", "isnumeric", "isalpha", "isalnum", "find", "count", "partition", "rpartition",
    "splitlines", "zfill"})


def _string_method(text: str, name: str, args: list[Value], kwargs: DictValue,
                   span: Span) -> Value | None:
    if name == "join":
        items = args[0] if args else None
        if isinstance(items, ListValue) and items.complete and \
                all(isinstance(item, Const) and isinstance(item.value, str) for item in items.items):
            return Const(span, text.join(str(item.value) for item in items.items))  # type: ignore[union-attr]
        return Unknown(span, "joined from values computed at run time")
    if name not in STRING_METHODS:
        return None
    constants = [arg.value for arg in args if isinstance(arg, Const)]
    keywords = {key: value.value for key, value in kwargs.entries.items() if isinstance(value, Const)}
    if len(constants) != len(args) or len(keywords) != len(kwargs.entries) or not kwargs.complete:
        return Unknown(span, "computed at run time")
    try:
        result = getattr(text, name)(*constants, **keywords)
    except (TypeError, ValueError, IndexError, KeyError, AttributeError):
        return Unknown(span, "computed at run time")
    if isinstance(result, list | tuple):
        return ListValue(span, [Const(span, item) for item in result])
    return Const(span, result)


def _dict_method(owner: DictValue, name: str, args: list[Value], span: Span) -> Value | None:
    if name in ("get", "pop") and args and isinstance(args[0], Const) and isinstance(args[0].value, str):
        key = args[0].value
        entry = owner.get(key)
        if name == "pop":
            owner.entries.pop(key, None)
        if entry is not None:
            return entry
        return args[1] if len(args) > 1 else Const(span, None)
    if name == "copy":
        return DictValue(owner.span, dict(owner.entries), owner.complete, dict(owner.key_spans))
    if name == "update":
        from peft_lint.extract.interpretation import splat_into

        for argument in args:
            splat_into(owner, argument)
        return Const(span, None)
    if name == "setdefault" and args and isinstance(args[0], Const) and isinstance(args[0].value, str):
        if args[0].value not in owner.entries and len(args) > 1:
            owner.entries[args[0].value] = args[1]
        return owner.entries.get(args[0].value) or Unknown(span, "computed at run time")
    return None


def _model_method(interp: Interpreter, owner: ObjectValue, model: TrackedModel, name: str,
                  args: list[Value], kwargs: DictValue, span: Span) -> Value | None:
    if name in transformers_knowledge.GC_ENABLE_METHODS:
        options: Value | None = None
        for key in transformers_knowledge.GC_KWARGS_KEYS:
            if key in kwargs.entries:
                options = kwargs.entries[key]
        if options is None and args:
            options = args[0]
        if options is None and not kwargs.complete:
            options = Unknown(span, "checkpointing kwargs passed through `**` arguments")
        interp.record(model, "gc-enable", span, options, name)
        return Const(span, None)
    if name in ("gradient_checkpointing_disable", "activation_checkpointing_disable"):
        interp.record(model, "gc-disable", span)
        return Const(span, None)
    if name in ("add_adapter", "load_adapter"):  # transformers' PEFT integration: adapters in place
        interp.record(model, "adapter-added", span, detail=f"{name}()")
        return Const(span, None)
    if name == "enable_input_require_grads":
        interp.record(model, "input-grads", span, detail="enable_input_require_grads()")
        return Const(span, None)
    if name == "disable_input_require_grads":
        interp.record(model, "input-grads-off", span)
        return Const(span, None)
    if name == "get_input_embeddings":
        return ObjectValue(span, Embeddings(model))
    if name in SAVE_METHODS:
        given = kwargs.entries.get("state_dict")
        if (given is None or (isinstance(given, Const) and given.value is None)) and kwargs.complete:
            interp.record(model, "save", span, detail=name)
        # else: the script hands over the weights it collected itself (under ZeRO-3, gathered
        # with zero.GatheredParameters): what the file holds is theirs, not the sharded model's
        return Const(span, None)
    if name in ("merge_and_unload", "merge_adapter"):
        interp.record(model, "merge", span, detail=name)
    if name == "resize_token_embeddings":
        interp.record(model, "resized", span)
    cast = _dtype_cast(name, args, kwargs)
    if cast:
        interp.record(model, "dtype-cast", span, detail=cast)
    if name in MODEL_PASSTHROUGH_METHODS:
        return owner
    return Unknown(span, f"result of `model.{name}()`")


def _dtype_cast(name: str, args: list[Value], kwargs: DictValue) -> str:
    """`.half()`, `.float()`, `.to(torch.float16)`, `.to(dtype=...)`: what the call casts to."""
    if name in ("half", "float"):
        return f".{name}()"
    if name != "to":
        return ""
    for value in [*args, kwargs.entries.get("dtype")]:
        if isinstance(value, Ref) and value.name.startswith("torch.") and \
                value.name.split(".")[-1] in ("float16", "half", "bfloat16", "float32", "float"):
            return f".to({value.name})"
    return ".to(dtype=...)" if "dtype" in kwargs.entries else ""


def _accelerator_method(interp: Interpreter, accelerator: AcceleratorObject, name: str,
                        args: list[Value], span: Span) -> Value:
    if name == "prepare" or name == "prepare_model":
        results: list[Value] = []
        for argument in args:
            if unwrap_model(argument) is not None:
                wrapper = DistributedWrapper(argument, span, accelerator.find_unused,
                                             accelerator.static_graph, "accelerator.prepare")
                interp.facts.wrappers.append(wrapper)
                results.append(ObjectValue(span, wrapper))
            else:
                results.append(argument)
        return results[0] if len(results) == 1 else ListValue(span, results)
    if name == "unwrap_model" and args:
        model = unwrap_model(args[0])
        return ObjectValue(span, model) if model else Unknown(span, "an unwrapped model")
    if name in accelerate_knowledge.RESUME_HOOK_REGISTRATIONS:
        for argument in args:  # runs only when the run resumes from a saved state
            if isinstance(argument, ObjectValue) and isinstance(argument.obj, LocalFunction):
                interp.resume_only.add(id(argument.obj.node))
        return Unknown(span, "a hook handle")
    if name == "backward":
        interp.facts.backward_spans.append(span)
        interp.facts.backward_sequences.append(next_sequence())
    return Unknown(span, f"result of `accelerator.{name}()`")


def _argparse_method(interp: Interpreter, owner: ObjectValue, parser: cli_parsers.ArgparseParser,
                     name: str, args: list[Value], kwargs: DictValue, span: Span) -> Value:
    if name == "add_argument":
        return cli_parsers.add_argument(parser, args, kwargs, span)
    if name in cli_parsers.GROUP_METHODS:
        return owner  # a group's arguments are the parser's
    if name == "set_defaults":
        parser.defaults.update(kwargs.entries)
        return Const(span, None)
    if name == "add_arguments":  # simple_parsing: a dataclass's fields, as one namespace attribute
        kind = args[0] if args else kwargs.entries.get("dataclass")
        dest = args[1] if len(args) > 1 else kwargs.entries.get("dest")
        if kind is None or not (isinstance(dest, Const) and isinstance(dest.value, str)):
            parser.opaque = True
        else:
            parser.dataclasses.append((kind, dest.value))
        return Const(span, None)
    if name in cli_parsers.PARSE_METHODS:
        given = args[0] if args else kwargs.entries.get("args")
        if isinstance(given, ListValue):
            tokens: list[Value] | None = list(given.items) if given.complete else None
        elif given is not None and not (isinstance(given, Const) and given.value is None):
            tokens = None
        else:
            argv = interp.argv
            tokens = list(argv.items[1:]) if argv is not None and argv.complete else None
            if argv is None:
                interp.facts.notes.append("argparse values are the parser's defaults: no launcher "
                                          "passes this script its flags")
        parsed = cli_parsers.parse(parser, name, tokens, lambda argument, text: cli_parsers.convert_with(
            argument.kind, text, lambda function, value: interp.call_function(
                function, [value], DictValue(text.span, {}), interp.tree)), span)
        namespace = parsed.items[0] if isinstance(parsed, ListValue) else parsed
        if parser.dataclasses and isinstance(namespace, ObjectValue) and \
                isinstance(namespace.obj, UserDataclass):
            flags = _flags(tokens, span) if tokens is not None else \
                Unknown(span, "command-line arguments are not known (no launcher for this script)")
            for kind, dest in parser.dataclasses:
                namespace.obj.values.entries[dest] = _one_dataclass(interp, kind, flags, span)
        return parsed
    if name == "add_subparsers":
        parser.opaque = True
    return Unknown(span, f"result of `parser.{name}()`")


def _parse(interp: Interpreter, parser: ArgumentParser, name: str, args: list[Value],
           kwargs: DictValue, span: Span) -> Value | None:
    if name in ("parse_yaml_file", "parse_json_file"):
        source = args[0] if args else None
        path = str(source.value) if isinstance(source, Const) else None
        found = interp.resolver.lookup(path)
        values = found[0] if found else None
        if found:
            interp.facts.config_paths.append(found[1])
        if isinstance(values, DictValue):
            interp.facts.parsed_configs.append(ParsedConfig(parser.types, values, span))
        return _dataclasses(interp, parser, values, span, path)
    if name == "parse_dict" and args:
        if isinstance(args[0], DictValue):
            interp.facts.parsed_configs.append(ParsedConfig(parser.types, args[0], span))
        return _dataclasses(interp, parser, args[0], span, None)
    if name in ("parse_args_into_dataclasses", "parse_args", "parse_known_args",
                "parse_args_and_config"):
        trl_config = parser if name == "parse_args_and_config" else None
        flags = _command_line_flags(interp, args[0] if args else kwargs.entries.get("args"), span)
        if isinstance(flags, DictValue) and name in ("parse_args_into_dataclasses", "parse_args_and_config") \
                and not truthy(kwargs.entries.get("return_remaining_strings")):
            # parse_known_args leaves the flags no dataclass has; this call raises on them
            interp.facts.parsed_configs.append(ParsedConfig(parser.types, flags.without("config"), span,
                                                            "cli-flags"))
        if truthy(kwargs.entries.get("separate_remaining_strings")):
            trl_config = None  # TRL's CLI: the keys its dataclasses lack go on to accelerate launch
        return _dataclasses(interp, parser, _with_config_file(interp, flags, trl_config), span, None)
    return None


def _one_dataclass(interp: Interpreter, kind: Value, flags: Value, span: Span) -> Value:
    """A dataclass filled from the command line's flags (simple_parsing), as HfArgumentParser
    fills each of its types."""
    result = _dataclasses(interp, ArgumentParser(span, [kind]), flags, span, None)
    assert isinstance(result, ListValue)
    return result.items[0]


def _command_line_flags(interp: Interpreter, given: Value | None, span: Span) -> Value:
    """`--key value` flags the parser reads: the strings the script passes it, else the
    launcher line's (`sys.argv[1:]`)."""
    if given is not None and not (isinstance(given, Const) and given.value is None):
        if isinstance(given, ListValue) and given.complete:
            return _flags(given.items, span)
        return Unknown(span, "the script parses strings computed at run time")
    argv = interp.argv
    if argv is None or not argv.complete:
        return Unknown(span, "command-line arguments are not known (no launcher for this script)")
    return _flags(argv.items[1:], span)


def _flags(tokens: list[Value], span: Span) -> DictValue:
    values = DictValue(span, {})
    index = 0
    while index < len(tokens):
        token = tokens[index]
        text = token.value if isinstance(token, Const) else None
        if not isinstance(text, str) or not text.startswith("--"):
            index += 1
            continue
        key, has_value, inline = text[2:].partition("=")
        key = key.replace("-", "_")
        if token.span is not None:
            values.key_spans[key] = token.span
        if has_value:
            values.entries[key] = Const(token.span, _cli_scalar(inline))
            index += 1
            continue
        following: list[Value] = []
        while index + 1 + len(following) < len(tokens) and \
                not _is_option(tokens[index + 1 + len(following)]):
            following.append(tokens[index + 1 + len(following)])
        index += 1 + len(following)
        if not following:
            values.entries[key] = Const(token.span, True)
        elif len(following) == 1:
            only = following[0]
            values.entries[key] = Const(token.span, _cli_scalar(str(only.value))) \
                if isinstance(only, Const) else \
                Unknown(only.span, f"`--{key}` is computed when the launcher runs")
        else:  # nargs="+": a list field takes them all (any other field leaves them unused)
            values.entries[key] = ListValue(token.span, [
                Const(item.span, _cli_scalar(str(item.value))) if isinstance(item, Const) else item
                for item in following])
    return values


def _is_option(token: Value) -> bool:
    return isinstance(token, Const) and str(token.value).startswith("-") and \
        not _is_number(str(token.value))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _with_config_file(interp: Interpreter, flags: Value, trl_config: ArgumentParser | None) -> Value:
    """The flags, over the keys of a `--config` file (TRL style)."""
    if not isinstance(flags, DictValue):
        return flags
    values = DictValue(flags.span, dict(flags.entries), flags.complete)
    config = values.entries.pop("config", None)
    if isinstance(config, Const) and isinstance(config.value, str):
        found = interp.resolver.lookup(config.value)
        if found and isinstance(found[0], DictValue):
            interp.facts.config_paths.append(found[1])
            if trl_config is not None:  # TrlParser checks the config's keys itself (`env` aside)
                interp.facts.parsed_configs.append(ParsedConfig(trl_config.types, found[0].without("env"),
                                                                flags.span, "trl-config"))
            merged = DictValue(found[0].span, dict(found[0].entries), found[0].complete)
            merged.entries.update(values.entries)
            return merged
    return values


def _cli_scalar(text: str) -> object:
    """A flag's text as the parsers read it: numbers, and booleans (HfArgumentParser's
    string_to_bool, fire's literals)."""
    if text in ("True", "true"):
        return True
    if text in ("False", "false"):
        return False
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return text


def _dataclasses(interp: Interpreter, parser: ArgumentParser, values: Value | None, span: Span,
                 path: str | None) -> Value:
    if not isinstance(values, DictValue):
        reason = values.reason if isinstance(values, Unknown) else \
            f"config `{path}` is not among the files of this run" if path else \
            "the config path is computed at run time"
        values = DictValue(span, {}, complete=False)
        interp.facts.notes.append(f"HfArgumentParser values unknown: {reason}")
    results: list[Value] = []
    for kind in parser.types:
        if isinstance(kind, Ref) and kind.name in TRAINING_ARGS_CLASSES:
            training_args = TrainingArgs(kind.name, values.span or span, values)
            interp.facts.training_args.append(training_args)
            results.append(ObjectValue(span, training_args))
        elif isinstance(kind, Ref) and kind.name in trl_knowledge.MODEL_CONFIG:
            results.append(ObjectValue(span, UserDataclass("ModelConfig", _model_config(values, span))))
        elif isinstance(kind, ObjectValue) and isinstance(kind.obj, LocalClass):
            merged = class_defaults(interp, kind.obj)
            merged.entries.update(_as_field_types(kind.obj, values).entries)
            merged.complete = merged.complete and values.complete
            merged = after_post_init(interp, kind.obj, merged)
            base = next((name for name in kind.obj.bases if name in TRAINING_ARGS_CLASSES), None)
            if base is not None:
                training_args = TrainingArgs(base, values.span or span, merged)
                interp.facts.training_args.append(training_args)
                results.append(ObjectValue(span, training_args))
            else:
                results.append(ObjectValue(span, UserDataclass(kind.obj.name, merged)))
        else:
            results.append(ObjectValue(span, UserDataclass("unknown", values)))
    return ListValue(span, results)  # HfArgumentParser always returns a tuple


def _model_config(values: DictValue, span: Span) -> DictValue:
    """TRL's ModelConfig: its defaults under the values given, after its __post_init__."""
    # a field the flags may set is not its default when the flags are not known
    defaults = trl_knowledge.MODEL_CONFIG_DEFAULTS if values.complete else {}
    merged = DictValue(values.span or span, {key: Const(span, default, "default of TRL's ModelConfig")
                                             for key, default in defaults.items()})
    for key, value in values.entries.items():
        if key in trl_knowledge.MODEL_CONFIG_LIST_FIELDS and isinstance(value, Const) \
                and key != "lora_target_modules":  # a list of one stays a list but for this one
            value = ListValue(value.span, [value])
        merged.entries[key] = value
    targets = merged.entries.get("lora_target_modules")
    if isinstance(targets, ListValue) and targets.complete and len(targets.items) == 1:
        merged.entries["lora_target_modules"] = targets.items[0]  # its __post_init__
    merged.complete = values.complete
    return merged


def _from_model_config(interp: Interpreter, name: str, model_args: Value | None, span: Span) -> Value:
    """trl.get_peft_config / get_quantization_config of a ModelConfig."""
    values = model_args.obj.values if isinstance(model_args, ObjectValue) and \
        isinstance(model_args.obj, UserDataclass) else None
    if values is None:
        return Unknown(span, f"`{name.rsplit('.', 1)[-1]}` of arguments not known")

    def field_value(key: str) -> Value:
        return values.entries.get(key) or Unknown(span, f"`{key}` is not known")

    if name in trl_knowledge.GET_PEFT_CONFIG:
        use_peft = field_value("use_peft")
        if not isinstance(use_peft, Const):
            return Unknown(use_peft.span or span, "whether use_peft is set is not known")
        if use_peft.value is False:
            return Const(use_peft.span or span, None)
        kwargs = DictValue(span, {keyword: field_value(key)
                                  for keyword, key in trl_knowledge.PEFT_CONFIG_FIELDS.items()})
        kwargs.entries["bias"] = Const(span, "none", "set by trl.get_peft_config")
        target_parameters = field_value("lora_target_parameters")
        if not (isinstance(target_parameters, Const) and target_parameters.value is None):
            kwargs.entries["target_parameters"] = target_parameters
        config = AdapterConfig("peft.LoraConfig", "lora", use_peft.span or span, kwargs)
        value = ObjectValue(span, config)
        interp.facts.adapter_configs.append(value)
        return value
    four, eight = field_value("load_in_4bit"), field_value("load_in_8bit")
    if not isinstance(four, Const) or not isinstance(eight, Const):
        return Unknown(span, "whether the model is loaded in 4 or 8 bits is not known")
    if four.value:
        kwargs = DictValue(span, {"load_in_4bit": four,
                                  "bnb_4bit_compute_dtype": field_value("dtype"),
                                  "bnb_4bit_quant_type": field_value("bnb_4bit_quant_type"),
                                  "bnb_4bit_use_double_quant": field_value("use_bnb_nested_quant"),
                                  "bnb_4bit_quant_storage": field_value("bnb_4bit_quant_storage")})
    elif eight.value:
        kwargs = DictValue(span, {"load_in_8bit": eight})
    else:
        return Const(span, None)
    config = QuantizationConfig("transformers.BitsAndBytesConfig", span, kwargs)
    interp.facts.quantization_configs.append(config)
    return ObjectValue(span, config)


def _as_field_types(cls: LocalClass, values: DictValue) -> DictValue:
    """The flags as HfArgumentParser types them for this dataclass: a list field
    (`List[str]`, `list[str] | None`) takes one value as a list of one."""
    lists = _list_fields(cls)
    if not lists:
        return values
    typed = DictValue(values.span, dict(values.entries), values.complete, dict(values.key_spans))
    for key in lists:
        entry = typed.entries.get(key)
        if isinstance(entry, Const) and isinstance(entry.value, str):
            typed.entries[key] = ListValue(entry.span, [entry])
    return typed


LIST_ANNOTATIONS = ("List[", "list[", "Sequence[", "Tuple[", "tuple[")


def _list_fields(cls: LocalClass) -> set[str]:
    node = cls.node
    assert isinstance(node, ast.ClassDef)
    names = {name for base in cls.local_bases for name in _list_fields(base)}
    for statement in node.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            annotation = ast.unparse(statement.annotation).replace("typing.", "")
            if annotation.removeprefix("Optional[").startswith(LIST_ANNOTATIONS) or \
                    annotation in ("List", "list"):
                names.add(statement.target.id)
    return names


def class_defaults(interp: Interpreter, cls: LocalClass) -> DictValue:
    """Field defaults of a dataclass defined in the script or a module of the project (its
    local bases' first, as dataclasses collect them)."""
    values = DictValue(Span(cls.path or interp.path, 1), {})
    for base in reversed(cls.local_bases):
        values.entries.update(class_defaults(interp, base).entries)
    caller, interp.path = interp.path, cls.path or interp.path  # spans in the class's own file
    try:
        _read_field_defaults(interp, cls, values)
    finally:
        interp.path = caller
    return values


def _read_field_defaults(interp: Interpreter, cls: LocalClass, values: DictValue) -> None:
    from peft_lint.extract.interpretation import Scope

    node = cls.node
    assert isinstance(node, ast.ClassDef)
    values.span = interp.span(node)
    scope = cls.scope if isinstance(cls.scope, Scope) else interp.module_scope
    for statement in node.body:
        if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            name = statement.target.id
            default = statement.value
            if isinstance(default, ast.Call) and getattr(default.func, "id", "") == "field":
                default = next((kw.value for kw in default.keywords if kw.arg == "default"), None)
            if default is not None:
                values.entries[name] = interp.eval(default, scope)


def after_post_init(interp: Interpreter, cls: LocalClass, values: DictValue) -> DictValue:
    """The fields once the class's `__post_init__` has run: a field it assigns (`self.x =
    ...`, often a conversion such as `"q,v".split(",")`) is not known from the flags or the
    defaults any more."""
    method = find_method(cls, "__post_init__")
    if method is None:
        return values
    assert isinstance(method.node, ast.FunctionDef | ast.AsyncFunctionDef)
    for node in ast.walk(method.node):
        targets: list[ast.expr] = []
        if isinstance(node, ast.Assign):
            targets = [element for target in node.targets for element in _flatten_targets(target)]
        elif isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
                    and target.value.id == "self":
                span = replace(interp.span(target), path=method.path or interp.path)
                values.entries[target.attr] = Unknown(
                    span, f"`{target.attr}` is set by {cls.name}.__post_init__")
    return values


def _flatten_targets(target: ast.expr) -> list[ast.expr]:
    if isinstance(target, ast.Tuple | ast.List):
        return [element for item in target.elts for element in _flatten_targets(item)]
    return [target]


# -- attributes ---------------------------------------------------------------------

def _do_eval_after_post_init(args: TrainingArgs, span: Span) -> Value | None:
    """`args.do_eval` as __post_init__ leaves it: True whenever the evaluation strategy is not
    "no" (every release 4.30-5.24); None when the written value (or the default) stands."""
    names = ("eval_strategy", *transformers_knowledge.OLD_FIELD_NAMES.get("eval_strategy", ()))
    strategy = next((found for key in names if (found := args.values.get(key)) is not None), None)
    if strategy is None:
        return None if args.values.complete else Unknown(span, "eval_strategy may be set at run time")
    if isinstance(strategy, Const):
        shown = getattr(strategy.value, "value", strategy.value)
        return Const(span, True) if shown not in ("no", None) else None
    return Unknown(span, "do_eval follows eval_strategy, which is computed at run time")


def attribute(interp: Interpreter, owner: ObjectValue, name: str, span: Span) -> Value:
    obj = owner.obj
    if isinstance(obj, TrackedModel):
        if name in ("base_model", "module"):
            return owner
        if name == "model":
            return ObjectValue(span, obj.base) if obj.base else owner
        return Unknown(span, f"`model.{name}`")
    if isinstance(obj, DistributedWrapper):
        return obj.inner if name == "module" else Unknown(span, f"`.{name}` of a DDP wrapper")
    if isinstance(obj, TrainingArgs) and name == "do_eval":
        derived = _do_eval_after_post_init(obj, span)
        if derived is not None:
            return derived
    if isinstance(obj, TrainingArgs | UserDataclass):
        entry = obj.values.get(name)
        if entry is not None:
            return entry
        if isinstance(obj, TrainingArgs):
            default = interp.training_arg_default(obj.canonical, name)
            if default is not None:
                return Const(obj.span, default)
        return Unknown(span, f"`{name}` is not set in the files of this run")
    if isinstance(obj, TrainerObject):
        if name == "model" and obj.model is not None:
            return obj.model
        if name == "args" and obj.args is not None:
            return obj.args
    if isinstance(obj, LocalClass):
        return Ref(span, f"{obj.name}.{name}")
    if isinstance(obj, Tokenizer) and name in ("eos_token", "eos_token_id"):
        return ObjectValue(span, SpecialToken(obj, "eos"))
    if isinstance(obj, Instance):
        if name in obj.attributes:
            return obj.attributes[name]
        method = find_method(obj.cls, name)
        if method is not None:
            return ObjectValue(span, BoundMethod(obj, method))
        return Unknown(span, f"`self.{name}` is not set in this file")
    return Unknown(span, f"`.{name}`")


def assign_attribute(interp: Interpreter, owner: ObjectValue, name: str, value: Value,
                     span: Span) -> None:
    obj = owner.obj
    if isinstance(obj, TrainingArgs):
        obj.assigned_after_init.append((name, value, span))
    elif isinstance(obj, UserDataclass):
        obj.values.entries[name] = value
    elif isinstance(obj, Instance):
        obj.attributes[name] = value
    elif isinstance(obj, Tokenizer) and name in ("pad_token", "pad_token_id"):
        eos = isinstance(value, ObjectValue) and isinstance(value.obj, SpecialToken) and \
            value.obj.tokenizer is obj and value.obj.role == "eos"
        obj.pad_is_eos = span if eos else None
        obj.pad_is_eos_conditional = bool(interp.conditional) if eos else False


def method_override(interp: Interpreter, cls: LocalClass, name: str) -> MethodSignature | None:
    """The nearest definition of a method in a project class or its project bases (None when
    only library classes define it)."""
    for owner in _project_mro(cls):
        node = owner.node
        if not isinstance(node, ast.ClassDef):
            continue
        for statement in node.body:
            if isinstance(statement, ast.FunctionDef | ast.AsyncFunctionDef) and statement.name == name:
                arguments = statement.args
                names = tuple(a.arg for a in [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs])
                span = interp.span(statement) if not owner.path or owner.path == interp.path else \
                    Span(owner.path, statement.lineno, statement.col_offset + 1)
                return MethodSignature(owner.name, names, arguments.kwarg is not None, span)
    return None


def _project_mro(cls: LocalClass) -> list[LocalClass]:
    """The class and its project bases, depth first, each once."""
    order: list[LocalClass] = []
    pending = [cls]
    while pending:
        current = pending.pop(0)
        if current not in order and len(order) < 50:
            order.append(current)
            pending = [*current.local_bases, *pending]
    return order


def instantiate(interp: Interpreter, cls: LocalClass, args: list[Value], kwargs: DictValue,
                span: Span) -> Value:
    for base in cls.bases:
        if base in TRAINER_CLASSES:
            made = _new_trainer(interp, base, cls.name, args, kwargs, span)
            if isinstance(made, ObjectValue) and isinstance(made.obj, TrainerObject):
                made.obj.compute_loss = method_override(interp, cls, "compute_loss")
                made.obj.own_init = method_override(interp, cls, "__init__") is not None
            return made
    if any(base in TRAINING_ARGS_CLASSES for base in cls.bases):
        base = next(base for base in cls.bases if base in TRAINING_ARGS_CLASSES)
        values = class_defaults(interp, cls)
        values.entries.update(kwargs.entries)
        values.complete = kwargs.complete
        training_args = TrainingArgs(base, span, after_post_init(interp, cls, values))
        interp.facts.training_args.append(training_args)
        return ObjectValue(span, training_args)
    node = cls.node
    assert isinstance(node, ast.ClassDef)
    if any(_is_dataclass_decorator(decorator) for decorator in node.decorator_list):
        values = class_defaults(interp, cls)
        values.entries.update(kwargs.entries)
        values.complete = kwargs.complete
        return ObjectValue(span, UserDataclass(cls.name, after_post_init(interp, cls, values)))
    instance = ObjectValue(span, Instance(cls))
    init = find_method(cls, "__init__")
    if init is not None:
        interp.call_function(init, [instance, *args], kwargs, init.node)  # type: ignore[arg-type]
    return instance


def _is_dataclass_decorator(node: ast.expr) -> bool:
    target = node.func if isinstance(node, ast.Call) else node
    return (isinstance(target, ast.Name) and target.id == "dataclass") or \
        (isinstance(target, ast.Attribute) and target.attr == "dataclass")
