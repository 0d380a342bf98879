"""Every code a person may meet has its words in ``core.labels``: each action code written to the audit log
anywhere in the source, each policy rule (a refused attempt is recorded, and the 403 page speaks, under the
rule's name), each object type an entry names and each kind of finding recorded.

Action codes are found by reading the source, not by running it: every ``audit.record`` / ``audit.record_change``
/ ``audit.Entry`` call, with its action argument resolved — a string, an f-string whose parts are a module's
dict of names (``f"sharing.{ACTIONS[use.endpoint]}"``) or a parameter of the enclosing function (followed to
every call of that function, across modules), or one of the few forms listed in ``DYNAMIC``. A form the
resolver does not know fails the test too, so a new way of writing actions cannot slip past it."""

from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import govdata
from govdata import wiring
from govdata.core import labels
from govdata.workflow.process import REGISTRY

SRC = Path(govdata.__file__).parent
#: audit call -> the position of its action argument
AUDIT_CALLS = {"record": 2, "record_change": 2, "Entry": 1}


def _steps(process: str) -> Callable[[str], set[str]]:
    return lambda prefix: {prefix + t.name for t in REGISTRY[process].transitions}


#: f-strings whose dynamic part is a workflow transition: the literal prefix -> the process it moves
TRANSITIONS = {
    "aggregation.decide_deletion.": "aggregation_deletion",
    "aggregation.decide_schedule.": "aggregation_schedule_filing",
    "catalog.decide_withdrawal.": "catalog_withdrawal",
    "catalog.review_resource.": "catalog_review",
    "sharing.decide_objection.": "share_objection",
    "sharing.review_request.": "share_request",
    "systems.decide_system.": "system_registration",
}
#: other dynamic forms, by their source text -> every code they can produce
DYNAMIC: dict[str, Callable[[], set[str]]] = {
    'f"workflow.{process.name}.start"': lambda: {f"workflow.{p}.start" for p in REGISTRY},
    'f"workflow.{process.name}.{transition.name}"':
        lambda: {f"workflow.{p.name}.{t.name}" for p in REGISTRY.values() for t in p.transitions},
}
#: a refused attempt, recorded under the refusing rule's name: ``test_every_policy_rule_has_a_label``
REFUSALS = {"exc.action"}


class Unresolved(Exception):
    pass


@dataclass
class Module:
    root: Path
    path: Path
    tree: ast.Module
    parents: dict[ast.AST, ast.AST]

    @property
    def where(self) -> str:
        return str(self.path.relative_to(self.root))

    def imported_from_audit(self) -> set[str]:
        """Names imported with ``from govdata.core.audit import …``."""
        return {alias.asname or alias.name for node in ast.walk(self.tree)
                if isinstance(node, ast.ImportFrom) and node.module == "govdata.core.audit" for alias in node.names}

    def enclosing_function(self, node: ast.AST) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None

    def module_dict(self, name: str) -> dict[str, object] | None:
        for node in self.tree.body:
            value = None
            if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
                value = node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
                value = node.value
            if isinstance(value, ast.Dict):
                return ast.literal_eval(value)
        return None


def parse(root: Path = SRC) -> list[Module]:
    modules = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.relative_to(root).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        modules.append(Module(root, path, tree, parents))
    return modules


def audit_calls(modules: list[Module]) -> Iterator[tuple[Module, ast.Call, ast.expr | None]]:
    """Each call of the audit log's writers, with its action argument (None when it has none); the writers'
    own module (``core/audit.py``) passes its callers' actions on."""
    for module in modules:
        if module.where == "core/audit.py":
            continue
        by_name = module.imported_from_audit()
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "audit" \
                    and func.attr in AUDIT_CALLS:
                position = AUDIT_CALLS[func.attr]
            elif isinstance(func, ast.Name) and func.id in AUDIT_CALLS and func.id in by_name:
                position = AUDIT_CALLS[func.id]  # from govdata.core.audit import Entry
            else:
                continue
            arg = next((k.value for k in node.keywords if k.arg == "action"), None)
            if arg is None and len(node.args) > position:
                arg = node.args[position]
            yield module, node, arg


def _call_sites(modules: list[Module], name: str) -> Iterator[tuple[Module, ast.Call]]:
    for module in modules:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Call) and (
                    (isinstance(node.func, ast.Name) and node.func.id == name)
                    or (isinstance(node.func, ast.Attribute) and node.func.attr == name)):
                yield module, node


def _parameter(modules: list[Module], module: Module, node: ast.AST, name: str, depth: int) -> set[str]:
    """The values a parameter ``name`` of the function around ``node`` is given, at every call of it."""
    function = module.enclosing_function(node)
    if function is None or depth > 4:
        raise Unresolved(name)
    positional = [a.arg for a in (*function.args.posonlyargs, *function.args.args)]
    keyword_only = [a.arg for a in function.args.kwonlyargs]
    if name not in positional and name not in keyword_only:
        raise Unresolved(name)
    found: set[str] = set()
    sites = 0
    for caller, call in _call_sites(modules, function.name):
        if caller.enclosing_function(call) is function:
            continue
        arg = next((k.value for k in call.keywords if k.arg == name), None)
        if arg is None and name in positional:
            index = positional.index(name) - (1 if positional[:1] in (["self"], ["cls"]) else 0)
            arg = call.args[index] if index < len(call.args) else None
        if arg is None:
            continue
        sites += 1
        found |= resolve(modules, caller, arg, depth + 1)
    if not sites:
        raise Unresolved(f"{function.name}({name}=…) is never called with it")
    return found


def resolve(modules: list[Module], module: Module, node: ast.expr, depth: int = 0) -> set[str]:
    """Every action code ``node`` can evaluate to."""
    text = ast.unparse(node)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if text.replace("'", '"') in DYNAMIC:
        return DYNAMIC[text.replace("'", '"')]()
    if isinstance(node, ast.Name):
        return _parameter(modules, module, node, node.id, depth)
    if isinstance(node, ast.JoinedStr):
        results = {""}
        for part in node.values:
            if isinstance(part, ast.Constant):
                options = {str(part.value)}
            elif isinstance(part.value, ast.Subscript) and isinstance(part.value.value, ast.Name) \
                    and (table := module.module_dict(part.value.value.id)) is not None:
                options = {str(v) for v in table.values()}
            elif isinstance(part.value, ast.Name):
                options = _parameter(modules, module, node, part.value.id, depth)
            elif isinstance(part.value, ast.Attribute) and part.value.attr == "transition" \
                    and len(results) == 1 and (prefix := next(iter(results))) in TRANSITIONS:
                options = {code[len(prefix):] for code in _steps(TRANSITIONS[prefix])(prefix)}
            else:
                raise Unresolved(text)
            results = {r + o for r in results for o in options}
        return results
    raise Unresolved(text)


def written_codes(modules: list[Module]) -> tuple[dict[str, list[str]], list[str]]:
    """Action codes written anywhere (code -> where), and the calls whose action could not be resolved."""
    codes: dict[str, list[str]] = {}
    unresolved: list[str] = []
    for module, call, arg in audit_calls(modules):
        where = f"{module.where}:{call.lineno}"
        if arg is None:
            unresolved.append(f"{where}: no action argument")
            continue
        if ast.unparse(arg) in REFUSALS:
            continue
        try:
            for code in resolve(modules, module, arg):
                codes.setdefault(code, []).append(where)
        except Unresolved as exc:
            unresolved.append(f"{where}: cannot tell which actions {ast.unparse(arg)!r} writes ({exc}); "
                              "resolve it in tests/web/test_action_labels.py")
    return codes, unresolved


@pytest.fixture(scope="module")
def modules() -> list[Module]:
    wiring.load()
    return parse()


def test_the_scanner_sees_the_platforms_actions(modules):
    codes, _ = written_codes(modules)
    for expected in ("auth.sign_in", "org.set_person", "sharing.read_record", "sharing.export_records",
                     "sharing.suspend_grant", "aggregation.push_records", "aggregation.run_file_load",
                     "catalog.review_resource.approve", "workflow.share_request.start", "auth.anonymous_calls"):
        assert expected in codes, expected
    assert len(codes) > 80


def test_every_action_code_written_has_a_label(modules):
    codes, unresolved = written_codes(modules)
    assert not unresolved, "\n".join(unresolved)
    missing = {code: where for code, where in codes.items() if not labels.has_action_label(code)}
    assert not missing, "actions without words in <context>/labels.py: " + "; ".join(
        f"{code} ({', '.join(where)})" for code, where in sorted(missing.items()))


def _rule_names(context: str) -> set[str]:
    module = importlib.import_module(f"govdata.{context}.policy")
    parts = [module] + ([importlib.import_module(f"{module.__name__}.{m.name}")
                         for m in pkgutil.iter_modules(module.__path__)] if hasattr(module, "__path__") else [])
    names: set[str] = set()
    for part in parts:
        for name, value in vars(part).items():
            if inspect.isfunction(value) and value.__module__ == part.__name__ and not name.startswith("_") \
                    and not name.endswith("visible_to"):
                names |= {name, value.__name__}
    return names


@pytest.mark.parametrize("context", wiring.CONTEXTS)
def test_every_policy_rule_has_a_label(context):
    """A refusal is audited, and named on the 403 page, as ``<context>.<rule>`` (``core.policy.authorize``)."""
    wiring.load()
    missing = sorted(f"{context}.{name}" for name in _rule_names(context)
                     if not labels.has_action_label(f"{context}.{name}"))
    assert not missing, f"policy rules without words in {context}/labels.py: {missing}"


def _literal_keywords(modules: list[Module], keyword: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for module in modules:
        for node in ast.walk(module.tree):
            if isinstance(node, ast.Call):
                for k in node.keywords:
                    if k.arg == keyword and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str):
                        found.setdefault(k.value.value, f"{module.where}:{node.lineno}")
    return found


def test_every_object_type_written_has_a_label(modules):
    types = {t: where for t, where in _literal_keywords(modules, "object_type").items()}
    assert {"user", "grant", "dataset", "catalog_resource"} <= set(types)
    missing = {t: where for t, where in types.items() if t not in labels.OBJECTS}
    assert not missing, f"object types without words: {missing}"


def _recorded_finding_kinds(modules: list[Module]) -> dict[str, str]:
    """Kinds in ``Finding(kind="…")`` and ``record_finding(session, "…", …)`` calls."""
    kinds: dict[str, str] = {}
    for module in modules:
        for node in ast.walk(module.tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            value = None
            if name == "Finding":
                value = next((k.value for k in node.keywords if k.arg == "kind"), None)
            elif name == "record_finding" and len(node.args) > 1:
                value = node.args[1]
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                kinds.setdefault(value.value, f"{module.where}:{node.lineno}")
    return kinds


def test_every_finding_kind_recorded_has_a_label(modules):
    from govdata.aggregation.service import FINDING_KINDS

    kinds = _recorded_finding_kinds(modules)
    assert {"scope_expansion", "late_aggregation", "misuse"} <= set(kinds)
    missing = sorted((set(kinds) | set(FINDING_KINDS)) - set(labels.FINDINGS))
    assert not missing, f"finding kinds without words: {missing}"


def test_an_unlabelled_or_unreadable_action_fails_the_guard(tmp_path):
    """The guard itself: a new action without words, and an action built in a way the scanner cannot
    follow, are both reported."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "service.py").write_text(
        "from govdata.core import audit\n"
        "KINDS = {'a': 'export_widgets'}\n"
        "def new_thing(session, actor):\n"
        "    audit.record(session, actor, 'org.new_thing')\n"
        "def table(session, actor, use):\n"
        "    audit.Entry(actor, f'org.{KINDS[use]}')\n"
        "def helper(session, actor, action):\n"
        "    audit.record(session, actor, f'org.{action}')\n"
        "def caller(session, actor):\n"
        "    helper(session, actor, 'archive_widgets')\n"
        "def clever(session, actor, parts):\n"
        "    audit.record(session, actor, '.'.join(parts))\n", encoding="utf-8")
    codes, unresolved = written_codes(parse(tmp_path))
    assert set(codes) == {"org.new_thing", "org.export_widgets", "org.archive_widgets"}
    assert not any(labels.has_action_label(code) for code in codes)
    assert len(unresolved) == 1 and "'.'.join(parts)" in unresolved[0]
