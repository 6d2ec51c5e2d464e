"""Which architecture a run trains, and in which dtype its weights load."""

from __future__ import annotations

from pathlib import Path

from peft_lint.extract.python_objects import (
    TrackedModel,
)
from peft_lint.facts.context import Context
from peft_lint.facts.model import (
    Fact,
    ModelLoad,
    Span,
)
from peft_lint.facts.values import Const, Ref, Unknown, Value
from peft_lint.inputs.files import is_file
from peft_lint.knowledge import transformers as tf


def model_type_fact(context: Context, model: TrackedModel | None, load: ModelLoad) -> Fact[str]:
    from peft_lint.knowledge import modules

    if model is None:
        return Fact.unknown("no model found")
    root = model.root()
    if load.class_name.known:
        found = modules.model_type_from_class(str(load.class_name.value), context.version("transformers"))
        if found:
            return Fact.derived(found, f"from the class {load.class_name.value}", root.span)
    model_id = root.model_id
    if isinstance(model_id, Const) and isinstance(model_id.value, str):
        local = _local_model_type(context, model_id.value)
        if local:
            return Fact.derived(local, f"from the model id {model_id.value}", model_id.span)
        return model_type_from_id(model_id)
    return Fact.unknown("the model id is chosen at run time", root.span)


def model_type_from_id(model_id: Value | None) -> Fact[str]:
    from peft_lint.knowledge import modules

    if not (isinstance(model_id, Const) and isinstance(model_id.value, str)):
        return Fact.unknown("the model id is chosen at run time", model_id.span if model_id else None)
    found = modules.model_type_from_id(model_id.value)
    if found:
        return Fact.derived(found, f"from the model id {model_id.value}", model_id.span)
    return Fact.unknown(f"the architecture of `{model_id.value}` is not known to peft-lint", model_id.span)


def _local_model_type(context: Context, model_id: str) -> str | None:
    """model_type from a local checkpoint folder's config.json, next to the run."""
    value = _local_config(context, model_id).get("model_type")
    return value if isinstance(value, str) else None


def resolved_path(path: Path) -> Path | None:
    try:
        return path.resolve()
    except (OSError, ValueError, RuntimeError):  # a name read from a script: NUL, loops, length
        return None


def _local_config(context: Context, model_id: str) -> dict[str, object]:
    """A local checkpoint folder's config.json, next to the run; {} when there is none."""
    import json

    for folder in context.unit.directories():
        config = folder / model_id / "config.json"
        if is_file(config):
            try:
                loaded = json.loads(config.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                return {}
            return loaded if isinstance(loaded, dict) else {}
    return {}


def weights_dtype_fact(context: Context, model: TrackedModel | None) -> Fact[str]:
    """The dtype from_pretrained gives the weights: the dtype argument, else the checkpoint's
    own dtype where that is the default (transformers >= 5) or asked for (dtype="auto")."""
    if model is None or model.root().kind != "base" or model.root().load_kwargs is None:
        return Fact.unknown("no from_pretrained call found")
    root = model.root()
    kwargs = root.load_kwargs
    assert kwargs is not None
    given = kwargs.get("dtype") or kwargs.get("torch_dtype")
    if isinstance(given, Unknown):
        return Fact.unknown("the dtype is chosen at run time", given.span)
    if given is not None:
        text = given.name if isinstance(given, Ref) else given.value if isinstance(given, Const) else None
        name = tf.dtype_name(text)
        if name is None:
            return Fact.unknown("the dtype is chosen at run time", given.span)
        if name != "auto":
            return Fact.written(name, given.span)
    elif not tf.loads_checkpoint_dtype_by_default(context.version("transformers")):
        return Fact.derived("float32", "from_pretrained loads float32 by default before transformers 5",
                            root.span)
    return _checkpoint_dtype(context, root.model_id, given.span if given is not None else root.span)


def _checkpoint_dtype(context: Context, model_id: Value | None, span: Span | None) -> Fact[str]:
    if not (isinstance(model_id, Const) and isinstance(model_id.value, str)):
        return Fact.unknown("the checkpoint's dtype is not known (the model id is chosen at run time)", span)
    config = _local_config(context, model_id.value)
    stored = config.get("dtype") or config.get("torch_dtype")
    name = tf.dtype_name(stored) if stored else tf.CHECKPOINT_DTYPES.get(model_id.value)
    if name is None or name == "auto":
        return Fact.unknown(f"the dtype of the checkpoint `{model_id.value}` is not known", span)
    source = "its config.json" if stored else "its hub config"
    return Fact.derived(name, f"the checkpoint dtype of {model_id.value} ({source})", span)
