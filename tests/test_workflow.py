"""The CI workflow for a teacher's own copy, .github/workflows/notebooks.yml (issue 30).

It is validated as GitHub would read it, against the GitHub workflow JSON schema vendored in check-jsonschema, and
audited by zizmor (no finding at "medium" or above: actions pinned to full commit SHAs, no template injection,
least permissions). Both tools are in the `test` extra and run offline here, as CI has no network: every request
is sent to a closed port on this machine (a proxy that is not there), and zizmor runs with --offline.
Each validator is shown a broken workflow too, so that these tests can fail.
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT
from test_project import README, setup_commands

WORKFLOW = ROOT / ".github" / "workflows" / "notebooks.yml"
OFFLINE = {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": "",
           "http_proxy": "http://127.0.0.1:9", "https_proxy": "http://127.0.0.1:9", "no_proxy": ""}
NEWEST_PYTHON = "3.14"  # the newest Python every dependency publishes wheels for (torch 2.13.0 has none for 3.15)

UNSAFE = """\
name: unsafe
on:
  pull_request_target:
jobs:
  tests:
    runs-on: ubuntu-24.04
    steps:
      - uses: someone/setup-something@v1
      - run: echo "${{ github.event.pull_request.title }}"
"""
INVALID = UNSAFE + """\
      - name: a step that neither runs nor uses anything
        shell: bash
"""


def tool(name):
    """The command installed beside this Python (the `test` extra), else on PATH; skipped (failed in CI) if absent."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        message = f"{name} is not installed: python -m pip install -e \".[test]\""
        if os.environ.get("CI") == "true":
            pytest.fail(f"the workflow cannot be validated in CI: {message}")
        pytest.skip(message)
    return found


def run(*command):
    """(exit code, output without colours): with CI=true the tools colour their output (ANSI escapes)."""
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **OFFLINE}, timeout=120)
    return done.returncode, re.sub(r"\x1b\[[0-9;]*m", "", done.stdout + done.stderr)


def workflow():
    loaded = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    loaded["on"] = loaded.pop(True, loaded.get("on"))  # YAML 1.1 reads the key `on` as True
    return loaded


def test_the_workflow_is_valid_against_the_github_workflow_schema(tmp_path):
    """One run for both files (check-jsonschema takes two seconds to start): only the invalid one is reported."""
    invalid = tmp_path / "invalid.yml"
    invalid.write_text(INVALID)
    code, output = run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(WORKFLOW),
                       str(invalid))
    assert code == 1 and "Schema validation errors were encountered" in output, output
    assert re.findall(r"^  (\S+?)::\$", output, re.M) == [f"{invalid}"], output  # $.jobs.tests, the step


def test_zizmor_finds_nothing_at_medium_or_above(tmp_path):
    zizmor = tool("zizmor")
    code, output = run(zizmor, "--offline", "--min-severity", "medium", str(WORKFLOW))
    assert code == 0 and "No findings to report" in output, output
    unsafe = tmp_path / "unsafe.yml"
    unsafe.write_text(UNSAFE)
    code, output = run(zizmor, "--offline", "--min-severity", "medium", str(unsafe))
    found = set(re.findall(r"^(?:error|warning)\[([a-z-]+)\]", output, re.M))
    assert code != 0 and {"unpinned-uses", "template-injection", "excessive-permissions"} <= found, output


def test_the_workflow_runs_the_readme_test_command_on_the_oldest_and_newest_python():
    jobs = workflow()["jobs"]
    tests = jobs["tests"]
    assert tests["strategy"]["matrix"]["python"] == ["3.10", NEWEST_PYTHON]
    assert re.search(r'^requires-python = ">=3.10"$', (ROOT / "pyproject.toml").read_text(), re.M)
    lines = [line.strip() for step in tests["steps"] for line in step.get("run", "").splitlines()]
    assert setup_commands()[1] in lines, "the tests job runs the README's test command verbatim"
    assert lines.index("python -m venv ../venv && . ../venv/bin/activate") < lines.index(setup_commands()[1])
    assert "a new virtual environment" in README.split("\n## Set up\n", 1)[1].split("\n## ", 1)[0]


def test_the_browser_job_uses_the_distributions_chromium_as_ci_does():
    browser = workflow()["jobs"]["browser"]
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    lines = [line.strip() for step in browser["steps"] for line in step.get("run", "").splitlines()]
    assert browser["container"].startswith("debian:") and "chromium" in browser["steps"][0]["run"].split()
    assert "apt-get install -y chromium" in script  # .ci/run's way: Debian's package, never `playwright install`
    for command in ('python -m pip install -e ".[classroom]"', "python -m pytest -m browser tests/browser"):
        assert command in script and any(command in line for line in lines), command
    assert browser["steps"][-1]["env"] == {"CI": "true"}  # a missing browser fails instead of skipping


def test_the_workflow_pins_every_action_and_reads_only():
    loaded = workflow()
    assert loaded["permissions"] == {"contents": "read"} and set(loaded["on"]) == {"push", "pull_request"}
    uses = [step["uses"] for job in loaded["jobs"].values() for step in job["steps"] if "uses" in step]
    assert uses and all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", use) for use in uses), uses
    text = WORKFLOW.read_text(encoding="utf-8")
    for use in uses:  # each SHA named with its release, on its line
        assert re.search(re.escape(use) + r"  # v\d+\.\d+\.\d+$", text, re.M), use
    for job in loaded["jobs"].values():  # no ${{ }} in a script: a branch name or a title cannot become code
        assert all("${{" not in step.get("run", "") for step in job["steps"])
