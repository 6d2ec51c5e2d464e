"""Python front-end: reads a training script through `ast`, never importing it.

An abstract interpreter walks the script in program order. It resolves imports to
canonical names (`peft.AdaLoraConfig`), follows assignments, literals, dicts and
`**` splats, inlines calls of functions defined in the same file, and tracks the
objects that matter (models, adapter configs, training arguments, trainers,
distributed wrappers) with the calls made on them. Anything computed at run time
is `Unknown`, never guessed.
"""

from __future__ import annotations

import ast
import operator
import re
from collections.abc import Callable

from peft_lint.extract import library_calls
from peft_lint.extract.interpretation import ConfigResolver, Scope, ScriptFacts, splat_into
from peft_lint.extract.python_objects import (
    ArgumentParser,
    BoundMethod,
    DistributedWrapper,
    Event,
    Instance,
    LibraryImport,
    LocalClass,
    LocalFunction,
    LocalModule,
    ObjectValue,
    OpenFile,
    SpecialToken,
    TrackedModel,
    UserDataclass,
    enter_arm,
    find_method,
    leave_arm,
    next_sequence,
    unwrap_model,
)
from peft_lint.facts.model import Span
from peft_lint.facts.values import Const, DictValue, ListValue, Ref, Unknown, Value

HF_ROOTS = ("transformers", "peft", "trl", "accelerate", "torch", "bitsandbytes", "deepspeed")
# Never read as the project's own modules, even when a folder of that name is there (a vendored
# copy of a library): their behaviour is knowledge, not code to interpret.
LIBRARY_ROOTS = frozenset({*HF_ROOTS, "unsloth", "unsloth_zoo", "datasets", "safetensors", "yaml",
                           "numpy", "sagemaker", "wandb", "evaluate", "tokenizers", "huggingface_hub"})
# Packages whose top-level names are checked against the release (`from trl import X`)
EXPORTS_CHECKED = frozenset({"trl", "peft"})
# What an `except` clause must catch to guard an import
IMPORT_ERROR_CATCHERS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})
MAX_INLINE_DEPTH = 8
MAX_INLINED_CALLS = 400
# Builtins and logging calls that read a model without changing it.
HARMLESS_CALLS = frozenset({
    "print", "len", "isinstance", "type", "id", "str", "repr", "hasattr", "getattr", "sum",
    "list", "dict", "sorted", "enumerate", "zip", "any", "all", "max", "min", "format", "vars",
    "tuple", "set", "iter", "next", "callable", "super",
})
# Library functions that read a model without changing what trains
READ_ONLY_LIBRARY_CALLS = frozenset({
    "peft.get_peft_model_state_dict", "peft.utils.get_peft_model_state_dict",
    "transformers.set_seed", "accelerate.utils.set_seed", "torch.manual_seed",
    "torch.save", "torch.no_grad", "torch.cuda.empty_cache", "torch.device",
    # builds an optimizer over the model's parameters (LoRA+)
    "peft.optimizers.create_loraplus_optimizer",
})
HARMLESS_METHODS = frozenset({
    "info", "debug", "warning", "warn", "error", "log", "write", "append", "print", "format",
    "exception", "critical", "add", "extend",
})


class _Return(Exception):
    pass


# Importing these patches the training libraries (unsloth replaces TRL's config and trainer
# classes): the script is read in that dialect.
DIALECT_MODULES = {"unsloth": "unsloth"}


# A module of the project, by (dotted name, relative-import level, the importing file's path):
# (its path as shown, its syntax tree), or None when it is not a file of the project.
ModuleLoader = Callable[[str, int, str], "tuple[str, ast.Module] | None"]
# Modules whose top level made nothing the rules read (definitions, constants): read once per
# lint and shared by its scripts. Cleared when a lint starts (`forget_modules`).
_PURE_MODULES: dict[str, LocalModule] = {}


def forget_modules() -> None:
    _PURE_MODULES.clear()


def _shareable(module: LocalModule) -> bool:
    """Whether a module's names can serve several scripts: none is a value a script could change
    in place (a dict, a list, an object)."""
    names = module.scope.names if isinstance(module.scope, Scope) else {}
    return all(isinstance(value, Const | Ref | Unknown) or (
        isinstance(value, ObjectValue) and isinstance(value.obj, LocalFunction | LocalClass | LocalModule))
        for value in names.values())


# Local modules followed per script, and how deep imports of imports are followed: more is
# noted and not read (a project's helpers are near the script; a large package is not the run).
MAX_MODULES = 16
MAX_MODULE_DEPTH = 3


class Interpreter:
    def __init__(self, path: str, tree: ast.Module, resolver: ConfigResolver,
                 argv: ListValue | None,
                 training_arg_default: Callable[[str, str], object | None] | None = None,
                 module_loader: ModuleLoader | None = None,
                 environment: dict[str, str] | None = None) -> None:
        self.path = path
        # what the launcher exports to the script (None: no launcher; variables keep defaults)
        self.environment = environment
        self.is_main = True  # False while an imported module's top level runs
        self.module_loader = module_loader
        self.modules: dict[str, LocalModule | None] = {}  # by path; None while it is being read
        self.module_depth = 0
        self.training_arg_default = training_arg_default or (lambda canonical, key: None)
        self.tree = tree
        self.resolver = resolver
        self.argv = argv
        self.facts = ScriptFacts(path)
        self.module_scope = Scope()
        self.depth = 0
        self.inlined = 0
        self.conditional = 0
        self.import_guards = 0  # inside `try` bodies whose handlers catch an ImportError
        self.called_functions: set[int] = set()
        # functions registered to run only when a run resumes (accelerate load-state hooks)
        self.resume_only: set[int] = set()
        self.returns: list[list[Value]] = []

    # -- spans ---------------------------------------------------------------
    def span(self, node: ast.AST) -> Span:
        try:  # expressions and statements: every position attribute is there (the hot path)
            return Span(self.path, node.lineno, node.col_offset + 1,  # type: ignore[attr-defined]
                        node.end_lineno or node.lineno,  # type: ignore[attr-defined]
                        (node.end_col_offset or node.col_offset) + 1)  # type: ignore[attr-defined]
        except AttributeError:
            pass
        line = getattr(node, "lineno", 1)
        column = getattr(node, "col_offset", 0) + 1
        end_line = getattr(node, "end_lineno", None) or line
        end_column = (getattr(node, "end_col_offset", None) or column - 1) + 1
        return Span(self.path, line, column, end_line, end_column)

    # -- entry ---------------------------------------------------------------
    def run(self) -> ScriptFacts:
        self.exec_block(self.tree.body, self.module_scope)
        # Functions never called from module code may be entry points (a CLI
        # framework, a notebook cell calling them later): read them too, with
        # unknown parameters.
        for node in self.tree.body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and \
                    id(node) not in self.called_functions and id(node) not in self.resume_only:
                function = self.module_scope.get(node.name)
                if isinstance(function, ObjectValue) and isinstance(function.obj, LocalFunction):
                    self.call_function(function.obj, [], DictValue(None, {}, complete=False),
                                       node, entry=True)
        return self.facts

    # -- statements ------------------------------------------------------------
    def exec_block(self, body: list[ast.stmt], scope: Scope) -> None:
        for statement in body:
            self.exec_statement(statement, scope)

    def exec_statement(self, node: ast.stmt, scope: Scope) -> None:
        handler = getattr(self, f"stmt_{type(node).__name__}", None)
        if handler is not None:
            handler(node, scope)

    def stmt_Import(self, node: ast.Import, scope: Scope) -> None:
        self._note_dialect([alias.name for alias in node.names])
        for alias in node.names:
            bound = alias.asname or alias.name.split(".")[0]
            local = self.local_module(alias.name if alias.asname else bound, 0, node)
            if local is not None:
                scope.names[bound] = ObjectValue(self.span(node), local)
            elif alias.asname:
                scope.names[alias.asname] = Ref(self.span(node), canonical(alias.name))
            else:
                scope.names[bound] = Ref(self.span(node), bound)

    def _note_dialect(self, modules: list[str]) -> None:
        if any(module.split(".")[0] in DIALECT_MODULES for module in modules):
            self.facts.dialects.update(DIALECT_MODULES[module.split(".")[0]] for module in modules
                                       if module.split(".")[0] in DIALECT_MODULES)

    def stmt_ImportFrom(self, node: ast.ImportFrom, scope: Scope) -> None:
        module = node.module or ""
        if not node.level:
            self._note_dialect([module])
        local = self.local_module(module, node.level, node)
        if local is not None:
            self.bind_from_module(local, node, scope)
            return
        if node.level:
            for alias in node.names:
                scope.names[alias.asname or alias.name] = Unknown(
                    self.span(node), f"`{alias.name}` comes from a local module")
            return
        for alias in node.names:
            if alias.name == "*":
                continue
            scope.names[alias.asname or alias.name] = Ref(
                self.span(node), canonical(f"{module}.{alias.name}"))
            if module in EXPORTS_CHECKED:
                self.facts.library_imports.append(LibraryImport(
                    module, alias.name, self.span(node), bool(self.import_guards or self.conditional)))

    # -- the project's own modules ----------------------------------------------------
    def local_module(self, name: str, level: int, node: ast.AST) -> LocalModule | None:
        """A module of the project (read and run the first time, like an import), or None for
        a library or a module peft-lint cannot find."""
        if self.module_loader is None or (not level and name.split(".")[0] in LIBRARY_ROOTS):
            return None
        found = self.module_loader(name, level, self.path)
        if found is None:
            return None
        path, tree = found
        if path in self.modules:
            return self.modules[path]  # read already, or an import cycle (None) being read
        if path in _PURE_MODULES:  # definitions only: the same for every script of the lint
            self.modules[path] = _PURE_MODULES[path]
            return _PURE_MODULES[path]
        if len(self.modules) >= MAX_MODULES or self.module_depth >= MAX_MODULE_DEPTH:
            limit = f"{MAX_MODULES} modules" if len(self.modules) >= MAX_MODULES else \
                f"imports {MAX_MODULE_DEPTH} deep"
            self.facts.notes.append(f"the project's modules were followed up to {limit}; `{name}` ({path}, "
                                    f"imported at {self.path}:{self.span(node).line}) was not read")
            return None
        self.modules[path] = None
        module = LocalModule(name, path, Scope())
        before = self.facts.size()
        saved = self.path, self.is_main, self.conditional
        self.path, self.is_main = path, False
        self.module_depth += 1
        try:
            self.exec_block(_definitions(tree.body), module.scope)  # type: ignore[arg-type]
        except _Return:
            pass
        finally:
            self.path, self.is_main, self.conditional = saved
            self.module_depth -= 1
        self.modules[path] = module
        if self.facts.size() == before and _shareable(module):
            _PURE_MODULES[path] = module
        self.facts.module_paths.append(path)
        return module

    def bind_from_module(self, module: LocalModule, node: ast.ImportFrom, scope: Scope) -> None:
        names = module.scope.names if isinstance(module.scope, Scope) else {}
        for alias in node.names:
            if alias.name == "*":
                scope.names.update({key: value for key, value in names.items() if not key.startswith("_")})
                continue
            value = names.get(alias.name)
            if value is None:  # a submodule: `from package import module`
                sub_module = self.local_module(f"{module.name}.{alias.name}" if node.level == 0
                                               else f"{node.module or ''}.{alias.name}".lstrip("."),
                                               node.level, node)
                value = ObjectValue(self.span(node), sub_module) if sub_module else Unknown(
                    self.span(node), f"`{alias.name}` is not defined in {module.path}")
            scope.names[alias.asname or alias.name] = value

    def stmt_FunctionDef(self, node: ast.FunctionDef, scope: Scope) -> None:
        scope.names[node.name] = ObjectValue(self.span(node),
                                             LocalFunction(node.name, node, scope, self.path))

    stmt_AsyncFunctionDef = stmt_FunctionDef

    def stmt_ClassDef(self, node: ast.ClassDef, scope: Scope) -> None:
        bases: list[str] = []
        local_bases: list[LocalClass] = []
        unknown_bases = False
        for base in node.bases:
            value = self.eval(base, scope)
            if isinstance(value, Ref):
                bases.append(value.name)
            elif isinstance(value, ObjectValue) and isinstance(value.obj, LocalClass):
                bases.extend(value.obj.bases)
                local_bases.append(value.obj)
                unknown_bases = unknown_bases or value.obj.unknown_bases
            else:
                unknown_bases = True
        local_class = LocalClass(node.name, node, bases, scope, local_bases, self.path, unknown_bases)
        self.facts.classes[id(node)] = local_class
        scope.names[node.name] = ObjectValue(self.span(node), local_class)

    def stmt_Assign(self, node: ast.Assign, scope: Scope) -> None:
        value = self.eval(node.value, scope)
        for target in node.targets:
            self.bind(target, value, scope)
            if isinstance(target, ast.Attribute) and target.attr == "state_dict" and \
                    _calls_named(node.value, "get_peft_model_state_dict"):
                # `model.state_dict = (lambda self, ...: get_peft_model_state_dict(self, ...)).__get__(...)`
                owner = unwrap_model(self.eval(target.value, scope))
                if owner is not None:
                    self.record(owner, "state-dict-patch", self.span(node))

    def stmt_AnnAssign(self, node: ast.AnnAssign, scope: Scope) -> None:
        if node.value is not None:
            self.bind(node.target, self.eval(node.value, scope), scope)

    def stmt_AugAssign(self, node: ast.AugAssign, scope: Scope) -> None:
        self.eval(node.value, scope)
        if isinstance(node.target, ast.Name):
            scope.names[node.target.id] = Unknown(self.span(node), "changed in place")

    def stmt_Expr(self, node: ast.Expr, scope: Scope) -> None:
        call = node.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and \
                call.func.attr in library_calls.RESULT_MATTERS:
            # `model.merge_and_unload()` as a statement: the result is thrown away
            owner = unwrap_model(self.eval(call.func.value, scope))
            if owner is not None:
                self.record(owner, "result-discarded", self.span(call), detail=call.func.attr)
        self.eval(node.value, scope)

    def stmt_Return(self, node: ast.Return, scope: Scope) -> None:
        value = self.eval(node.value, scope) if node.value is not None else Const(self.span(node), None)
        if self.returns:
            self.returns[-1].append(value)
        raise _Return()

    def stmt_If(self, node: ast.If, scope: Scope) -> None:
        decided = self.decide(node.test, scope)
        if decided is True:
            self.exec_block(node.body, scope)
        elif decided is False:
            self.exec_block(node.orelse, scope)
        else:
            self.exec_branches([node.body, node.orelse], scope)

    def stmt_For(self, node: ast.For, scope: Scope) -> None:
        self.eval(node.iter, scope)
        self.bind(node.target, Unknown(self.span(node.target), "a loop variable"), scope)
        self.exec_loop(node.body, scope)
        if node.orelse:
            self.exec_branches([node.orelse, []], scope)

    stmt_AsyncFor = stmt_For

    def stmt_While(self, node: ast.While, scope: Scope) -> None:
        self.eval(node.test, scope)
        self.exec_loop(node.body, scope)

    def stmt_With(self, node: ast.With, scope: Scope) -> None:
        for item in node.items:
            value = self.eval(item.context_expr, scope)
            if item.optional_vars is not None:
                self.bind(item.optional_vars, value, scope)
        self.exec_block(node.body, scope)

    stmt_AsyncWith = stmt_With

    def stmt_Try(self, node: ast.Try, scope: Scope) -> None:
        guards = any(_catches_import_error(handler) for handler in node.handlers)
        self.import_guards += guards
        try:
            self.exec_block(node.body, scope)
        finally:
            self.import_guards -= guards
            if node.handlers:
                self.exec_branches([handler.body for handler in node.handlers] + [[]], scope)
            self.exec_block(node.orelse, scope)
            self.exec_block(node.finalbody, scope)

    stmt_TryStar = stmt_Try

    def stmt_Match(self, node: ast.AST, scope: Scope) -> None:
        cases = getattr(node, "cases", [])
        self.exec_branches([case.body for case in cases] + [[]], scope)

    def exec_loop(self, body: list[ast.stmt], scope: Scope) -> None:
        before = dict(scope.names)
        try:
            self.exec_block(body, scope)
        except _Return:
            pass
        merge_into(scope, [before, dict(scope.names)], self.span_of(body))

    def exec_branches(self, branches: list[list[ast.stmt]], scope: Scope) -> None:
        before = dict(scope.names)
        outcomes: list[dict[str, Value]] = []
        returned = 0
        self.conditional += 1
        site = next_sequence()  # this visit of the branch (a function called twice: two sites)
        try:
            for arm, branch in enumerate(branches):
                scope.names = dict(before)
                enter_arm(site, arm)
                try:
                    self.exec_block(branch, scope)
                    outcomes.append(dict(scope.names))
                except _Return:
                    returned += 1
                finally:
                    leave_arm()
        finally:
            self.conditional -= 1
        if not outcomes:
            scope.names = before
            raise _Return()
        merge_into(scope, outcomes, self.span_of(branches[0]))

    def span_of(self, body: list[ast.stmt]) -> Span | None:
        return self.span(body[0]) if body else None

    # -- binding -------------------------------------------------------------
    def bind(self, target: ast.expr, value: Value, scope: Scope) -> None:
        if isinstance(target, ast.Name):
            scope.names[target.id] = value
        elif isinstance(target, ast.Tuple | ast.List):
            items = value.items if isinstance(value, ListValue) and value.complete else None
            plain_targets = [t for t in target.elts if not isinstance(t, ast.Starred)]
            if items is not None and len(items) == len(target.elts) == len(plain_targets):
                for sub_target, item in zip(target.elts, items, strict=True):
                    self.bind(sub_target, item, scope)
            else:
                for sub_target in target.elts:
                    inner = sub_target.value if isinstance(sub_target, ast.Starred) else sub_target
                    self.bind(inner, Unknown(self.span(sub_target), "unpacked from a computed value"),
                              scope)
        elif isinstance(target, ast.Attribute):
            owner = self.eval(target.value, scope)
            if isinstance(owner, ObjectValue):
                library_calls.assign_attribute(self, owner, target.attr, value, self.span(target))
        elif isinstance(target, ast.Subscript):
            owner = self.eval(target.value, scope)
            key = self.eval(target.slice, scope)
            if isinstance(owner, DictValue):
                if isinstance(key, Const) and isinstance(key.value, str):
                    owner.entries[key.value] = value
                else:
                    owner.complete = False

    # -- expressions -----------------------------------------------------------
    def eval(self, node: ast.expr | None, scope: Scope) -> Value:
        if node is None:
            return Const(None, None)
        handler = getattr(self, f"expr_{type(node).__name__}", None)
        if handler is None:
            self.eval_children(node, scope)
            return Unknown(self.span(node), "computed at run time")
        result: Value = handler(node, scope)
        return result

    def eval_children(self, node: ast.AST, scope: Scope) -> None:
        """Evaluate sub-expressions for their calls (events), discarding values."""
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr) and not isinstance(child, ast.Lambda):
                self.eval(child, scope)

    def expr_Constant(self, node: ast.Constant, scope: Scope) -> Value:
        return Const(self.span(node), node.value)

    def expr_Name(self, node: ast.Name, scope: Scope) -> Value:
        value = scope.get(node.id)
        if value is None and node.id in library_calls.BUILTINS:
            return Ref(self.span(node), node.id)
        if value is None:
            return Unknown(self.span(node), f"`{node.id}` is not assigned in this file")
        return value

    def expr_Attribute(self, node: ast.Attribute, scope: Scope) -> Value:
        owner = self.eval(node.value, scope)
        if isinstance(owner, Ref):
            name = canonical(f"{owner.name}.{node.attr}")
            if name == "sys.argv" and self.argv is not None:
                return self.argv
            return Ref(self.span(node), name)
        if isinstance(owner, ObjectValue) and isinstance(owner.obj, LocalModule):
            return self.module_attribute(owner.obj, node.attr, node)
        if isinstance(owner, ObjectValue):
            return library_calls.attribute(self, owner, node.attr, self.span(node))
        return Unknown(self.span(node), f"`.{node.attr}` of a value computed at run time")

    def module_attribute(self, module: LocalModule, name: str, node: ast.AST) -> Value:
        """`utils.create_model`, or a submodule: `package.module`."""
        value = module.scope.get(name) if isinstance(module.scope, Scope) else None
        if value is not None:
            return value
        sub_module = self.local_module(f"{module.name}.{name}", 0, node)
        if sub_module is not None:
            return ObjectValue(self.span(node), sub_module)
        return Unknown(self.span(node), f"`{name}` is not defined in {module.path}")

    def expr_Subscript(self, node: ast.Subscript, scope: Scope) -> Value:
        owner = self.eval(node.value, scope)
        key = self.eval(node.slice, scope)
        if isinstance(owner, Ref) and owner.name == "os.environ" and isinstance(key, Const):
            return library_calls.environment_variable(self, str(key.value), None, self.span(node))
        if isinstance(owner, DictValue) and isinstance(key, Const) and isinstance(key.value, str):
            entry = owner.get(key.value)
            if entry is None:
                return Unknown(self.span(node), f"key `{key.value}` is missing")
            return entry
        if isinstance(owner, ListValue) and isinstance(key, Const) and isinstance(key.value, int):
            if owner.complete and -len(owner.items) <= key.value < len(owner.items):
                return owner.items[key.value]
        if isinstance(owner, Unknown):  # an item of an unknown value: unknown for the same reason
            return Unknown(owner.span or self.span(node), owner.reason)
        return Unknown(self.span(node), "an item of a value computed at run time")

    def expr_Dict(self, node: ast.Dict, scope: Scope) -> Value:
        result = DictValue(self.span(node), {})
        for key_node, value_node in zip(node.keys, node.values, strict=True):
            value = self.eval(value_node, scope)
            if key_node is None:
                splat_into(result, value)
                continue
            key = self.eval(key_node, scope)
            if isinstance(key, Const) and isinstance(key.value, str):
                result.entries[key.value] = value
                result.key_spans[key.value] = self.span(key_node)
            else:
                result.complete = False
        return result

    def expr_List(self, node: ast.List | ast.Tuple, scope: Scope) -> Value:
        result = ListValue(self.span(node), [])
        for element in node.elts:
            if isinstance(element, ast.Starred):
                self.eval(element.value, scope)
                result.complete = False
            else:
                result.items.append(self.eval(element, scope))
        return result

    expr_Tuple = expr_List

    def expr_BinOp(self, node: ast.BinOp, scope: Scope) -> Value:
        left, right = self.eval(node.left, scope), self.eval(node.right, scope)
        if isinstance(node.op, ast.Add):
            _note_eos_appended([left, right], self.span(node))
        function = _BINARY.get(type(node.op))
        if function and isinstance(left, Const) and isinstance(right, Const):
            try:
                return Const(self.span(node), function(left.value, right.value))
            except Exception:  # noqa: BLE001 - any failure means "not known statically"
                pass
        if isinstance(node.op, ast.Add) and isinstance(left, ListValue) and isinstance(right, ListValue):
            return ListValue(self.span(node), [*left.items, *right.items], left.complete and right.complete)
        if isinstance(node.op, ast.BitOr) and isinstance(left, DictValue) and isinstance(right, DictValue):
            merged = DictValue(self.span(node), dict(left.entries), left.complete)
            splat_into(merged, right)
            return merged
        return Unknown(self.span(node), "computed at run time")

    def expr_UnaryOp(self, node: ast.UnaryOp, scope: Scope) -> Value:
        operand = self.eval(node.operand, scope)
        if isinstance(operand, Const):
            try:
                if isinstance(node.op, ast.Not):
                    return Const(self.span(node), not operand.value)
                if isinstance(node.op, ast.USub):
                    return Const(self.span(node), -operand.value)  # type: ignore[operator]
            except TypeError:
                pass
        return Unknown(self.span(node), "computed at run time")

    def expr_BoolOp(self, node: ast.BoolOp, scope: Scope) -> Value:
        decided = self.decide(node, scope)
        if decided is not None:
            return Const(self.span(node), decided)
        return Unknown(self.span(node), "computed at run time")

    expr_Compare = expr_BoolOp

    def expr_IfExp(self, node: ast.IfExp, scope: Scope) -> Value:
        decided = self.decide(node.test, scope)
        if decided is True:
            return self.eval(node.body, scope)
        if decided is False:
            return self.eval(node.orelse, scope)
        body, orelse = self.eval(node.body, scope), self.eval(node.orelse, scope)
        if body is orelse:
            return body
        return Unknown(self.span(node), "chosen at run time")

    def expr_JoinedStr(self, node: ast.JoinedStr, scope: Scope) -> Value:
        parts: list[str] = []
        known = True
        for value in node.values:
            if isinstance(value, ast.Constant):
                parts.append(str(value.value))
                continue
            inner = self.eval(value.value, scope) if isinstance(value, ast.FormattedValue) else None
            if inner is not None:
                _note_eos_appended([inner], self.span(node))
            if isinstance(value, ast.FormattedValue) and value.conversion == -1 and \
                    value.format_spec is None and isinstance(inner, Const) and \
                    isinstance(inner.value, str | int | float | bool):
                parts.append(str(inner.value))
            else:
                known = False
        if not known:
            return Unknown(self.span(node), "a formatted string with values computed at run time")
        return Const(self.span(node), "".join(parts))

    def expr_ListComp(self, node: ast.ListComp | ast.GeneratorExp, scope: Scope) -> Value:
        """`[name.strip() for name in "q_proj, v_proj".split(",")]`: one `for` over a known
        list, with conditions that are known for each item."""
        items = self.eval(node.generators[0].iter, scope)
        inner = Scope(scope)
        if len(node.generators) != 1 or node.generators[0].is_async or not isinstance(items, ListValue) \
                or not items.complete or len(items.items) > MAX_COMPREHENSION:
            self.bind(node.generators[0].target, Unknown(self.span(node), "a comprehension variable"), inner)
            self.eval_children(node.elt, inner)
            return Unknown(self.span(node), "a comprehension over values computed at run time")
        generator = node.generators[0]
        result = ListValue(self.span(node), [])
        for item in items.items:
            self.bind(generator.target, item, inner)
            decided = [self.decide(condition, inner) for condition in generator.ifs]
            if any(choice is None for choice in decided):
                return Unknown(self.span(node), "a comprehension whose conditions are not known")
            if all(decided):
                result.items.append(self.eval(node.elt, inner))
        return result

    expr_GeneratorExp = expr_ListComp

    def expr_NamedExpr(self, node: ast.NamedExpr, scope: Scope) -> Value:
        value = self.eval(node.value, scope)
        self.bind(node.target, value, scope)
        return value

    def expr_Lambda(self, node: ast.Lambda, scope: Scope) -> Value:
        """A function whose body returns the lambda's expression (`type=lambda x: x == "true"`)."""
        body = ast.Return(node.body)
        definition = ast.FunctionDef(name="<lambda>", args=node.args, body=[body], decorator_list=[])
        ast.copy_location(body, node.body)
        ast.copy_location(definition, node)
        definition.end_lineno, definition.end_col_offset = node.end_lineno, node.end_col_offset
        return ObjectValue(self.span(node), LocalFunction("<lambda>", definition, scope, self.path))

    def expr_Call(self, node: ast.Call, scope: Scope) -> Value:
        args: list[Value] = []
        for argument in node.args:
            if isinstance(argument, ast.Starred):
                self.eval(argument.value, scope)
                args.append(Unknown(self.span(argument), "a starred argument"))
            else:
                args.append(self.eval(argument, scope))
        kwargs = DictValue(self.span(node), {})
        for keyword in node.keywords:
            value = self.eval(keyword.value, scope)
            if keyword.arg is None:
                splat_into(kwargs, value)
            else:
                kwargs.entries[keyword.arg] = value
                kwargs.key_spans[keyword.arg] = self.span(keyword)
        span = self.span(node)
        if isinstance(node.func, ast.Attribute):
            owner = self.eval(node.func.value, scope)
            return self.call_method(owner, node.func.attr, args, kwargs, node, span)
        callee = self.eval(node.func, scope)
        return self.call(callee, args, kwargs, node, span)

    # -- calls -------------------------------------------------------------------
    def call(self, callee: Value, args: list[Value], kwargs: DictValue, node: ast.Call,
             span: Span) -> Value:
        if isinstance(callee, Ref):
            result = library_calls.call(self, callee.name, args, kwargs, span)
            if result is not None:
                return result
            if callee.name in HARMLESS_CALLS or callee.name in READ_ONLY_LIBRARY_CALLS:
                return Unknown(span, f"result of `{callee.name}`")
            if callee.name.split(".")[0] in HF_ROOTS:
                # a library function peft-lint does not model (prepare_model_for_int8_training,
                # an old or new helper) may change the model it is given: its state is unknown
                self.escape(args, kwargs, span, callee.name)
                return Unknown(span, f"result of `{callee.name}`")
            self.escape(args, kwargs, span, callee.name)
            return Unknown(span, f"result of `{callee.name}`")
        if isinstance(callee, ObjectValue):
            if isinstance(callee.obj, LocalFunction):
                return self.call_function(callee.obj, args, kwargs, node)
            if isinstance(callee.obj, BoundMethod):
                instance = ObjectValue(span, callee.obj.instance)
                return self.call_function(callee.obj.function, [instance, *args], kwargs, node)
            if isinstance(callee.obj, LocalClass):
                return library_calls.instantiate(self, callee.obj, args, kwargs, span)
        if isinstance(callee, Unknown) and isinstance(node.func, ast.Name) and \
                node.func.id in HARMLESS_CALLS:
            return Unknown(span, f"result of `{node.func.id}`")
        self.escape(args, kwargs, span, "a function defined elsewhere")
        return Unknown(span, "result of a call computed at run time")

    def call_method(self, owner: Value, name: str, args: list[Value], kwargs: DictValue,
                    node: ast.Call, span: Span) -> Value:
        if isinstance(owner, Ref):
            return self.call(Ref(span, canonical(f"{owner.name}.{name}")), args, kwargs, node, span)
        if isinstance(owner, ObjectValue) and isinstance(owner.obj, LocalModule):
            return self.call(self.module_attribute(owner.obj, name, node), args, kwargs, node, span)
        if isinstance(owner, ObjectValue) and isinstance(owner.obj, Instance):
            method = find_method(owner.obj.cls, name)
            if method is not None:
                return self.call_function(method, [owner, *args], kwargs, node)
        result = library_calls.method(self, owner, name, args, kwargs, span)
        if result is not None:
            return result
        if name not in HARMLESS_METHODS:
            self.escape(args, kwargs, span, f"`.{name}()`")
        return Unknown(span, f"result of `.{name}()`")

    def call_function(self, function: LocalFunction, args: list[Value], kwargs: DictValue,
                      node: ast.AST, entry: bool = False) -> Value:
        definition = function.node
        assert isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef)
        self.called_functions.add(id(definition))
        if self.depth >= MAX_INLINE_DEPTH or self.inlined >= MAX_INLINED_CALLS:
            self.escape(args, kwargs, self.span(node), function.name)
            return Unknown(self.span(node), f"result of `{function.name}` (not followed: too deep)")
        self.inlined += 1
        parent = function.scope if isinstance(function.scope, Scope) else self.module_scope
        scope = Scope(parent)
        caller = self.path
        if not args and not kwargs.entries and definition.decorator_list:
            kwargs = self.command_line_options(definition, parent) or kwargs
        self.bind_parameters(definition, args, kwargs, scope)
        self.depth += 1
        self.returns.append([])
        self.path = function.path or self.path  # spans inside it are in its own file
        try:
            self.exec_block(definition.body, scope)
        except _Return:
            pass
        finally:
            self.path = caller
            self.depth -= 1
            returned = self.returns.pop()
        if not returned:
            return Const(self.span(node), None)
        first = returned[0]
        if all(value is first for value in returned):
            return first
        return Unknown(self.span(node), f"`{function.name}` returns different values")

    def command_line_options(self, definition: ast.FunctionDef | ast.AsyncFunctionDef,
                             scope: Scope) -> DictValue | None:
        """A click command called without arguments (`main()`): click parses the command line
        into the function's keyword arguments, per its `@click.option` / `@click.argument`."""
        from peft_lint.extract import cli_parsers

        decorators = [(self.eval(decorator.func, scope), decorator)
                      for decorator in definition.decorator_list if isinstance(decorator, ast.Call)]
        if not any(isinstance(callee, Ref) and callee.name.startswith("click.") for callee, _ in decorators):
            return None
        parser = cli_parsers.ArgparseParser(self.span(definition))
        for callee, decorator in decorators:
            if not (isinstance(callee, Ref) and callee.name in cli_parsers.CLICK_PARAMETERS):
                continue
            names = [self.eval(argument, scope) for argument in decorator.args]
            options = DictValue(self.span(decorator), {})
            for keyword in decorator.keywords:
                if keyword.arg is not None:
                    options.entries[keyword.arg] = self.eval(keyword.value, scope)
                else:
                    options.complete = False
            cli_parsers.add_click_parameter(parser, callee.name, names, options, self.span(decorator))
        tokens = list(self.argv.items[1:]) if self.argv is not None and self.argv.complete else None
        def convert(argument: cli_parsers.Argument, text: Const) -> Value:
            return cli_parsers.convert_with(argument.kind, text, lambda function, value: self.call_function(
                function, [value], DictValue(text.span, {}), self.tree))

        namespace = cli_parsers.parse(parser, "parse_args", tokens, convert, self.span(definition))
        assert isinstance(namespace, ObjectValue) and isinstance(namespace.obj, UserDataclass)
        return namespace.obj.values

    def bind_parameters(self, definition: ast.FunctionDef | ast.AsyncFunctionDef,
                        args: list[Value], kwargs: DictValue, scope: Scope) -> None:
        parameters = definition.args
        positional = parameters.posonlyargs + parameters.args
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(parameters.defaults)) + \
            list(parameters.defaults)
        for index, (parameter, default) in enumerate(zip(positional, defaults, strict=True)):
            if index < len(args):
                value: Value = args[index]
            elif parameter.arg in kwargs.entries:
                value = kwargs.entries[parameter.arg]
            elif not kwargs.complete:
                value = Unknown(self.span(parameter), f"parameter `{parameter.arg}`")
            elif default is not None:
                value = self.eval(default, scope)
            else:
                value = Unknown(self.span(parameter), f"parameter `{parameter.arg}`")
            scope.names[parameter.arg] = value
        for parameter, kw_default in zip(parameters.kwonlyargs, parameters.kw_defaults, strict=True):
            if parameter.arg in kwargs.entries:
                scope.names[parameter.arg] = kwargs.entries[parameter.arg]
            elif kw_default is not None and kwargs.complete:
                scope.names[parameter.arg] = self.eval(kw_default, scope)
            else:
                scope.names[parameter.arg] = Unknown(self.span(parameter), f"parameter `{parameter.arg}`")
        if parameters.vararg is not None:
            scope.names[parameters.vararg.arg] = Unknown(None, "extra positional arguments")
        if parameters.kwarg is not None:
            scope.names[parameters.kwarg.arg] = Unknown(None, "extra keyword arguments")

    def escape(self, args: list[Value], kwargs: DictValue, span: Span, where: str) -> None:
        """A model handed to code peft-lint cannot see: its state becomes unknown."""
        for value in [*args, *kwargs.entries.values()]:
            for model in models_in(value):
                model.events.append(Event("escape", span, next_sequence(), bool(self.conditional),
                                          detail=where))

    def record(self, model: TrackedModel, kind: str, span: Span, kwargs: Value | None = None,
               detail: str = "") -> Event:
        event = Event(kind, span, next_sequence(), bool(self.conditional), kwargs, detail)
        model.events.append(event)
        return event

    # -- conditions ----------------------------------------------------------------
    def decide(self, node: ast.expr, scope: Scope) -> bool | None:
        """The truth of a condition when it is known statically."""
        if isinstance(node, ast.Compare) and _is_main_guard(node):
            return self.is_main  # an imported module's guard is false
        if isinstance(node, ast.BoolOp):
            results = [self.decide(value, scope) for value in node.values]
            if isinstance(node.op, ast.And):
                if False in results:
                    return False
                return True if all(result is True for result in results) else None
            if True in results:
                return True
            return False if all(result is False for result in results) else None
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            inner = self.decide(node.operand, scope)
            return None if inner is None else not inner
        if isinstance(node, ast.Compare):
            if len(node.ops) != 1:
                self.eval_children(node, scope)
                return None
            left = self.eval(node.left, scope)
            right = self.eval(node.comparators[0], scope)
            return compare(node.ops[0], left, right)
        value = self.eval(node, scope)
        from peft_lint.facts.values import truthy

        if isinstance(value, Const) and isinstance(value.value, str):
            return bool(value.value)
        return truthy(value)


# What an imported module's top level runs, as far as the script needs it: its imports,
# definitions and constants (also inside `if` / `try`); other top-level statements of a
# module are import-time side effects, not the training run's.
DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
               ast.Assign, ast.AnnAssign)


def _definitions(body: list[ast.stmt]) -> list[ast.stmt]:
    kept: list[ast.stmt] = []
    for statement in body:
        if isinstance(statement, DEFINITIONS):
            kept.append(statement)
        elif isinstance(statement, ast.If | ast.Try) and not (
                isinstance(statement, ast.If) and isinstance(statement.test, ast.Compare)
                and _is_main_guard(statement.test)):
            kept.append(statement)
    return kept


def _is_main_guard(node: ast.Compare) -> bool:
    return isinstance(node.left, ast.Name) and node.left.id == "__name__" and \
        len(node.comparators) == 1 and isinstance(node.comparators[0], ast.Constant) and \
        node.comparators[0].value == "__main__"


_BINARY: dict[type, Callable[[object, object], object]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv, ast.Div: operator.truediv, ast.Mod: operator.mod,
}


def compare(op: ast.cmpop, left: Value, right: Value) -> bool | None:
    if isinstance(op, ast.In | ast.NotIn) and isinstance(left, Const):
        found = _member(left, right)
        if found is not None:
            return found if isinstance(op, ast.In) else not found
    if not (isinstance(left, Const) and isinstance(right, Const)):
        if isinstance(op, ast.Is | ast.IsNot) and isinstance(right, Const) and right.value is None \
                and isinstance(left, ObjectValue | DictValue | ListValue):
            return isinstance(op, ast.IsNot)
        return None
    try:
        if isinstance(op, ast.Eq):
            return bool(left.value == right.value)
        if isinstance(op, ast.NotEq):
            return bool(left.value != right.value)
        if isinstance(op, ast.Is):
            return left.value is right.value
        if isinstance(op, ast.IsNot):
            return left.value is not right.value
        if isinstance(op, ast.In):
            return left.value in right.value  # type: ignore[operator]
        if isinstance(op, ast.NotIn):
            return left.value not in right.value  # type: ignore[operator]
        if isinstance(op, ast.Gt):
            return bool(left.value > right.value)  # type: ignore[operator]
        if isinstance(op, ast.GtE):
            return bool(left.value >= right.value)  # type: ignore[operator]
        if isinstance(op, ast.Lt):
            return bool(left.value < right.value)  # type: ignore[operator]
        if isinstance(op, ast.LtE):
            return bool(left.value <= right.value)  # type: ignore[operator]
    except TypeError:
        return None
    return None


def _member(item: Const, container: Value) -> bool | None:
    """`x in [a, b]` / `x in {"k": v}` for a complete list or dict of known values."""
    if isinstance(container, ListValue) and container.complete and \
            all(isinstance(element, Const) for element in container.items):
        try:
            return item.value in [element.value for element in container.items if isinstance(element, Const)]
        except TypeError:
            return None
    if isinstance(container, DictValue) and container.complete and isinstance(item.value, str):
        return item.value in container.entries
    return None


MAX_COMPREHENSION = 1000  # items a comprehension is evaluated for, one by one


def merge_into(scope: Scope, outcomes: list[dict[str, Value]], span: Span | None) -> None:
    """After branches: a name keeps its value only if every branch agrees."""
    merged: dict[str, Value] = {}
    names = set().union(*outcomes)
    for name in names:
        values = [outcome.get(name) for outcome in outcomes]
        first = values[0]
        if first is not None and all(value is first for value in values):
            merged[name] = first
        else:
            merged[name] = Unknown(span, f"`{name}` is set differently on different paths")
    scope.names = merged


def models_in(value: Value) -> list[TrackedModel]:
    if isinstance(value, ObjectValue):
        obj = value.obj
        if isinstance(obj, TrackedModel):
            return [obj]
        if isinstance(obj, DistributedWrapper):
            return models_in(obj.inner)
    if isinstance(value, ListValue):
        return [model for item in value.items for model in models_in(item)]
    return []


def canonical(dotted: str) -> str:
    """`peft.tuners.adalora.AdaLoraConfig` -> `peft.AdaLoraConfig`.

    Library objects are re-exported at the package top level; collapsing the
    module path lets every import style meet one name.
    """
    parts = dotted.split(".")
    if parts[0] not in HF_ROOTS or len(parts) <= 2:
        return dotted
    if parts[0] == "torch":
        return dotted
    for index in range(1, len(parts)):
        part = parts[index]
        if part[:1].isupper() or part in library_calls.TOP_LEVEL_FUNCTIONS:
            return ".".join([parts[0], *parts[index:]])
    return dotted


def interpret(path: str, tree: ast.Module, resolver: ConfigResolver, argv: ListValue | None,
              training_arg_default: Callable[[str, str], object | None],
              module_loader: ModuleLoader | None = None,
              environment: dict[str, str] | None = None, text: str | None = None) -> ScriptFacts:
    return Interpreter(path, tree, resolver, _argv_as_read(tree, argv, text), training_arg_default,
                       module_loader, environment).run()


ARGV_MUTATORS = frozenset({"append", "extend", "insert", "pop", "remove", "clear", "sort", "reverse"})
# what a rewrite of sys.argv looks like in the text (the tree is walked to confirm it)
ARGV_REWRITE = re.compile(r"del\s+sys\.argv|sys\.argv\s*(?:\[[^\]\n]*\]\s*)?(?:\+?=(?!=)|:|\.(?:"
                          + "|".join(sorted(ARGV_MUTATORS)) + r")\s*\()")


def _argv_as_read(tree: ast.Module, argv: ListValue | None, text: str | None = None) -> ListValue | None:
    """The launcher's strings, unless the script rewrites `sys.argv` before its parser reads it
    (`sys.argv.remove("--stage")`, `sys.argv = [...]`): then which flags reach it is not known."""
    if argv is None or (text is not None and ARGV_REWRITE.search(text) is None):
        return argv  # (a whole-tree walk is a third of a folder's lint: only when it can matter)
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign | ast.AugAssign | ast.Delete | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else [node.target]
            if any(_is_argv(target.value if isinstance(target, ast.Subscript) else target)
                   for target in targets):
                return ListValue(argv.span, list(argv.items), complete=False)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ARGV_MUTATORS and _is_argv(node.func.value):
            return ListValue(argv.span, list(argv.items), complete=False)
    return argv


def _is_argv(node: ast.expr) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "argv" and \
        isinstance(node.value, ast.Name) and node.value.id == "sys"


__all__ = [
    "ArgumentParser",
    "ConfigResolver",
    "Instance",
    "Interpreter",
    "OpenFile",
    "ScriptFacts",
    "UserDataclass",
    "canonical",
    "interpret",
]


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    """A bare `except:`, or one naming ImportError (or a class above it), alone or in a tuple."""
    if handler.type is None:
        return True
    names = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any((name.id if isinstance(name, ast.Name) else getattr(name, "attr", None))
               in IMPORT_ERROR_CATCHERS for name in names)


def _note_eos_appended(operands: list[Value], span: Span) -> None:
    """A text or id list built with a tokenizer's EOS token (`text + tokenizer.eos_token`,
    `f"...{tokenizer.eos_token}"`, `ids + [tokenizer.eos_token_id]`): its examples contain EOS."""
    for operand in operands:
        items = operand.items if isinstance(operand, ListValue) else [operand]
        for item in items:
            token = item.obj if isinstance(item, ObjectValue) else None
            if isinstance(token, SpecialToken) and token.role == "eos":
                token.tokenizer.eos_appended = token.tokenizer.eos_appended or span


def _calls_named(node: ast.AST, name: str) -> bool:
    """Whether an expression calls a function of that name anywhere inside it."""
    return any(isinstance(inner, ast.Call) and (
        inner.func.id if isinstance(inner.func, ast.Name) else getattr(inner.func, "attr", None)) == name
        for inner in ast.walk(node))
