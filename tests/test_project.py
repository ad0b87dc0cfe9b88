"""The project around the notebooks: the README's two commands, what CI runs, the package metadata."""
import re
from importlib import metadata

from packaging.requirements import Requirement

from conftest import NOTEBOOK_PATHS, ROOT, label, read_notebook, source

README = (ROOT / "README.md").read_text(encoding="utf-8")
PYPROJECT = (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def setup_commands():
    section = README.split("\n## Set up\n", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"^```\n(.*?)^```", section, flags=re.S | re.M)]


def test_readme_gives_exactly_two_setup_commands():
    open_lab, run_tests = setup_commands()  # exactly two
    assert "pip install -e ." in open_lab and open_lab.endswith("jupyter lab notebooks/00_welcome.ipynb")
    assert run_tests.startswith('python -m pip install -e ".[test]"') and run_tests.endswith("python -m pytest")
    assert "\n" not in open_lab + run_tests, "each set-up step is one command line"


def test_ci_runs_the_readme_test_command_in_a_fresh_virtual_environment():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert script.startswith("#!/usr/bin/env bash\n") and "set -euo pipefail" in script
    assert re.search(r'-m venv "\$work/venv"', script) and ". \"$work/venv/bin/activate\"" in script
    commands = [line.strip() for line in script.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert setup_commands()[1] in commands, ".ci/run must run the README's test command verbatim"


def test_readme_and_the_welcome_map_list_every_notebook():
    welcome = "\n".join(source(c) for c in read_notebook(ROOT / "notebooks" / "00_welcome.ipynb")["cells"]
                        if c["cell_type"] == "markdown")
    for path in NOTEBOOK_PATHS:  # the series, then the appendix ("A", at notebooks/appendix/...)
        where = path.relative_to(ROOT / "notebooks").as_posix()
        assert re.search(rf"^\| {label(path)} \| \[[^]]+\]\(notebooks/{where}\) \|", README, re.M), where
        assert re.search(rf"^\| {label(path)} \| \[[^]]+\]\({where}\) \|", welcome, re.M), where


PINNED = {"torch": "a newer release from PyPI would be a CUDA build of several GB"}


def test_dependencies_have_lower_bounds_only():
    requirements = [Requirement(r) for r in metadata.requires("grok-nn")]
    runtime = {r.name for r in requirements if r.marker is None}
    assert runtime == {"numpy", "matplotlib", "ipywidgets", "anywidget", "jupyterlab"}
    test_extra = {r.name for r in requirements if r.marker and r.marker.evaluate({"extra": "test"})}
    assert {"pytest", "nbval"} <= test_extra
    for requirement in requirements:
        if requirement.name in PINNED:  # a pin, with its reason written next to it in pyproject.toml
            assert PINNED[requirement.name] in PYPROJECT.replace("\n# ", " "), requirement.name
            continue
        for spec in requirement.specifier:
            assert spec.operator == ">=", f"{requirement}: only lower bounds (an upper pin needs a written reason)"
    assert metadata.metadata("grok-nn")["Requires-Python"] == ">=3.10"


def test_pytest_validates_the_notebooks_in_strict_mode_in_this_environment():
    options = PYPROJECT.split("[tool.pytest.ini_options]", 1)[1]
    assert 'testpaths = ["tests", "notebooks"]' in options
    assert '"--nbval",' in options and "--nbval-lax" not in options and '"--nbval-current-env",' in options
    sanitize = re.search(r'"--nbval-sanitize-with=([^"]+)"', options).group(1)
    assert (ROOT / sanitize).is_file()


def test_ci_runs_the_browser_tests_and_a_missing_browser_fails_only_in_ci(monkeypatch):
    import importlib.util

    import pytest

    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in script.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    browser = "python -m pytest -m browser tests/browser"
    assert browser in commands and commands.index(browser) > commands.index(setup_commands()[1])
    assert "apt-get install -y chromium" in script
    spec = importlib.util.spec_from_file_location("browser_tests", ROOT / "tests" / "browser" / "test_widgets_in_lab.py")
    browser_tests = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(browser_tests)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="browser tests cannot run in CI: no Chromium at /x"):
        browser_tests.missing("no Chromium at /x")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="no Chromium at /x"):
        browser_tests.missing("no Chromium at /x")


def perturb_tool():
    import importlib.util

    spec = importlib.util.spec_from_file_location("perturb", ROOT / "tools" / "perturb.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_lowest_environment_pins_every_lower_bound_of_pyproject():
    pins = perturb_tool().lowest_pins()
    requirements = [Requirement(r) for r in metadata.requires("grok-nn")]
    bounds = {r.name: spec.version for r in requirements
              if r.marker is None or r.marker.evaluate({"extra": "test"}) for spec in r.specifier if spec.operator == ">="}
    assert sorted(pins) == sorted(f"{name}=={version}" for name, version in bounds.items())
    assert "numpy==1.24" in pins and "pytest-xdist==3.0.2" in pins  # 3.0.2: the first 3.0 release on PyPI


def test_the_perturbations_turn_off_only_what_an_older_machine_lacks():
    perturb = perturb_tool()
    assert perturb.CONTEXTS["haswell"]["openblas"] == "Haswell" and perturb.CONTEXTS["sandybridge"]["openblas"] == "Sandybridge"
    assert set(perturb.NO_AVX512) < set(perturb.NO_AVX2) and "AVX2" in perturb.NO_AVX2 and "AVX" not in perturb.NO_AVX2
    assert {perturb.CONTEXTS["haswell"]["threads"], perturb.CONTEXTS["sandybridge"]["threads"]} == {"all", "1"}


def test_ci_runs_the_perturbations_after_the_main_suite_and_the_readme_names_the_proven_environments():
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in script.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    kernels, lowest = "python tools/perturb.py haswell sandybridge -- notebooks", "python tools/perturb.py lowest"
    assert commands.index(kernels) > commands.index(setup_commands()[1]) and lowest in commands
    assert commands.index("python -m pytest -m lessons") > commands.index(setup_commands()[1])  # not in the default run
    teachers = README.split("\n## For teachers\n", 1)[1].split("\n## ", 1)[0]
    assert "Haswell" in teachers and "Sandybridge" in teachers and "python tools/perturb.py" in teachers
    for requirement in (Requirement(r) for r in metadata.requires("grok-nn")):
        if requirement.marker is None:  # every runtime lower bound is named where the proven environments are
            (spec,) = requirement.specifier
            assert f"{requirement.name} {spec.version}" in teachers.replace("JupyterLab", "jupyterlab"), requirement
