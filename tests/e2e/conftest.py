"""Browser tests: Playwright driving the system Chromium. Every page a test checks goes through
axe-core (no serious or critical violation), the W3C Nu HTML checker (no error, on the HTML the
server sent) and leaves a full-page screenshot in ``artefacts/captures/`` (see the README)."""

import os
import re
import shutil
from pathlib import Path

import pytest

from conftest import nu_erreurs, service_missing

RACINE = Path(__file__).resolve().parents[2]
CAPTURES = Path(os.environ.get("CAPTURES_DIR", RACINE / "artefacts" / "captures"))

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 375, "height": 812}


@pytest.fixture(scope="session")
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        service_missing(f"Chromium absent ({CHROMIUM}) : apt-get install chromium")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
    # around it are still synchronous. Only for the browser tests' lifetime.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            yield _Navigateur(browser)
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


class _Navigateur:
    """The browser, whose every context remembers the last document each of its pages received,
    so that the Nu checker reads what the server sent rather than the DOM scripts changed."""

    def __init__(self, browser):
        self._browser = browser

    def __getattr__(self, name):
        return getattr(self._browser, name)

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        context.on("requestfinished", _noter_document)
        return context


def _noter_document(request):
    """Keep the HTML a page's main frame received (read now: once the page script changes its
    URL, even by a fragment, the browser may drop the body)."""
    if request.resource_type != "document" or request.frame.parent_frame is not None:
        return
    response = request.response()
    if response is not None and 200 <= response.status < 300:
        page = request.frame.page
        page.documents = [*getattr(page, "documents", []), (response.url, response.body())]


# The page's width, the screen's, and the innermost elements that pass the screen's edge.
DEBORDEMENT = """() => {
    const ecran = document.documentElement.clientWidth;
    const fautifs = [...document.body.querySelectorAll("*")].filter((e) => {
        const r = e.getBoundingClientRect();
        return r.right > ecran + 1 && getComputedStyle(e).position !== "fixed"
            && ![...e.children].some((c) => c.getBoundingClientRect().right > ecran + 1);
    });
    return [
        document.documentElement.scrollWidth,
        ecran,
        fautifs.slice(0, 5).map((e) => e.tagName.toLowerCase()
            + (e.id ? "#" + e.id : "") + (e.className && e.className.baseVal === undefined
            ? "." + String(e.className).trim().split(/\\s+/).join(".") : "")).join(", "),
    ];
}"""


def _document_recu(page) -> bytes:
    """The HTML the server sent for the page shown: the last document received for its URL, or
    one received since the last check whose URL a script has since rewritten. Waits for the
    browser's events (the body is read in an event handler)."""
    for _ in range(100):
        documents = getattr(page, "documents", [])
        deja = getattr(page, "documents_verifies", 0)
        if documents and (
            documents[-1][0].split("#")[0] == page.url.split("#")[0] or len(documents) > deja
        ):
            page.documents_verifies = len(documents)
            return documents[-1][1]
        page.wait_for_timeout(50)
    raise AssertionError(f"Aucun document reçu du serveur pour {page.url} : rien à valider")


@pytest.fixture(params=["telephone", "ordinateur"])
def ecran_page(browser, request):
    """A page on each of the two screens (``tests/e2e/helpers.py``): the test runs twice."""
    from tests.e2e.helpers import ECRANS

    context = browser.new_context(locale="fr-FR", **ECRANS[request.param])
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context = browser.new_context(viewport=PHONE, locale="fr-FR", is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def axe(request, nu_checker):
    """Check the current page: axe-core (fail on any serious or critical violation), the Nu
    checker on the document the server sent (fail on any error), no sideways scrolling, then a
    full-page screenshot."""
    from axe_playwright_python.sync_playwright import Axe

    checker = Axe()
    visited = []
    dossier = CAPTURES / re.sub(r"[^\w.-]+", "_", request.node.nodeid.split("::", 1)[-1])
    if dossier.exists():
        shutil.rmtree(dossier)

    def check(page):
        page.wait_for_load_state()
        html = _document_recu(page)
        erreurs = nu_erreurs(nu_checker, html)
        assert not erreurs, f"Validateur Nu sur {page.url} :\n" + "\n".join(
            f"- ligne {m.get('lastLine')} : {m['message']} — {m.get('extract', '').strip()}"
            for m in erreurs
        )
        # Nothing wider than the screen: a page never scrolls sideways (a wide table scrolls in
        # its own frame).
        largeurs = page.evaluate(DEBORDEMENT)
        assert largeurs[0] <= largeurs[1], (
            f"{page.url} défile de côté : {largeurs[0]} px de contenu pour {largeurs[1]} px, "
            f"à cause de : {largeurs[2]}"
        )
        dossier.mkdir(parents=True, exist_ok=True)
        chemin = re.sub(r"[^\w-]+", "-", page.url.split("//", 1)[-1].split("/", 1)[-1])[:80]
        page.screenshot(
            path=dossier / f"{len(visited) + 1:02d}-{chemin.strip('-') or 'accueil'}.png",
            full_page=True,
        )
        # A full-page capture resizes the emulated screen for a moment: set it back, or on a
        # phone the next click may aim at where the element was during the capture.
        if page.viewport_size:
            page.set_viewport_size(page.viewport_size)
        results = checker.run(page)
        bad = [
            v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")
        ]
        visited.append(page.url)
        assert not bad, f"axe-core sur {page.url} :\n" + "\n".join(
            f"- {v['id']} ({v['impact']}) : {v['help']} — "
            + "; ".join(n["target"][0] for n in v["nodes"][:5])
            for v in bad
        )
        return results

    check.visited = visited
    return check
