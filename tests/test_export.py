"""nnlib is generated from the notebooks: no drift, readable modules, imports that only point down.

The first tests check this repository; the rest check the exporter itself on small synthetic notebooks.
"""
import ast
import importlib
import importlib.util
import inspect
import subprocess
import sys

import nbformat
import pytest

from conftest import ROOT

spec = importlib.util.spec_from_file_location("export_tool", ROOT / "tools" / "export.py")
export = importlib.util.module_from_spec(spec)
sys.modules["export_tool"] = export
spec.loader.exec_module(export)



def readme_floors():
    """{module: floor} from the picture of the floors in the README (section "How nnlib reads"), the one floor map of
    the project: each line of the picture is a floor, the lowest last; a line lists its modules before any "#"."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("### How `nnlib` reads: checked door, plain room", 1)[1]
    picture = section.split("```\n", 2)[1]
    lines = [line.split("#", 1)[0].split() for line in picture.splitlines() if line.split("#", 1)[0].strip()]
    return {module: len(lines) - 1 - floor for floor, names in enumerate(lines) for module in names}


FLOORS = readme_floors()
FRONT_END = {"matplotlib", "ipywidgets", "anywidget", "traitlets", "IPython", "PIL"}  # what only nnlib.ui may import
LIBRARY = sorted(p for p in (ROOT / "nnlib").rglob("*.py") if p.name != "__init__.py")


def module_name(path):
    """nnlib/layers.py -> "layers", nnlib/ui/panel.py -> "ui.panel"."""
    return ".".join(path.relative_to(ROOT / "nnlib").with_suffix("").parts)


def nnlib_imports(tree, package=""):
    """(line, module) for every nnlib module a module imports, anywhere in it (inside functions too):
    `from nnlib.x import ...`, `from nnlib import x, y`, `import nnlib.x`, `from nnlib.ui.panel import ...` and
    relative forms (`from . import x`, `from .x import ...`, relative to `package`, "ui" for nnlib.ui's modules)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(filter(None, ["nnlib", package if node.level == 1 else "", base]))
            if base in ("nnlib", "nnlib.ui"):  # a package: the names are its modules
                found += [(node.lineno, ".".join(filter(None, [base[6:], alias.name]))) for alias in node.names]
            elif base.startswith("nnlib."):
                found.append((node.lineno, base[6:]))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name[6:]) for a in node.names if a.name.startswith("nnlib.")]
    return found


# -- this repository ------------------------------------------------------------------------------------------


def test_committed_library_matches_what_the_notebooks_export():
    problems = export.stale(ROOT)
    assert not problems, "\n".join(problems) + "\n\nnnlib differs from the notebooks: run `python tools/export.py`"


def test_every_library_file_is_generated():
    for path in (ROOT / "nnlib").glob("*.py"):
        assert path.read_text(encoding="utf-8").startswith(export.GENERATED_MARK), f"{path.name} is hand-written"


@pytest.fixture(scope="module")
def symbol_sources():
    """{"module.Symbol" or "module.Class.method": the notebook that defines it}, read from the notebooks once."""
    return export.symbol_sources(ROOT)


@pytest.mark.parametrize("path", LIBRARY, ids=[module_name(p) for p in LIBRARY])
def test_public_symbols_have_docstrings_that_name_their_notebook(path, symbol_sources):
    name = module_name(path)
    module = importlib.import_module(f"nnlib.{name}")
    assert module.__doc__ and module.__doc__.strip(), "module docstring missing"
    sources = symbol_sources
    checked = 0
    for name in module.__all__:
        value = getattr(module, name)
        if not (inspect.isclass(value) or inspect.isfunction(value)):
            continue  # constants such as the gate instances: their class is documented
        notebook = sources[f"{module_name(path)}.{name}"]
        assert value.__doc__ and f"notebooks/{notebook}" in value.__doc__, f"{name}'s docstring must name {notebook}"
        checked += 1
        for method, source in sources.items():
            if method.startswith(f"{module_name(path)}.{name}."):
                doc = getattr(value, method.rsplit(".", 1)[1]).__doc__ or ""
                assert f"notebooks/{source}" in doc, f"{method} was added in {source}; its docstring must say so"
    assert checked, "no documented public symbol found"


def test_core_imports_without_matplotlib_or_ipywidgets():
    code = (
        "import sys, nnlib\n"
        "from nnlib import *\n"
        "loaded = [m for m in ('matplotlib', 'ipywidgets', 'IPython') if m in sys.modules]\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


def test_the_floors_list_exactly_the_modules_that_exist():
    assert set(FLOORS) == {module_name(p) for p in LIBRARY}, "the README's picture of the floors must show every module"


def test_the_import_finder_sees_every_form_of_import():
    tree = ast.parse("from nnlib import activations, init as i\nfrom nnlib.layers import Dense\nimport nnlib.optim\n"
                     "from . import model\nfrom .losses import get\nimport numpy\nfrom os import path\n"
                     "def f():\n    from nnlib.ui.panel import Panel\n    from nnlib.ui import regions\n")
    assert sorted(m for _, m in nnlib_imports(tree)) == sorted(
        ["activations", "init", "layers", "optim", "model", "losses", "ui.panel", "ui.regions"])
    assert [m for _, m in nnlib_imports(ast.parse("from .checks import x\nfrom . import curves"), "ui")] == [
        "ui.checks", "ui.curves"]


@pytest.mark.parametrize("path", LIBRARY, ids=[module_name(p) for p in LIBRARY])
def test_imports_point_down_the_floors_everywhere(path):
    """Every import, at the top or inside a function: nnlib modules on a lower floor only (so no cycle, no upward
    import); numpy and the standard library only, except in nnlib.ui, which may import the front end's packages."""
    name = module_name(path)
    assert name in FLOORS, f"nnlib.{name} has no floor: add it to the README's picture of the floors"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for line, other in nnlib_imports(tree, name.rpartition(".")[0]):
        assert other in FLOORS, f"nnlib.{name}, line {line}: imports nnlib.{other}, which does not exist"
        assert FLOORS[other] < FLOORS[name], (
            f"nnlib.{name}, line {line}: imports nnlib.{other} (floor {FLOORS[other]}), which is not below it "
            f"(floor {FLOORS[name]})")
    allowed = {"numpy", "nnlib"} | (FRONT_END if name.startswith("ui.") else set())
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)) and not getattr(node, "level", 0):
            for imported in [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]:
                top = imported.split(".")[0]
                assert top in sys.stdlib_module_names or top in allowed, (
                    f"nnlib.{name}, line {node.lineno}: imports {imported}; "
                    + ("nnlib.ui may import numpy, the standard library and the front end's packages" if name.startswith("ui.")
                       else "below nnlib.ui only numpy and the standard library may be imported"))


def test_the_floor_check_catches_an_import_inside_a_function():
    tree = ast.parse("def f():\n    from nnlib.ui.panel import Panel\n")
    assert [m for _, m in nnlib_imports(tree)] == ["ui.panel"] and FLOORS["ui.panel"] > FLOORS["model"]


# -- the exporter, on synthetic notebooks ---------------------------------------------------------------------


def project(tmp_path, notebooks):
    """A minimal project: notebooks {name: [code cell sources]}, an empty nnlib/, a pyproject with a version."""
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "nnlib").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nversion = "9.8.7"\n', encoding="utf-8")
    for name, cells in notebooks.items():
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_markdown_cell("# title")] + [nbformat.v4.new_code_cell(c) for c in cells]
        nbformat.write(nb, tmp_path / "notebooks" / name)
    return tmp_path


def run_module(text):
    namespace = {}
    exec(compile(text, "generated.py", "exec"), namespace)
    return namespace


CLASS = '#| export core\n"""Core."""\n\n\nclass Thing:\n    """A thing."""\n\n    def __init__(self):\n        self.x = 1\n'


def test_two_notebooks_add_to_one_module_in_order(tmp_path):
    root = project(tmp_path, {
        "00_a.ipynb": [
            '#| export core\n"""Core doc."""\nimport numpy as np\n\n\ndef one():\n    """One."""\n    return int(np.int64(1))\n',
            "print('a cell that is not exported')",
        ],
        "01_b.ipynb": ["#| export core\nimport math\nfrom collections import OrderedDict\nimport numpy as np\n\n_hidden = 2\nTWO = one() + 1\n"],
    })
    text = export.generate(root)["core.py"]
    assert text.startswith("# Generated by tools/export.py from notebooks/00_a.ipynb, notebooks/01_b.ipynb.\n")
    assert '"""Core doc."""\n\nimport math\nfrom collections import OrderedDict\n\nimport numpy as np\n' in text
    assert '__all__ = ["one", "TWO"]' in text
    assert text.index("# ---- notebooks/00_a.ipynb") < text.index("def one") < text.index("# ---- notebooks/01_b.ipynb")
    assert text.index("# ---- notebooks/01_b.ipynb") < text.index("TWO = one() + 1")
    assert "not exported" not in text and text.count("import numpy as np") == 1
    namespace = run_module(text)
    assert namespace["TWO"] == 2 and namespace["__doc__"] == "Core doc."


def test_from_imports_of_one_module_are_merged_and_sorted(tmp_path):
    root = project(tmp_path, {
        "00_a.ipynb": ['#| export core\n"""D."""\nfrom os.path import join, basename\n\nA = 1\n'],
        "01_b.ipynb": ["#| export core\nfrom os.path import dirname, join\n\nB = 2\n"],
    })
    text = export.generate(root)["core.py"]
    assert "from os.path import basename, dirname, join\n" in text and text.count("from os.path") == 1


ADD = "from nnlib.notebook import add_to_class\n"


def test_a_later_notebook_adds_methods_inside_the_class(tmp_path):
    root = project(tmp_path, {
        "00_a.ipynb": [CLASS],
        "01_b.ipynb": [
            "#| export core\n" + ADD + '@add_to_class(Thing)\ndef double(self):\n    """Twice x.\n\n    Second line."""\n'
            "    return 2 * self.x\n\n\n"
            '# a comment kept with the method\n@add_to_class(Thing)\n@classmethod\ndef make(cls, x):\n    """A Thing with x."""\n'
            "    thing = cls()\n    thing.x = x\n    return thing\n"
        ],
    })
    text = export.generate(root)["core.py"]
    assert "    # (from notebooks/01_b.ipynb)\n    def double(self):\n" in text
    assert '        """Twice x.\n\n        Second line."""' in text
    assert "    # (from notebooks/01_b.ipynb)\n    # a comment kept with the method\n    @classmethod\n    def make(cls, x):\n" in text
    assert "add_to_class" not in text and '__all__ = ["Thing"]' in text
    thing = run_module(text)["Thing"]
    assert thing().double() == 2 and thing.make(7).x == 7
    assert export.symbol_sources(root)["core.Thing.double"] == "01_b.ipynb"
    assert export.symbol_sources(root)["core.Thing.make"] == "01_b.ipynb"


def test_a_class_written_in_several_cells_of_its_notebook_reads_as_one_class(tmp_path):
    root = project(tmp_path, {"00_a.ipynb": [
        CLASS, "print('a cell between')",
        "#| export core\n@add_to_class(Thing)\ndef grow(self):\n    self.x += 1\n\n\nHELPER = 3\n",
    ]})
    text = export.generate(root)["core.py"]
    body = text.split("class Thing:", 1)[1]
    assert "    def grow(self):\n        self.x += 1" in body and "(from notebooks" not in body
    assert text.index("def grow") < text.index("HELPER = 3")
    thing = run_module(text)["Thing"]()
    thing.grow()
    assert thing.x == 2


def test_a_later_notebook_replaces_a_method_it_adds_again(tmp_path):
    method = "#| export core\n@add_to_class(Thing)\ndef double(self):\n    return {} * self.x\n"
    root = project(tmp_path, {"00_a.ipynb": [CLASS], "01_b.ipynb": [method.format(2)], "02_c.ipynb": [method.format(20)]})
    text = export.generate(root)["core.py"]
    assert text.count("def double") == 1 and "(from notebooks/02_c.ipynb)" in text and "01_b" not in text.split('"""A thing."""')[1]
    assert run_module(text)["Thing"]().double() == 20


def test_the_add_to_class_decorator_attaches_methods_at_run_time():
    from nnlib.notebook import add_to_class

    class Box:
        pass

    @add_to_class(Box)
    def size(self):
        return 3

    @add_to_class(Box)
    @property
    def area(self):
        return 9

    assert Box().size() == 3 and Box().area == 9 and size is None
    with pytest.raises(TypeError, match="add_to_class takes a class"):
        add_to_class(Box())


def test_a_later_notebook_replaces_a_definition_in_place(tmp_path):
    root = project(tmp_path, {
        "00_a.ipynb": ['#| export core\n"""D."""\n\n\ndef f():\n    return 1\n\n\nG = 5\n'],
        "01_b.ipynb": ["#| export core\ndef f():\n    return 2\n"],
    })
    text = export.generate(root)["core.py"]
    assert text.count("def f") == 1 and text.index("def f") < text.index("G = 5")
    assert "# (from notebooks/01_b.ipynb, replacing the version of notebooks/00_a.ipynb)" in text
    assert run_module(text)["f"]() == 2


def test_inside_a_class_multiline_strings_keep_their_value(tmp_path):
    body = '#| export core\n@add_to_class(Thing)\ndef text(self):\n    """Doc."""\n    s = """a\nb"""\n    return s\n'
    root = project(tmp_path, {"00_a.ipynb": [CLASS], "01_b.ipynb": [body]})
    assert run_module(export.generate(root)["core.py"])["Thing"]().text() == "a\nb"


def test_inside_a_class_continued_literals_are_indented_and_multiline_fstrings_kept(tmp_path):
    body = ('#| export core\n@add_to_class(Thing)\ndef text(self):\n    """Doc."""\n    joined = ("a "\n              f"{self.x}")\n'
            '    block = f"""b\n{self.x}"""\n    return joined, block\n')
    root = project(tmp_path, {"00_a.ipynb": [CLASS], "01_b.ipynb": [body]})
    text = export.generate(root)["core.py"]
    assert '        joined = ("a "\n                  f"{self.x}")\n' in text
    assert '        block = f"""b\n{self.x}"""\n' in text
    assert run_module(text)["Thing"]().text() == ("a 1", "b\n1")


@pytest.mark.parametrize(
    "notebooks, message",
    [
        ({"00_a.ipynb": ["#| export core\ndef f():\n    pass\n"]}, "no module docstring"),
        ({"00_a.ipynb": ['#| exprt core\n"""D."""\n']}, "unknown directive '#| exprt'"),
        ({"00_a.ipynb": ["#| export Core-X\nA = 1\n"]}, "needs a lower-case module name"),
        ({"00_a.ipynb": [CLASS, "#| export core.Thing\ndef f(self):\n    pass\n"]}, r"decorate them with @add_to_class\(Class\)"),
        ({"00_a.ipynb": ['#| export core\n"""D."""\nprint(1)\n']}, "only imports, definitions"),
        ({"00_a.ipynb": ['#| export core\n"""D."""\n__all__ = ["x"]\n']}, "do not write __all__"),
        ({"00_a.ipynb": ['#| export core\n"""D."""\nfrom nnlib.core import x\n']}, "cannot import itself"),
        ({"00_a.ipynb": ['#| export core\n"""D."""\ndef f(:\n    pass\n']}, r"00_a.ipynb, code cell 1: syntax error"),
        ({"00_a.ipynb": ['#| export core\n"""D."""\ndef f():\n    pass\n', "x = 1", "#| export core\ndef f():\n    pass\n"]},
         r"00_a.ipynb, code cell 3: 'f' is already exported from this notebook"),
        ({"00_a.ipynb": ['#| export core\n"""D."""\nA = 1\n'], "01_b.ipynb": ["#| export core\n@add_to_class(Missing)\ndef f(self):\n    pass\n"]},
         r"@add_to_class\(Missing\): class Missing is not exported"),
        ({"00_a.ipynb": [CLASS, "#| export core\n@add_to_class(Thing)\ndef __init__(self):\n    pass\n"]},
         r"method Thing.__init__ is already defined by this notebook"),
        ({"00_a.ipynb": [CLASS], "01_b.ipynb": ["#| export core\n@add_to_class(Thing)\ndef f(self):\n    pass\n",
                                                 "#| export core\n@add_to_class(Thing)\ndef f(self):\n    pass\n"]},
         r"01_b.ipynb, code cell 2: method Thing.f is already defined by this notebook"),
        ({"00_a.ipynb": [CLASS], "01_b.ipynb": ["#| export core\n@property\n@add_to_class(Thing)\ndef f(self):\n    pass\n"]},
         "must be the first .outermost. decorator"),
        ({"00_a.ipynb": [CLASS], "01_b.ipynb": ["#| export core\n@add_to_class(Thing, 2)\ndef f(self):\n    pass\n"]},
         r"write @add_to_class\(ClassName\)"),
        ({"00_a.ipynb": [CLASS], "01_b.ipynb": ["#| export core\n@add_to_class(Thing)\nclass Inner:\n    pass\n"]},
         "decorates a function"),
    ],
)
def test_mistakes_in_export_cells_name_the_notebook_and_the_problem(tmp_path, notebooks, message):
    root = project(tmp_path, notebooks)
    with pytest.raises(export.ExportError, match=message):
        export.generate(root)


def test_write_then_check_and_what_check_reports(tmp_path):
    root = project(tmp_path, {"00_a.ipynb": ['#| export core\n"""D."""\nA = 1\n'], "01_b.ipynb": ['#| export extra\n"""E."""\nB = 2\n']})
    assert sorted(export.write(root)) == ["__init__.py", "core.py", "extra.py"]
    assert export.stale(root) == [] and export.write(root) == []
    init = (root / "nnlib" / "__init__.py").read_text()
    assert "from . import core, extra\n" in init and '__version__ = "9.8.7"' in init

    core = root / "nnlib" / "core.py"
    core.write_text(core.read_text().replace("A = 1", "A = 3"))
    (root / "nnlib" / "handmade.py").write_text("X = 1\n")
    problems = "\n".join(export.stale(root))
    assert "-A = 3" in problems and "+A = 1" in problems
    assert "nnlib/handmade.py is not exported by any notebook" in problems

    (root / "notebooks" / "01_b.ipynb").unlink()
    assert "extra.py (removed)" in export.write(root)
    assert (root / "nnlib" / "handmade.py").exists(), "hand-written files are reported, never deleted"


def test_check_command_succeeds_when_in_sync():
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "export.py"), "--check"], capture_output=True, text=True)
    assert done.returncode == 0 and "in sync" in done.stdout
