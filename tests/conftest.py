"""Shared fixtures: the book's pages from _toc.yml, and one strict build of the site per test run."""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
BUILD_HTML = ROOT / "_build" / "html"
STRICT_BUILD = ["-c", "from jupyter_book.cli.main import main; main()", "build", "--all", "-W", "-n", "--keep-going", "."]
# Pages with a live-code example (Thebe), as promised on the home page (a neuron, optimisers).
LIVE_PAGES = [
    "deeplearning_book/core/Neural_Networks_Basics",
    "deeplearning_book/core/Optimization_Techniques",
    "DSECOP/Intro_to_Deep_Learning/01_Introduction_to_Neural_Network",
    "DSECOP/Intro_to_Deep_Learning/04_Gradient_Descent",
    "DSECOP/Intro_to_Deep_Learning/10_Using_Deep_Learning_to_Find_Hot_Jupiters",
]


def toc_files():
    """Every document named in _toc.yml (root first), without extension."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    found = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                found.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(toc.get("parts", toc.get("chapters", [])))
    return found


def source_of(docname):
    """The .md or .ipynb file behind a toc entry (None if missing)."""
    for ext in (".ipynb", ".md"):
        if (ROOT / (docname + ext)).exists():
            return ROOT / (docname + ext)
    return None


def notebooks():
    """All notebooks of the book, in toc order."""
    return [p for p in map(source_of, toc_files()) if p is not None and p.suffix == ".ipynb"]


def read_nb(path):
    """Read a notebook as nbformat v4."""
    return nbformat.read(path, as_version=4)


@pytest.fixture(scope="session")
def site():
    """Build the site once, strictly (-W -n --keep-going, cell errors raise); return _build/html.

    The execution cache is emptied first, so the build executes every notebook exactly once in
    this run, in parallel (scripts/parallel_execution.py), each in a fresh (warm: forked) kernel
    with its own folder as working directory: this is also the notebook-execution test. Later builds in the
    same run (classroom mode) reuse those executions.
    """
    shutil.rmtree(ROOT / "_build" / ".jupyter_cache", ignore_errors=True)
    result = subprocess.run([sys.executable, *STRICT_BUILD], check=False, cwd=ROOT,
                            capture_output=True, text=True)
    log = result.stdout + result.stderr
    (ROOT / "_build").mkdir(exist_ok=True)
    (ROOT / "_build" / "strict-build.log").write_text(log)
    # Sphinx/docutils messages look like "file:line: WARNING: ..."; a kernel's own
    # "[IPKernelApp] WARNING | ..." log line is not a build warning, nor is the line TensorFlow's C++
    # logger prints to the kernel's stderr when it loads (known-harmless; the pages that import
    # TensorFlow keep it off the built page with the remove-stderr tag). -W fails the build on any
    # real Sphinx warning anyway; this list is the readable report.
    warnings = [line for line in log.splitlines() if re.search(r"\b(WARNING|ERROR|CRITICAL|SEVERE):", line)
                and not line.startswith("WARNING: All log messages before absl::InitializeLog() is called")]
    assert result.returncode == 0 and not warnings, (
        "strict build failed; full log in _build/strict-build.log\n"
        + "\n".join(warnings[:40] or log.splitlines()[-40:])
    )
    return BUILD_HTML


@pytest.fixture(scope="session")
def execution_report(site):
    """What the strict build's parallel executor recorded, per notebook (relative path)."""
    return json.loads((ROOT / "_build" / "execution-report.json").read_text())["notebooks"]
