"""The test suite's own rules."""

import ast
from pathlib import Path

TESTS = Path(__file__).parent


def _modules_importes(chemin: Path):
    arbre = ast.parse(chemin.read_text(encoding="utf-8"))
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.ImportFrom):
            yield ("." * noeud.level) + (noeud.module or ""), [a.name for a in noeud.names]
        elif isinstance(noeud, ast.Import):
            for alias in noeud.names:
                yield alias.name, []


def test_no_module_imports_from_a_test_module():
    """What several modules share lives in factories, helpers or conftest, never in a test
    module (which would run its tests twice, or tie one module's tests to another's)."""
    fautes = []
    for chemin in sorted(TESTS.rglob("*.py")):
        for module, noms in _modules_importes(chemin):
            parties = module.lstrip(".").split(".") + noms
            if any(partie.startswith("test_") for partie in parties):
                fautes.append(f"{chemin.relative_to(TESTS.parent)} : {module} {noms}")
    assert not fautes, "\n".join(fautes)
