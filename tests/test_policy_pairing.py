"""Every service function has a policy rule of the same name, and every rule a service function (CKAN's
pairing, enforced both ways), and every service function that takes an actor asks its rule."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import govdata

CONTEXTS = sorted(
    m.name for m in pkgutil.iter_modules(govdata.__path__)
    if m.ispkg and importlib.util.find_spec(f"govdata.{m.name}.service") is not None
)


def _public_functions(module) -> dict[str, object]:
    return {name: fn for name, fn in inspect.getmembers(module, inspect.isfunction)
            if fn.__module__ == module.__name__ and not name.startswith("_")}


def _modules(name: str) -> list[object]:
    """The module ``name``, or when it is a package (a context split by topic) every module in it."""
    module = importlib.import_module(name)
    if not hasattr(module, "__path__"):
        return [module]
    return [module] + [importlib.import_module(f"{name}.{m.name}") for m in pkgutil.iter_modules(module.__path__)]


def _service_functions(context: str) -> dict[str, object]:
    """Service functions that act for someone: their second parameter is the actor."""
    found: dict[str, object] = {}
    for module in _modules(f"govdata.{context}.service"):
        found.update({name: fn for name, fn in _public_functions(module).items()
                      if list(inspect.signature(fn).parameters)[1:2] == ["actor"]})
    return found


def _rules(context: str) -> set[str]:
    rules: set[str] = set()
    for module in _modules(f"govdata.{context}.policy"):
        names = {name for name, value in vars(module).items()
                 if inspect.isfunction(value) and not name.startswith("_") and value.__module__ == module.__name__}
        aliases = {name for name, value in vars(module).items() if inspect.isfunction(value)
                   and not name.startswith("_") and value.__module__ == module.__name__ and name != value.__name__}
        rules |= {n for n in names | aliases if not n.endswith("visible_to")}
    return rules


def test_contexts_found():
    assert {"org", "supervision"} <= set(CONTEXTS)


@pytest.mark.parametrize("context", CONTEXTS)
def test_every_service_function_has_its_rule(context):
    missing = set(_service_functions(context)) - _rules(context)
    assert not missing, f"{context}.service functions without a rule in {context}.policy: {sorted(missing)}"


@pytest.mark.parametrize("context", CONTEXTS)
def test_every_rule_has_its_service_function(context):
    orphans = _rules(context) - set(_service_functions(context))
    assert not orphans, f"{context}.policy rules without a service function: {sorted(orphans)}"


@pytest.mark.parametrize("context", CONTEXTS)
def test_every_service_function_asks_its_rule(context):
    for name, fn in _service_functions(context).items():
        source = inspect.getsource(fn)
        assert f"policy.{name}" in source, f"{context}.service.{name} does not call authorize(…, policy.{name})"
