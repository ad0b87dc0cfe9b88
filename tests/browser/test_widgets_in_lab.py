"""Every notebook that displays widgets, run in real JupyterLab in headless Chromium, and used as a learner does.

nbval proves the kernel side runs; it cannot see "Error displaying widget", a JupyterLab/ipywidgets version
mismatch, a slider that moves but changes nothing, or a figure that never redraws. Here each such notebook is
opened with ?reset (no restored workspace) in a fresh kernel, its outputs cleared and all cells run; then
every widget must have rendered, no output may hold an error or stderr, and the page may raise no error.
Then the first slider of every panel is moved the way a person does it (focus its handle, press an arrow
key): the status line must change to show the slider's new value, and the figure's image must change.
The time from key press to new status line is measured in the page and reported per notebook; a
screenshot of each panel and of the page is saved in a temporary folder (the paths are printed).

A panel with a Play button (`.nnlib-play`: nnlib.widgets.Playground, whose first slider, "epochs", gets the
key presses above like any other, five of them, back and forth, for a median) is then also trained live. A MutationObserver in the page records the
time and the epoch number ("epoch N: ...") of every change of the status line. Play is clicked: within 20 s
the epoch must advance at least 3 times, only upwards, the figure must redraw and no status may lack its
epoch (an "error: ..." line); the page watches for at least 2 s, and the frames per second (status changes
per second between the first and the last change seen, in page time) are reported per notebook. Pause is
clicked: the epoch shown 0.5 s after the click (one frame may still be in flight) must not change over the
next 1.5 s. Step is clicked once: the epoch must advance by exactly 1, and stay there. A failure here says
what did not happen and where the screenshot of the panel, as it was then, is.

The notebooks are found from their committed outputs (any widget output), not listed by hand.

The server serves a temporary copy of the project (JupyterLab autosaves, so the checkout is never touched),
on 127.0.0.1 with a free port and a random token, with its own runtime, config, settings and workspace
directories. It is stopped by its own process group at teardown, kernels included, also when a test fails.
Chromium is Debian's (/usr/bin/chromium, or $GROK_CHROMIUM), launched by the playwright package with a fresh
user-data directory; `playwright install` (which downloads a browser) is never used.

Without Chromium or playwright the tests skip with a one-line reason; with CI=true a missing piece is a
failure, so CI can never silently stop testing the browser.
"""

import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("GROK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
COPY_IGNORE = shutil.ignore_patterns(".git", "build", "__pycache__", ".ipynb_checkpoints", "*.egg-info", ".venv")


def missing(reason):
    """Skip with a one-line reason, or fail when CI=true: CI must never silently stop testing the browser."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(reason)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        missing(f"no Chromium at {CHROMIUM} (apt-get install -y chromium, or set GROK_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the playwright package is not installed (python -m pip install -e '.[test]')")
    return sync_playwright, CHROMIUM


@pytest.fixture(scope="session")
def lab(tmp_path_factory, chromium):
    """A running JupyterLab serving a copy of the project: yields (base_url, token, copy of notebooks/)."""
    home = tmp_path_factory.mktemp("lab")
    project = home / "project"
    shutil.copytree(ROOT, project, ignore=COPY_IGNORE)
    settings = home / "settings" / "@jupyterlab" / "apputils-extension"
    settings.mkdir(parents=True)
    # no "Would you like to get notified about official Jupyter news?" toast, no update check (no network)
    (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    env = dict(
        os.environ,
        JUPYTER_RUNTIME_DIR=str(home / "runtime"), JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"), JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
        JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), JUPYTER_PLATFORM_DIRS="1",
    )
    port, token = free_port(), secrets.token_hex(16)
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={project / 'notebooks'}",
        "--LabApp.expose_app_in_browser=True", "--ServerApp.open_browser=False", "--LabApp.news_url=None",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    log = open(home / "server.log", "w")
    server = subprocess.Popen(command, cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"JupyterLab did not start; its log:\n{(home / 'server.log').read_text()[-3000:]}")
            time.sleep(0.2)
        yield base, token, project / "notebooks"
    finally:
        try:  # the server and every kernel it started share its process group
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            if server.poll() is None:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait(timeout=10)
        log.close()


@pytest.fixture(scope="session")
def browser_context(chromium, tmp_path_factory):
    sync_playwright, executable = chromium
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile), executable_path=str(executable), headless=True, args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
        )
        try:
            yield context
        finally:
            context.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory):
    return tmp_path_factory.mktemp("screenshots")


@pytest.fixture(scope="session")
def record(request):
    """Collects each notebook's measurements; reports them all when the last browser test is done."""
    results = []
    yield results.append
    reporter = request.config.pluginmanager.get_plugin("terminalreporter")
    if not results or reporter is None:
        return
    with request.config.pluginmanager.get_plugin("capturemanager").global_and_fixture_disabled():
        report(reporter, results)


def report(reporter, results):
    reporter.write_line("")
    reporter.write_sep("-", "browser: key press to new result (and live training), per notebook")
    for result in results:
        latencies, rates = result["latencies_ms"], result["frames_per_s"]
        reporter.write_line(
            f"{result['notebook']:<28} open {result['open_s']:5.1f} s   run all {result['run_s']:5.1f} s   "
            f"{len(latencies)} slider moves, median {statistics.median(latencies):4.0f} ms "
            f"(max {max(latencies):4.0f} ms)"
            + (f"   live training: {', '.join(f'{rate:.1f}' for rate in rates)} frames/s" if rates else "")
        )
        for path in result["screenshots"]:
            reporter.write_line(f"    screenshot: {path}")


NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


def displays_widgets(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    return any(WIDGET_MIME in output.get("data", {})
               for cell in nb["cells"] if cell["cell_type"] == "code" for output in cell["outputs"])


WITH_WIDGETS = [p for p in NOTEBOOKS if displays_widgets(p)]
pytestmark = pytest.mark.browser

NOTEBOOK_READY = """() => {
    const app = window.jupyterapp;
    const panel = app && app.shell.currentWidget;
    if (!panel || !panel.content || !panel.sessionContext || !panel.context.isReady) return false;
    const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
    return !!kernel && kernel.status === 'idle';
}"""

ALL_EXECUTED = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const cells = panel.content.widgets.filter(cell => cell.model.type === 'code');
    const kernel = panel.sessionContext.session.kernel;
    return cells.every(cell => cell.model.executionCount !== null) && kernel.status === 'idle';
}"""

OUTPUT_SUMMARY = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const cells = panel.content.widgets.filter(cell => cell.model.type === 'code');
    const problems = [];
    let widgets = 0;
    cells.forEach((cell, i) => {
        for (const output of cell.model.outputs.toJSON()) {
            if (output.output_type === 'error') problems.push(`cell ${i + 1}: ${output.ename}: ${output.evalue}`);
            if (output.output_type === 'stream' && output.name === 'stderr')
                problems.push(`cell ${i + 1}: stderr: ${String(output.text).slice(0, 200)}`);
            if (output.data && output.data['""" + WIDGET_MIME + """']
                && !String(output.data['text/plain'] || '').startsWith('[progress bar: ')) widgets += 1;
        }
    });
    return {cells: cells.length, problems, widgets};
}"""

ARM = """(index) => {
    const panel = document.querySelectorAll('.nnlib-panel')[index];
    const status = panel.querySelector('.nnlib-status');
    const image = panel.querySelector('.nnlib-figure');
    const probe = {before: status.textContent, imageBefore: image.src, keyAt: null, statusAt: null};
    window.__grokProbe = probe;
    document.addEventListener('keydown', () => { if (probe.keyAt === null) probe.keyAt = performance.now(); },
                              {capture: true, once: true});
    new MutationObserver((records, observer) => {
        if (status.textContent !== probe.before) { probe.statusAt = performance.now(); observer.disconnect(); }
    }).observe(status, {childList: true, subtree: true, characterData: true});
}"""


PLAY_PROBE = """(index) => {
    const panel = document.querySelectorAll('.nnlib-panel')[index];
    const status = panel.querySelector('.nnlib-status');
    const image = panel.querySelector('.nnlib-figure');
    const epochOf = text => { const m = /^epoch (\\d+)\\b/.exec(text.trim()); return m ? Number(m[1]) : null; };
    const probe = {start: {text: status.textContent, epoch: epochOf(status.textContent)}, changes: [], clicks: {},
                   imageBefore: image.src};
    window.__grokPlay = probe;
    for (const name of ['play', 'pause', 'step'])
        panel.querySelector('.nnlib-' + name).addEventListener(
            'click', () => { probe.clicks[name] = performance.now(); }, {capture: true, once: true});
    let last = status.textContent;
    if (window.__grokPlayObserver) window.__grokPlayObserver.disconnect();
    window.__grokPlayObserver = new MutationObserver(() => {
        if (status.textContent === last) return;
        last = status.textContent;
        probe.changes.push({at: performance.now(), epoch: epochOf(last), text: last});
    });
    window.__grokPlayObserver.observe(status, {childList: true, subtree: true, characterData: true});
}"""

# true when 3 epoch advances were seen after Play and it has played 2 s, or a status lacks its epoch, or 20 s passed
PLAYED = """() => {
    const probe = window.__grokPlay, now = performance.now();
    if (probe.clicks.play === undefined) return false;
    let epoch = probe.start.epoch, advances = 0;
    for (const change of probe.changes) {
        if (change.epoch === null) return true;
        if (change.epoch > epoch) advances += 1;
        epoch = change.epoch;
    }
    return (advances >= 3 && now - probe.clicks.play >= 2000) || now - probe.clicks.play >= 20000;
}"""


def epoch_at(probe, time_ms):
    """The epoch the status line showed at time_ms (page time), from the probe's record of its changes."""
    epoch = probe["start"]["epoch"]
    for change in probe["changes"]:
        if change["at"] <= time_ms:
            epoch = change["epoch"]
    return epoch


def page_time_passes(page, since, ms):
    """Wait until `ms` of page time have passed since the page time `since`."""
    page.wait_for_function(f"() => performance.now() >= {since + ms}", timeout=ms + 10_000, polling=50)


def play_pause_step(page, panel, index):
    """Play, Pause and Step on a panel that has them (see the module docstring); returns the frames per second."""
    where = f"panel {index + 1}"
    page.evaluate(PLAY_PROBE, index)
    probe = page.evaluate("() => window.__grokPlay")
    assert probe["start"]["epoch"] is not None, (
        f"{where}: the status line does not start with its epoch: {probe['start']['text']!r}"
    )
    panel.locator(".nnlib-play").click()
    try:
        page.wait_for_function(PLAYED, timeout=30_000, polling=50)
    except Exception as error:  # playwright's TimeoutError: the page itself stopped answering
        raise AssertionError(f"{where}: after Play, the page did not answer: {error}") from None
    probe = page.evaluate("() => window.__grokPlay")
    played = probe["changes"]
    broken = [change["text"] for change in played if change["epoch"] is None]
    assert not broken, f"{where}: while playing, the status line lost its epoch: {broken[0]!r}"
    epochs = [probe["start"]["epoch"]] + [change["epoch"] for change in played]
    advances = sum(b > a for a, b in zip(epochs, epochs[1:]))
    assert advances >= 3, (
        f"{where}: after Play the epoch advanced {advances} times in 20 s, not 3 "
        f"(epochs shown: {epochs}; status: {(played[-1] if played else probe['start'])['text']!r})"
    )
    backwards = [(a, b) for a, b in zip(epochs, epochs[1:]) if b <= a]
    assert not backwards, f"{where}: while playing, the epoch went from {backwards[0][0]} to {backwards[0][1]}"
    image = page.evaluate(f"() => document.querySelectorAll('.nnlib-panel')[{index}].querySelector('.nnlib-figure').src")
    assert image != probe["imageBefore"], f"{where}: the epoch advanced during Play but the figure did not redraw"
    frames_per_s = (len(played) - 1) / ((played[-1]["at"] - played[0]["at"]) / 1000)

    panel.locator(".nnlib-pause").click()
    page.wait_for_function("() => window.__grokPlay.clicks.pause !== undefined", timeout=5000, polling=50)
    paused_at = page.evaluate("() => window.__grokPlay.clicks.pause")
    page_time_passes(page, paused_at, 2000)
    probe = page.evaluate("() => window.__grokPlay")
    reference = epoch_at(probe, paused_at + 500)
    later = [change for change in probe["changes"] if change["at"] > paused_at + 500]
    assert len(later) == 0, (
        f"{where}: Pause did not stop the training: epoch {reference} 0.5 s after the click, then "
        + ", ".join(f"{change['epoch']} at +{(change['at'] - paused_at) / 1000:.2f} s" for change in later)
    )

    panel.locator(".nnlib-step").click()
    try:
        page.wait_for_function(f"() => window.__grokPlay.changes.length > {len(probe['changes'])}", timeout=10_000,
                               polling=50)
    except Exception:
        raise AssertionError(f"{where}: after Step the status line did not change in 10 s (epoch {reference})") from None
    stepped_at = page.evaluate("() => window.__grokPlay.changes[window.__grokPlay.changes.length - 1].at")
    page_time_passes(page, stepped_at, 500)
    probe = page.evaluate("() => window.__grokPlay")
    after = [change["epoch"] for change in probe["changes"] if change["at"] > paused_at + 500]
    assert after == [reference + 1], (
        f"{where}: Step once should show epoch {reference + 1} after epoch {reference}; the status line showed "
        f"{after} (last: {probe['changes'][-1]['text']!r})"
    )
    page.evaluate("() => window.__grokPlayObserver.disconnect()")
    return frames_per_s


def numbers_in(text):
    return {float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e[-+]?\d+)?", text)}


def wait(page, script, timeout_s, what, arg=None):
    try:
        page.wait_for_function(script, arg=arg, timeout=timeout_s * 1000, polling=50)
    except Exception as error:  # playwright's TimeoutError: say what did not happen
        raise AssertionError(f"{what} (waited {timeout_s} s): {error}") from None


@pytest.mark.parametrize("path", WITH_WIDGETS, ids=[p.name for p in WITH_WIDGETS])
def test_widgets_render_and_respond_in_jupyterlab(path, lab, browser_context, screenshots, record):
    base, token, _ = lab
    page = browser_context.new_page()
    page_errors = []
    page.on("pageerror", lambda error: page_errors.append(str(error)))
    try:
        start = time.monotonic()
        page.goto(f"{base}/lab/tree/{path.name}?reset&token={token}")
        wait(page, NOTEBOOK_READY, 60, f"{path.name} did not open with an idle kernel")
        opened = time.monotonic() - start

        start = time.monotonic()
        page.evaluate("() => window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
        page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
        wait(page, ALL_EXECUTED, 180, f"{path.name}: not every code cell ran")
        ran = time.monotonic() - start

        summary = page.evaluate(OUTPUT_SUMMARY)
        assert not summary["problems"], "\n".join(summary["problems"])
        assert summary["widgets"] >= 1, "the notebook displayed no panel in JupyterLab"
        page.wait_for_timeout(300)  # let the last widget views attach
        assert page.get_by_text("Error displaying widget").count() == 0, "a widget failed to render"
        panels = page.locator(".nnlib-panel")
        # each panel output also holds a still picture (image/png) for viewers without a kernel: JupyterLab must
        # still choose the live widget for every one of them
        assert panels.count() == summary["widgets"], (
            f"{summary['widgets']} widget outputs but {panels.count()} rendered panels (a picture shown instead of "
            f"the live widget?)"
        )

        latencies, rates, shots = [], [], []
        for index in range(panels.count()):
            panel = panels.nth(index)
            handle = panel.locator(".noUi-handle").first
            if handle.count() == 0:
                continue
            handle.scroll_into_view_if_needed()
            handle.focus()
            at_max = handle.get_attribute("aria-valuenow") == handle.get_attribute("aria-valuemax")
            key = "ArrowLeft" if at_max else "ArrowRight"
            for _ in range(5 if panel.locator(".nnlib-play").count() else 1):  # a playground: a median of 5, back and forth
                page.evaluate(ARM, index)
                page.keyboard.press(key)
                wait(page, "() => window.__grokProbe.statusAt !== null", 20,
                     f"panel {index + 1}: the status line did not change after a key press on its slider")
                probe = page.evaluate("() => window.__grokProbe")
                status = panel.locator(".nnlib-status").text_content()
                readout = panel.locator(".widget-readout").first.text_content().strip()
                assert not status.startswith("error"), f"panel {index + 1}: {status}"
                assert float(readout) in numbers_in(status), (
                    f"panel {index + 1}: the slider reads {readout}, the status line does not show it: {status!r}"
                )
                wait(page, f"""() => document.querySelectorAll('.nnlib-panel')[{index}]
                               .querySelector('.nnlib-figure').src !== window.__grokProbe.imageBefore""",
                     10, f"panel {index + 1}: the figure did not redraw")
                latencies.append(probe["statusAt"] - probe["keyAt"])
                key = "ArrowLeft" if key == "ArrowRight" else "ArrowRight"
            shot = screenshots / f"{path.stem}-panel{index + 1}.png"
            if panel.locator(".nnlib-play").count():
                try:
                    rates.append(play_pause_step(page, panel, index))
                except AssertionError as failure:  # the panel as it was, to look at
                    panel.screenshot(path=str(shot))
                    raise AssertionError(f"{failure}\n    screenshot: {shot}") from None
            panel.screenshot(path=str(shot))
            shots.append(shot)
        assert latencies, "no panel has a slider to move"
        whole = screenshots / f"{path.stem}.png"
        page.screenshot(path=str(whole))
        assert not page_errors, f"errors in the page: {page_errors}"
        record(dict(notebook=path.name, open_s=opened, run_s=ran, latencies_ms=latencies, frames_per_s=rates,
                    screenshots=[whole, *shots]))
    finally:
        page.close()
