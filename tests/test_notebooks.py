"""Static checks of the notebooks, and the data loader they all share (tested without network)."""
import hashlib
import re
import socket
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import LIVE_PAGES, ROOT, notebooks, read_nb, source_of
from test_toc import BOOK, LANDED

NOTEBOOKS = notebooks()
IDS = [str(p.relative_to(ROOT)) for p in NOTEBOOKS]
# Where each module's or section's self-checking quiz lives, and its minimum number of questions.
# Each landed section of the deep-learning book ends with a quiz on its last page (test_toc.BOOK
# lists the sections and their pages); the DSECOP modules end with theirs.
QUIZZES = {list(BOOK[caption])[-1]: 6 for caption in LANDED} | {
    "DSECOP/Exploratory_Data_Analysis/02_preprocessing_techniques": 8,
    "DSECOP/Intro_to_Deep_Learning/10_Using_Deep_Learning_to_Find_Hot_Jupiters": 8,
    "DSECOP/Intro_to_Random_Forest/0_2_random_forest": 6,
}


def cells_tagged(nb, tag):
    """Code cells of a notebook carrying a tag."""
    return [c for c in nb.cells if c.cell_type == "code" and tag in c.metadata.get("tags", [])]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_committed_without_outputs(path):
    nb = read_nb(path)
    dirty = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"
             and (c.outputs or c.execution_count is not None)]
    assert not dirty, f"{path.name}: cells {dirty} have stored outputs; strip them before committing"
    assert nb.metadata.get("kernelspec", {}).get("name") == "python3", f"{path.name}: kernelspec"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_notebook_executed_once_in_this_run(execution_report, path):
    """The strict build executed it (not a cached copy), in a fresh kernel, without an error."""
    record = execution_report.get(str(path.relative_to(ROOT)))
    assert record is not None, f"{path.name} was not seen by the parallel executor"
    assert record["executed"], f"{path.name} came from the cache, not from this run"
    assert record["ok"], f"{path.name} failed:\n{record['error']}"


def write_notebook(path, *sources):
    """A notebook of code cells, committed-style (no outputs)."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_nbmake_tests_one_page(tmp_path):
    """`pytest --nbmake page.ipynb` (the README's one-page check) runs a page in its own folder
    and fails when a cell fails."""
    good = write_notebook(tmp_path / "pages" / "good.ipynb", "from pathlib import Path",
                          f"assert Path.cwd() == Path({str(tmp_path / 'pages')!r})")
    bad = write_notebook(tmp_path / "pages" / "bad.ipynb", "x = 1", "x / 0")
    runs = {}
    for nb in (good, bad):
        runs[nb.name] = subprocess.run([sys.executable, "-m", "pytest", "--nbmake", "-q", "-p", "no:cacheprovider",
                                        str(nb)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert runs["good.ipynb"].returncode == 0, runs["good.ipynb"].stdout[-2000:]
    assert runs["bad.ipynb"].returncode != 0 and "ZeroDivisionError" in runs["bad.ipynb"].stdout


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_has_exercise_with_collapsed_solution(path):
    text = "\n".join(c.source for c in read_nb(path).cells if c.cell_type == "markdown")
    assert re.search(r"^:::+\{exercise\}", text, flags=re.MULTILINE), f"{path.name}: no exercise"
    solutions = re.findall(r"^:::+\{solution\}[^\n]*\n:class: dropdown", text, flags=re.MULTILINE)
    assert solutions, f"{path.name}: no solution collapsed with ':class: dropdown'"


def test_ruff_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "."], check=False, cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("docname", LIVE_PAGES)
def test_live_code_cell_present(docname):
    nb = read_nb(source_of(docname))
    assert len(cells_tagged(nb, "live-code")) >= 1, f"{docname}: no cell tagged live-code"


@pytest.mark.parametrize("docname,minimum", sorted(QUIZZES.items()))
def test_module_quiz(docname, minimum):
    code = "\n".join(c.source for c in read_nb(source_of(docname)).cells if c.cell_type == "code")
    assert "display_quiz(" in code, f"{docname}: no self-checking quiz"
    assert code.count('"question"') >= minimum, f"{docname}: fewer than {minimum} quiz questions"


# --- the data loader -------------------------------------------------------------------------

LOADER_NBS = [p for p in NOTEBOOKS if cells_tagged(read_nb(p), "data-loader")]


def test_loader_cells_identical():
    sources = {p.name: cells_tagged(read_nb(p), "data-loader")[0].source for p in LOADER_NBS}
    assert sources, "no notebook has a data-loader cell"
    assert len(set(sources.values())) == 1, "data-loader cells differ: " + ", ".join(sources)


@pytest.fixture
def fetch(monkeypatch):
    """The notebooks' own `fetch`, executed from the cell text, with every network call refused."""
    def refuse(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    namespace = {}
    source = cells_tagged(read_nb(LOADER_NBS[0]), "data-loader")[0].source
    exec(source, namespace)  # noqa: S102 -- the point: test the exact cell the notebooks run
    return namespace


URL = "https://example.org/pinned/events.csv"
CONTENT = b"E,px,py,pz\n1.0,0.1,0.2,0.3\n"
SHA = hashlib.sha256(CONTENT).hexdigest()


def test_loader_uses_cached_copy_without_network(fetch, tmp_path, monkeypatch):
    (tmp_path / "events.csv").write_bytes(CONTENT)
    monkeypatch.setenv(fetch["DATA_ENV"], str(tmp_path))
    assert Path(fetch["fetch"](URL, SHA)).read_bytes() == CONTENT


def test_loader_reads_the_data_readme_name(fetch, tmp_path, monkeypatch):
    # tiny-Shakespeare's URL ends in input.txt; ../shared/data/README.md (the offline copy) names it
    # tinyshakespeare.txt. A page passes that name; without it the file would not be found offline.
    (tmp_path / "renamed.csv").write_bytes(CONTENT)
    monkeypatch.setenv(fetch["DATA_ENV"], str(tmp_path))
    assert Path(fetch["fetch"](URL, SHA, "renamed.csv")).read_bytes() == CONTENT
    with pytest.raises(RuntimeError, match=fetch["DATA_ENV"]):
        fetch["fetch"](URL, SHA)


def test_loader_rejects_wrong_hash(fetch, tmp_path, monkeypatch):
    (tmp_path / "events.csv").write_bytes(CONTENT + b"tampered\n")
    monkeypatch.setenv(fetch["DATA_ENV"], str(tmp_path))
    with pytest.raises(ValueError, match=r"does not match its pinned sha256.*delete it"):
        fetch["fetch"](URL, SHA)


def test_loader_offline_error_names_the_variable(fetch, tmp_path, monkeypatch):
    monkeypatch.setenv(fetch["DATA_ENV"], str(tmp_path))
    with pytest.raises(RuntimeError, match=fetch["DATA_ENV"]) as err:
        fetch["fetch"](URL, SHA)
    assert "\n" not in str(err.value), "the error must be one line"
    assert not (tmp_path / "events.csv").exists()


# --- the build's warm kernels (scripts/warm_kernels.py) --------------------------------------

def test_warm_kernel_is_a_fresh_kernel_with_packages_preloaded(tmp_path, monkeypatch):
    """A warm kernel runs in the notebook's folder and environment with an empty namespace and
    inline figures, like a plain one; only the common packages are already loaded; errors fail."""
    sys.path.insert(0, str(ROOT / "scripts"))
    import parallel_execution

    monkeypatch.setenv("DL4P_TEST_VAR", "passed through")
    good = write_notebook(tmp_path / "pages" / "good.ipynb",
                          "import os, sys\nprint(os.getcwd(), os.environ['DL4P_TEST_VAR'], 'torch' in sys.modules)",
                          "assert 'np' not in dir() and 'plt' not in dir()",
                          "import matplotlib.pyplot as plt\nplt.plot([0, 1])\nplt.show()")
    bad = write_notebook(tmp_path / "pages" / "bad.ipynb", "np.zeros(3)")
    with parallel_execution.warm_zygote(one_thread=True) as manager:
        assert manager is not None, "the zygote did not start"
        runs = [parallel_execution.execute_one(str(nb), 120, False, False, True, manager) for nb in (good, bad)]
    (_, _, nb_good, trace_good, _), (_, _, nb_bad, trace_bad, _) = runs
    assert nb_good is not None, trace_good
    assert nb_good.cells[0].outputs[0]["text"].split() == [str(tmp_path / "pages"), "passed", "through", "True"]
    assert any("image/png" in o.get("data", {}) for o in nb_good.cells[2].outputs)
    assert nb_bad is None and "NameError" in trace_bad


# Submodules a warm kernel has loaded (scripts/warm_kernels.py PRELOAD) that a plain kernel may load
# only when they are imported: a page that uses one through its parent package without importing it
# would pass the build and fail on Colab. SciPy's and PyTorch's submodules load on attribute access;
# pyplot and PIL.Image do not; scikit-learn 1.9 loads its submodules lazily too, but older releases
# (as on Colab) did not, so they stay in the list. Keep it in step with PRELOAD.
NOT_AUTOLOADED = ["matplotlib.pyplot", "PIL.Image"] + [f"sklearn.{m}" for m in (
    "model_selection", "linear_model", "metrics", "preprocessing", "datasets", "ensemble", "decomposition")]


def unimported_submodules(code):
    """The NOT_AUTOLOADED modules that `code` uses as attributes of their parent without importing them."""
    missing = []
    body = re.sub(r"^\s*(import|from) [^\n]*", "", code, flags=re.MULTILINE)   # code without its import lines
    for module in NOT_AUTOLOADED:
        parent, child = module.rsplit(".", 1)
        used = re.search(rf"(?<![\w.]){re.escape(module)}\.", body)
        imported = re.search(rf"^\s*(import {re.escape(module)}\b|from {re.escape(module)}(\.\w+)* import|"
                             rf"from {re.escape(parent)} import [^\n]*\b{child}\b)", code, flags=re.MULTILINE)
        if used and not imported:
            missing.append(module)
    return missing


def test_unimported_submodule_check_can_fail():
    assert unimported_submodules("import sklearn\nsklearn.metrics.f1_score(y, p)") == ["sklearn.metrics"]
    assert unimported_submodules("import matplotlib.pyplot as plt\nimport sklearn.metrics\nsklearn.metrics.f1_score") == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=IDS)
def test_no_submodule_used_without_its_import(path):
    code = "\n".join(c.source for c in read_nb(path).cells if c.cell_type == "code")
    assert not unimported_submodules(code), f"{path.name}: import {unimported_submodules(code)} explicitly"
