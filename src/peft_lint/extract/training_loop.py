"""Where AdaLoRA's `update_and_allocate` is called, read from the script's structure.

The call must run once per optimizer step while gradients exist: after
`backward()` and before `zero_grad()` (peft `AdaLoraModel.update_and_allocate`
docstring). This pass finds every call and decides its context: a training loop
(with the order of backward / zero_grad around it), a TrainerCallback hook, or a
Trainer method override; and whether it can ever run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from peft_lint.extract.python_objects import LocalClass
from peft_lint.facts.model import AllocationCall, Span
from peft_lint.knowledge import transformers as transformers_knowledge
from peft_lint.knowledge import trl as trl_knowledge

# Trainer order (trainer.py `_inner_training_loop`, 4.57.6 and 5.24.0):
# on_pre_optimizer_step -> optimizer.step() -> on_optimizer_step -> lr step ->
# model.zero_grad() (grads set to None) -> on_step_end. Hooks that run while no
# gradient exists make `update_ipt` multiply by None.
HOOKS_WITHOUT_GRADIENTS = frozenset({
    "on_step_end", "on_step_begin", "on_epoch_begin", "on_epoch_end", "on_log", "on_save",
    "on_evaluate", "on_train_begin", "on_train_end", "on_init_end", "on_prediction_step",
})
HOOKS_WITH_GRADIENTS = frozenset({"on_optimizer_step", "on_pre_optimizer_step", "on_substep_end"})
CALL_NAME = "update_and_allocate"


def find_allocation_calls(path: str, tree: ast.Module,
                          classes: dict[int, LocalClass]) -> list[AllocationCall]:
    parents, referenced, found = _index(tree)
    if not found:
        return []
    own_loop = _overrides_training_loop(classes)
    calls: list[AllocationCall] = []
    for node in found:
        call = _describe(path, node, parents, classes, referenced)
        if own_loop and call.context.startswith("callback:"):
            # a Trainer subclass with its own _inner_training_loop decides the hook order
            call.after_zero_grad = False
        calls.append(call)
    return calls


def _overrides_training_loop(classes: dict[int, LocalClass]) -> bool:
    trainer_bases = transformers_knowledge.TRAINER_CLASSES | trl_knowledge.TRAINER_CLASSES
    for local in classes.values():
        node = local.node
        if isinstance(node, ast.ClassDef) and any(base in trainer_bases for base in local.bases) and \
                any(isinstance(item, ast.FunctionDef) and item.name == "_inner_training_loop"
                    for item in node.body):
            return True
    return False


def _span(path: str, node: ast.AST) -> Span:
    return Span(path, getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1,
                getattr(node, "end_lineno", None), (getattr(node, "end_col_offset", 0) or 0) + 1)


def _index(tree: ast.Module) -> tuple[dict[int, ast.AST], set[str], list[ast.Call]]:
    """In one pass over the tree: each node's parent, the names the script refers to (loaded
    names, attributes, words of strings), and the update_and_allocate calls."""
    parents: dict[int, ast.AST] = {}
    names: set[str] = set()
    calls: list[ast.Call] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            names.update(node.value.replace(".", " ").replace(":", " ").split())
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr == CALL_NAME:
            calls.append(node)
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
            stack.append(child)
    calls.sort(key=lambda call: (call.lineno, call.col_offset))
    return parents, names, calls


def _ancestors(node: ast.AST, parents: dict[int, ast.AST]) -> Iterator[ast.AST]:
    current = parents.get(id(node))
    while current is not None:
        yield current
        current = parents.get(id(current))


def _describe(path: str, call: ast.Call, parents: dict[int, ast.AST],
              classes: dict[int, LocalClass], referenced: set[str]) -> AllocationCall:
    span = _span(path, call)
    function: ast.FunctionDef | ast.AsyncFunctionDef | None = None
    loop: ast.For | ast.While | None = None
    owner_class: ast.ClassDef | None = None
    child: ast.AST = call
    never_runs = ""
    for ancestor in _ancestors(call, parents):
        if isinstance(ancestor, ast.If) and _in_body(child, ancestor) and _needs_rank_pattern(ancestor.test):
            never_runs = ("it is guarded by a test of `rank_pattern`, which stays None until "
                          "update_and_allocate itself sets it")
        if isinstance(ancestor, ast.For | ast.While) and loop is None and function is None:
            loop = ancestor
        if isinstance(ancestor, ast.FunctionDef | ast.AsyncFunctionDef) and function is None:
            function = ancestor
        if isinstance(ancestor, ast.ClassDef) and owner_class is None:
            owner_class = ancestor
        child = ancestor
    method_of_class = owner_class is not None and function is not None and \
        any(item is function for item in owner_class.body)
    if owner_class is not None and function is not None and not method_of_class:
        # a function nested in a method (e.g. assigned over model.zero_grad): when it runs is
        # decided at run time
        return AllocationCall(span, "function", False, never_runs)
    if owner_class is not None and function is not None:
        bases = classes[id(owner_class)].bases if id(owner_class) in classes else []
        if any(base in transformers_knowledge.CALLBACK_BASES for base in bases):
            if not never_runs and owner_class.name not in referenced:
                never_runs = f"the callback `{owner_class.name}` is never passed to the trainer"
            return AllocationCall(span, f"callback:{function.name}",
                                  function.name in HOOKS_WITHOUT_GRADIENTS, never_runs)
        trainer_bases = transformers_knowledge.TRAINER_CLASSES | trl_knowledge.TRAINER_CLASSES
        if any(base in trainer_bases for base in bases):
            return AllocationCall(span, f"trainer-override:{function.name}", False, never_runs)
    if loop is not None:
        return AllocationCall(span, "loop", _after_zero_grad(call, loop), never_runs)
    if function is not None and not never_runs and _never_called(function, parents, referenced):
        never_runs = f"the function `{function.name}` is never called"
    return AllocationCall(span, "function", False, never_runs)


def _in_body(child: ast.AST, node: ast.If) -> bool:
    return any(statement is child for statement in node.body)


def _needs_rank_pattern(test: ast.expr) -> bool:
    """`x.rank_pattern is not None`, `x.rank_pattern`, `x.rank_pattern != None`."""
    if isinstance(test, ast.BoolOp) and isinstance(test.op, ast.And):
        return any(_needs_rank_pattern(value) for value in test.values)
    if isinstance(test, ast.Attribute) and test.attr == "rank_pattern":
        return True
    if isinstance(test, ast.Compare) and isinstance(test.left, ast.Attribute) and \
            test.left.attr == "rank_pattern" and len(test.ops) == 1 and \
            isinstance(test.ops[0], ast.IsNot | ast.NotEq) and \
            isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None:
        return True
    return False


def _never_called(function: ast.FunctionDef | ast.AsyncFunctionDef, parents: dict[int, ast.AST],
                  referenced: set[str]) -> bool:
    if function.decorator_list or not isinstance(parents.get(id(function)), ast.Module):
        return False
    return function.name not in referenced


def _after_zero_grad(call: ast.Call, loop: ast.For | ast.While) -> bool:
    """Whether the last backward/zero_grad before the call, cyclically, is a zero_grad."""
    order = list(_step_calls(loop.body))
    position = next((index for index, (_, node, _) in enumerate(order) if node is call), None)
    if position is None:
        return False
    own_block = order[position][2]
    steps = ("backward", "zero_grad", "zero_grad?")
    before = [(kind, block) for kind, _, block in order[:position] if kind in steps]
    after = [(kind, block) for kind, _, block in order[position + 1:] if kind in steps]
    previous = before[-1] if before else after[-1] if after else None
    # only a zero_grad that runs whenever the call does (in its block or one around it) and
    # surely sets the gradients to None
    return previous is not None and previous[0] == "zero_grad" and \
        own_block[:len(previous[1])] == previous[1]


Block = tuple[tuple[int, str], ...]  # the branches a call sits in: (statement id, which part)


def _step_calls(body: list[ast.stmt], block: Block = ()) -> Iterator[tuple[str, ast.Call, Block]]:
    """Calls in source order, through if/with/try, not into nested loops or functions; each
    with the branches it sits in (an `if` body, an `else`, an `except`)."""
    for statement in body:
        if isinstance(statement, ast.For | ast.While | ast.AsyncFor | ast.FunctionDef |
                      ast.AsyncFunctionDef | ast.ClassDef):
            continue
        if isinstance(statement, ast.With | ast.AsyncWith):
            yield from _step_calls(statement.body, block)
            continue
        if isinstance(statement, ast.If | ast.Try):
            for field_name in ("body", "orelse", "finalbody"):
                runs_always = field_name == "finalbody" or \
                    (isinstance(statement, ast.Try) and field_name == "body")
                inner = block if runs_always else (*block, (id(statement), field_name))
                yield from _step_calls(getattr(statement, field_name, []), inner)
            for index, handler in enumerate(getattr(statement, "handlers", [])):
                yield from _step_calls(handler.body, (*block, (id(statement), f"except {index}")))
            continue
        for node in ast.walk(statement):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                kind = _kind(node)
                if kind:
                    yield kind, node, block


def _kind(node: ast.Call) -> str:
    attribute = node.func.attr if isinstance(node.func, ast.Attribute) else ""
    if attribute == CALL_NAME:
        return "allocate"
    if attribute == "backward":
        return "backward"
    if attribute == "zero_grad":
        setting = next((keyword.value for keyword in node.keywords if keyword.arg == "set_to_none"), None)
        if setting is None:
            return "zero_grad"  # torch >= 2.0 sets the gradients to None by default
        if isinstance(setting, ast.Constant):
            return "" if setting.value is False else "zero_grad"
        return "zero_grad?"  # decided at run time
    return ""
