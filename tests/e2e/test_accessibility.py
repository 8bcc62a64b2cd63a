"""Universal design, proven on every public page (tests/e2e/public_pages.py lists them, and how to reach each).

- axe-core in Chromium: no violation of the WCAG 2.1 A and AA rules, nor of axe's best practices;
- the Nu Html Checker (vnu): no HTML error, all pages in one Java run;
- reflow (WCAG 1.4.10): at 320 CSS pixels nothing sticks out sideways, the receipt's long names included;
- no request to any host but ours.

axe-core and vnu come from npm (package.json; `npm ci`), vnu also needs Java. Without them the tests skip
with the reason; CI installs both (.ci/run), and CI_NO_SKIPS turns a skip there into a failure.
"""

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.e2e.public_pages import PAGE_NAMES, reach, site_with_everything

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
AXE = NODE_MODULES / "axe-core" / "axe.min.js"
VNU = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
NARROWEST = 320  # CSS pixels: WCAG 1.4.10, a 1280 px wide window at 400 % zoom


def needs(path: Path, what: str) -> None:
    if not path.exists():
        pytest.skip(f"needs {what} at {path.relative_to(NODE_MODULES.parent)}: run `npm ci` (package.json)")


@pytest.fixture
def site(live_server, transactional_db, municipality_data):
    return site_with_everything(live_server.url)


@pytest.fixture
def open_context(browser):
    """New browser contexts in Bokmål, the site's language, as a first-time visitor; closed at the end."""
    contexts = []

    def open_context(**options):
        context = browser.new_context(locale="nb-NO", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_context
    for context in contexts:
        context.close()


def axe_violations(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """(tags) => axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]})""",
        AXE_TAGS,
    )
    return [
        f"{each['id']} ({each['impact']}): {each['help']} at {[node['target'] for node in each['nodes']]}"
        for each in result["violations"]
    ]


def test_axe_finds_no_violation_on_any_page(open_context, site):
    needs(AXE, "axe-core")
    violations = {}
    for name in PAGE_NAMES:
        # axe is injected as a script of the page: the page's own CSP would refuse it.
        page = open_context(bypass_csp=True)
        reach(page, site, name)
        violations[name] = axe_violations(page)
    assert {name: found for name, found in violations.items() if found} == {}
    assert list(violations) == PAGE_NAMES


def test_every_page_is_valid_html(open_context, site, tmp_path):
    needs(VNU, "the Nu Html Checker (vnu-jar)")
    if shutil.which("java") is None:
        pytest.skip("needs Java for the Nu Html Checker (apt-get install default-jre-headless)")
    files = []
    for number, name in enumerate(PAGE_NAMES):
        page = open_context()
        html = reach(page, site, name).text()
        files.append(tmp_path / f"{number:02d}-{name.replace(' ', '-').replace('/', '-')}.html")
        files[-1].write_text(html, encoding="utf-8")
    checked = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--stdout", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    messages = json.loads(checked.stdout)["messages"]
    errors = [
        f"{Path(urlsplit(m.get('url', '')).path).name}:{m.get('lastLine')}: {m['message']} {m.get('extract', '')!r}"
        for m in messages
        if m["type"] in ("error", "non-document-error")
    ]
    assert errors == []
    assert len(files) == len(PAGE_NAMES)


# Everything drawn wider than the window, except what is hidden on purpose (the form's trap for bots,
# text for screen readers only).
STICKING_OUT = """() => [...document.body.querySelectorAll("*")]
  .filter((element) => !element.closest(".form-trap, .visually-hidden, template"))
  .map((element) => [element, element.getBoundingClientRect()])
  .filter(([element, box]) => box.width > 0 && box.right > innerWidth + 0.5)
  .map(([element, box]) => `${element.tagName.toLowerCase()}.${element.className} ${Math.round(box.right)}px`)"""


def test_every_page_reflows_at_320_pixels_without_scrolling_sideways(open_context, site):
    too_wide = {}
    for name in PAGE_NAMES:
        page = open_context(viewport={"width": NARROWEST, "height": 640})
        reach(page, site, name)
        width = page.evaluate("document.documentElement.scrollWidth")
        sticking_out = page.evaluate(STICKING_OUT)
        if width > NARROWEST or sticking_out:
            too_wide[name] = (width, sticking_out)
    assert too_wide == {}


def test_no_page_asks_another_host_for_anything(open_context, site):
    ours = urlsplit(site.url).netloc
    foreign = {}
    for name in PAGE_NAMES:
        page = open_context()
        requested: list[str] = []
        page.on("request", lambda request, requested=requested: requested.append(request.url))
        reach(page, site, name)
        page.wait_for_load_state("networkidle")
        # The record is real: the page's own stylesheet is among the requests.
        assert any(urlsplit(url).path == "/static/css/site.css" for url in requested), name
        if others := [url for url in requested if urlsplit(url).netloc != ours]:
            foreign[name] = others
    assert foreign == {}
