"""The classroom pages, served by Voila as pages of their own (no code cells), used in headless Chromium as a
teacher would use them in class: the playground (notebooks/classroom/playground.ipynb) and the digits explorer
(notebooks/classroom/digits.ipynb).

One Voila serves the folder (`voila notebooks/classroom`, which lists both pages; the README also opens each one
directly), on 127.0.0.1 and a free port, with its own Jupyter directories. Each page must render its panel with no
error and no code, under its explanation, and its status line must appear; then its first slider ("epochs" for the
playground, "units" for the digits) gets three key presses, right, left, right: each time the status line must
change and show the new value, and the figure must redraw. The playground's experiment menu and sweep are then
used as in JupyterLab (test_widgets_in_lab.experiments_and_sweep). The key-press-to-status times and the sweep's
duration are reported, and a screenshot of each page saved (the paths are printed). Without Voila, Chromium or playwright the test skips with
a one-line reason (fails with CI=true).
"""
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from test_widgets_in_lab import (ARM, ROOT, chromium, experiments_and_sweep, free_port, missing,  # noqa: F401
                                 numbers_in, wait)  # (chromium: a fixture)

CLASSROOM = ROOT / "notebooks" / "classroom"
# page: (a line of its explanation, the name its code imports: must not show)
PAGES = {"playground.ipynb": ("The grok-nn playground", "import playground"),
         "digits.ipynb": ("Inside a digit classifier", "import digits_explorer")}


@pytest.fixture(scope="module")
def voila(tmp_path_factory, chromium):  # noqa: F811 (the chromium fixture, imported)
    try:
        import voila  # noqa: F401
    except ImportError:
        missing("Voila is not installed (python -m pip install -e '.[classroom]')")
    home = tmp_path_factory.mktemp("voila")
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_CONFIG_DIR=str(home / "config"),
               JUPYTER_DATA_DIR=str(home / "data"), JUPYTER_PLATFORM_DIRS="1")
    port = free_port()
    command = [sys.executable, "-m", "voila", "--no-browser", f"--port={port}", "--Voila.ip=127.0.0.1", str(CLASSROOM)]
    log = open(home / "voila.log", "w")
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                               start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except urllib.error.HTTPError:  # an answer, even an error page: the server is up
                break
            except OSError:
                if process.poll() is not None:
                    raise AssertionError(f"Voila exited: {(home / 'voila.log').read_text()[-2000:]}")
                time.sleep(0.1)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
        log.close()


@pytest.mark.browser
@pytest.mark.parametrize("name", list(PAGES))
def test_the_classroom_page_shows_its_panel_and_responds(name, voila, chromium, tmp_path_factory, request):  # noqa: F811
    sync_playwright, executable = chromium
    explanation, code = PAGES[name]
    shots = tmp_path_factory.mktemp("classroom-screenshots")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(executable), headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        start = time.perf_counter()
        page.goto(f"{voila}voila/render/{name}", timeout=120_000)
        wait(page, "() => { const s = document.querySelector('.nnlib-panel .nnlib-status');"
                   " return s !== null && s.textContent.trim().length > 0; }", 120, f"{name}: the panel's status line")
        opened = time.perf_counter() - start
        assert page.locator(".nnlib-panel").count() == 1
        assert page.get_by_text("Error displaying widget").count() == 0
        assert code not in page.content(), "the page shows code"
        assert page.get_by_text(explanation).count() >= 1  # the explanation above it
        panel = page.locator(".nnlib-panel")
        handle = panel.locator(".noUi-handle").first
        handle.scroll_into_view_if_needed()
        handle.focus()
        latencies, key = [], "ArrowRight"
        for _ in range(3):
            page.evaluate(ARM, 0)
            page.keyboard.press(key)
            wait(page, "() => window.__grokProbe.statusAt !== null", 30, "the status line did not change")
            probe = page.evaluate("() => window.__grokProbe")
            status = panel.locator(".nnlib-status").text_content()
            readout = panel.locator(".widget-readout").first.text_content().strip()
            assert not status.startswith("error"), status
            assert float(readout) in numbers_in(status), f"the slider reads {readout}; the status: {status!r}"
            wait(page, "() => document.querySelector('.nnlib-panel .nnlib-figure').src !== window.__grokProbe.imageBefore",
                 10, "the figure did not redraw")
            latencies.append(probe["statusAt"] - probe["keyAt"])
            key = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
        sweep_s = experiments_and_sweep(page, panel, 0) if panel.locator(".nnlib-experiment").count() else None
        shot = shots / f"classroom-{name.removesuffix('.ipynb')}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert not errors, errors
        browser.close()
    latencies.sort()
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    with request.config.pluginmanager.get_plugin("capturemanager").global_and_fixture_disabled():
        reporter.write_line(f"\nclassroom page {name} (Voila): opened in {opened:.1f} s; key press to new status, median "
                            f"{latencies[1]:.0f} ms (max {latencies[-1]:.0f} ms)"
                            + (f"; sweep of 8 values {sweep_s:.1f} s" if sweep_s is not None else "")
                            + f"; screenshot: {shot}")
