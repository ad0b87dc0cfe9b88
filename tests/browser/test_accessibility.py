"""Pages everyone can use (issue 30): the classroom pages (Voila) and the HTML export of the series
(tools/export_html.py), audited in headless Chromium with axe-core (axe-playwright-python).

Each classroom page is audited once its panel has drawn and its sliders carry their names (nnlib.ui.panel.SliderNames
sets aria-label on each slider's handle): no "serious" or "critical" violation, and every slider, dropdown and
button in the panel has an accessible name.

Notebooks 00 and 10 (the first panel, and the playground's notebook) and the index are exported, opened from disk,
and audited: no violation of impact "serious" or "critical" may be found (colour contrast of the code and the
prompts, links told apart without colour, a language and a main landmark on the index, alternative text on
every picture). Every still picture of a panel has the panel's title and status line as its alternative text, not
nbconvert's "No description has been provided for this image". Without axe-playwright-python, Chromium or
playwright the test skips with a one-line reason (fails with CI=true).
"""
import subprocess
import sys

import pytest

from test_classroom_page import PAGES as CLASSROOM_PAGES, voila  # noqa: F401 (voila: a fixture)
from test_widgets_in_lab import ROOT, chromium, missing, wait  # noqa: F401 (chromium: a fixture)

PAGES = ["00_welcome", "10_overfitting"]
BLOCKING = {"serious", "critical"}


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("html")
    subprocess.run([sys.executable, str(ROOT / "tools" / "export_html.py"), str(out), *PAGES], check=True,
                   capture_output=True, text=True)
    return out


@pytest.fixture(scope="module")
def axe():
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        missing("axe-playwright-python is not installed (python -m pip install -e '.[test]')")
    return Axe()


@pytest.mark.browser
@pytest.mark.parametrize("page_name", PAGES + ["index"])
def test_the_html_export_passes_an_accessibility_audit(page_name, exported, axe, chromium):  # noqa: F811
    sync_playwright, executable = chromium
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto((exported / f"{page_name}.html").as_uri())
        results = axe.run(page)
        pictures = page.eval_on_selector_all(".jp-RenderedImage img", "imgs => imgs.map(i => i.alt)")
        browser.close()
    blocking = [f"{v['impact']} {v['id']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['html'][:120]}): {v['help']}"
                for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"{page_name}.html:\n" + "\n".join(blocking)
    assert all(alt.strip() for alt in pictures), f"{page_name}.html: a picture without alternative text"
    if page_name != "index":
        panels = [alt for alt in pictures if "No description" not in alt]
        assert panels, f"{page_name}.html: no panel picture carries its title and status as alternative text"
        assert all(": " in alt for alt in panels), panels  # "<title>: <status line>"


TITLES = {"playground.ipynb": "Playground: ", "digits.ipynb": "Digits: hidden units, epochs and L2: "}
NAMELESS = ("selector => [...document.querySelectorAll(selector)].filter(e => !(e.getAttribute('aria-label')"
            " || e.labels?.length || e.textContent.trim() || e.title)).map(e => e.outerHTML.slice(0, 120))")


@pytest.mark.browser
@pytest.mark.parametrize("name", list(CLASSROOM_PAGES))
def test_the_classroom_page_passes_an_accessibility_audit(name, voila, axe, chromium):  # noqa: F811
    sync_playwright, executable = chromium
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{voila}voila/render/{name}", timeout=120_000)
        wait(page, "() => { const s = document.querySelector('.nnlib-panel .nnlib-status'); const h ="
                   " document.querySelector('.nnlib-panel [role=slider]'); return s && s.textContent.trim() && h"
                   " && h.getAttribute('aria-label') && document.querySelector('.nnlib-panel .nnlib-figure').alt; }",
             120, f"{name}: the panel, its status, its named sliders and the figure's alternative text")
        results = axe.run(page)
        nameless = page.evaluate(NAMELESS, CONTROLS)
        alt = page.eval_on_selector(".nnlib-panel .nnlib-figure", "img => img.alt")
        browser.close()
    blocking = [f"{v['impact']} {v['id']} ({len(v['nodes'])}x, e.g. {v['nodes'][0]['html'][:120]}): {v['help']}"
                for v in results.response["violations"] if v["impact"] in BLOCKING]
    assert not blocking, f"{name}:\n" + "\n".join(blocking)
    assert not nameless, f"{name}: controls without an accessible name: {nameless}"
    assert alt.startswith(TITLES[name]) and ": " in alt, f"{name}: the figure's alternative text is {alt!r}"


CONTROLS = ".nnlib-panel [role=slider], .nnlib-panel select, .nnlib-panel button, .nnlib-panel input"
KEYED = ("selector => [...document.querySelectorAll(selector)].filter(e => !e.closest('[disabled]') && e.offsetParent)"
         ".map((e, i) => { e.dataset.nnlibKey = i; return [i, e.getAttribute('role') || (e.type === 'checkbox' ?"
         " 'checkbox' : e.tagName.toLowerCase()),"
         " e.getAttribute('aria-label') || e.labels?.[0]?.textContent.trim() || e.textContent.trim() || e.title"
         " || ''] })")
FOCUSED = ("() => { const e = document.activeElement; return e && e.dataset.nnlibKey !== undefined ?"
           " [Number(e.dataset.nnlibKey), e.getAttribute('aria-valuenow') === e.getAttribute('aria-valuemax')] : null }")


@pytest.mark.browser
@pytest.mark.parametrize("name", list(CLASSROOM_PAGES))
def test_the_classroom_page_can_be_driven_from_the_keyboard_alone(name, voila, chromium):  # noqa: F811
    """Tab from the top of the page reaches every control of the panel (its buttons too); at each slider an arrow
    key moves it (right, or left at its right end), at each menu an arrow key takes another entry, at each check box
    Space ticks or unticks it."""
    sync_playwright, executable = chromium
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{voila}voila/render/{name}", timeout=120_000)
        wait(page, "() => { const s = document.querySelector('.nnlib-panel .nnlib-status');"
                   " return s && s.textContent.trim(); }", 120, f"{name}: the panel and its status line")
        controls = {key: (kind, label) for key, kind, label in page.evaluate(KEYED, CONTROLS)}
        reached, moved = [], []
        page.evaluate("() => document.activeElement && document.activeElement.blur()")
        for _ in range(2 * len(controls) + 40):  # the page's own links come first
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            if focused is None or focused[0] in reached:
                if reached and focused is not None:
                    break  # round again: every control was passed
                continue
            key, at_end = focused
            reached.append(key)
            kind, label = controls[key]
            if kind in ("select", "checkbox"):  # a menu takes the next entry with an arrow key, a check box Space
                before = page.evaluate("key => { const e = document.querySelector(`[data-nnlib-key='${key}']`);"
                                       " return [e.value, e.checked, e.selectedIndex === e.length - 1] }", key)
                page.keyboard.press("Space" if kind == "checkbox" else "ArrowUp" if before[2] else "ArrowDown")
                wait(page, "([key, value, checked]) => { const e = document.querySelector(`[data-nnlib-key='${key}']`);"
                           " return e.value !== value || e.checked !== checked }", 30,
                     f"{name}: the {kind} {label!r} after a key", arg=[key, before[0], before[1]])
                moved.append(label)
            if kind == "slider":  # an arrow key moves it (what it changes may not show: classes, for circles)
                handle = f"[data-nnlib-key='{key}']"
                before = page.get_attribute(handle, "aria-valuenow")
                page.keyboard.press("ArrowLeft" if at_end else "ArrowRight")
                wait(page, "([handle, before]) => document.querySelector(handle).getAttribute('aria-valuenow') !== before",
                     30, f"{name}: the slider {label!r} after an arrow key", arg=[handle, before])
                moved.append(label)
        browser.close()
    missed = [controls[key] for key in controls if key not in reached]
    assert not missed, f"{name}: controls that Tab does not reach: {missed}"
    changeable = [label for kind, label in controls.values() if kind in ("slider", "select", "checkbox")]
    assert sorted(moved) == sorted(changeable), f"moved {moved}; changeable {changeable}"
    assert all(label for _, label in controls.values()), f"{name}: a control without a name: {controls}"
