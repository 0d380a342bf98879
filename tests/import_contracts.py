"""A custom import-linter contract for `.importlinter`: contexts meet only at their public modules.

``context_boundaries``: a module of one context may import from another context only that context's public
modules (``public_modules``, e.g. ``service`` and ``schemas``, each with its submodules), or an import listed
in ``allowed_imports`` (``importer -> imported``, each with its reason in the contract file). An allowed import
that no longer exists is reported too, so the list of exceptions cannot go stale.
"""

from __future__ import annotations

from importlinter import Contract, ContractCheck, fields, output


class ContextBoundariesContract(Contract):
    contexts = fields.ListField(subfield=fields.StringField())
    public_modules = fields.ListField(subfield=fields.StringField())
    allowed_imports = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph, verbose: bool) -> ContractCheck:  # type: ignore[no-untyped-def]
        contexts = sorted((str(c) for c in self.contexts), key=len, reverse=True)
        public = {str(m) for m in self.public_modules}
        allowed = {tuple(part.strip() for part in str(line).split("->")) for line in self.allowed_imports or []}

        def context_of(module: str) -> str | None:
            return next((c for c in contexts if module == c or module.startswith(c + ".")), None)

        crossing: list[tuple[str, str]] = []
        used: set[tuple[str, ...]] = set()
        for importer in sorted(graph.modules):
            source = context_of(importer)
            if source is None:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                target = context_of(imported)
                if target is None or target == source:
                    continue
                first = imported[len(target) + 1:].split(".")[0]
                if first in public:
                    continue
                if (importer, imported) in allowed:
                    used.add((importer, imported))
                    continue
                crossing.append((importer, imported))
        stale = sorted(allowed - used)
        return ContractCheck(kept=not crossing and not stale, metadata={"crossing": crossing, "stale": stale})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for importer, imported in check.metadata["crossing"]:
            output.print_error(f"{importer} -> {imported} (not a public module of its context)")
        for pair in check.metadata["stale"]:
            output.print_error(f"{' -> '.join(pair)} is allowed in the contract but no longer imported")
