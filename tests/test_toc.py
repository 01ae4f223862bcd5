"""Table of contents integrity and page titles against the course specification."""
import re
from pathlib import Path

import pytest
from conftest import ROOT, read_nb, source_of, toc_files

# Finished parts of the book, with every page (path without extension -> exact H1 title).
# Mirrors ../shared/spec/PAGES.md; test_pages_match_spec checks the two agree when the spec is present.
FINISHED = {
    "DSECOP/Exploratory_Data_Analysis/README": "Exploratory Data Analysis",
    "DSECOP/Exploratory_Data_Analysis/01_dataset_cleaning":
        "Exploratory Data Analysis: Cleaning a Detector Dataset",
    "DSECOP/Exploratory_Data_Analysis/02_preprocessing_techniques":
        "Preprocessing Techniques for Machine Learning",
    "DSECOP/Intro_to_Deep_Learning/README": "Introduction to Deep Learning",
    "DSECOP/Intro_to_Deep_Learning/01_Introduction_to_Neural_Network":
        "Lecture I: Introduction to Neural Networks",
    "DSECOP/Intro_to_Deep_Learning/02_Logistic_Regression": "Lecture II: Logistic Regression",
    "DSECOP/Intro_to_Deep_Learning/03_Loss_and_Cost_Functions": "Lecture III: Loss and Cost Functions",
    "DSECOP/Intro_to_Deep_Learning/04_Gradient_Descent": "Lecture IV: Gradient Descent",
    "DSECOP/Intro_to_Deep_Learning/05_Gradient_Descent_over_All_Elements_in_Training_Set":
        "Lecture V: Gradient Descent over All Elements in Training Set",
    "DSECOP/Intro_to_Deep_Learning/06_Deep_Neural_Network": "Lecture VI: Deep Neural Network",
    "DSECOP/Intro_to_Deep_Learning/07_Parameters_vs_Hyperparameters":
        "Lecture VII: Parameters vs. Hyperparameters",
    "DSECOP/Intro_to_Deep_Learning/08_Tow_Major_Problems_in_Deep_Learning_Regularization_and_Vanishing_Gradient":
        "Lecture VIII: Two Major Problems in Deep Learning — Regularization and Vanishing Gradient",
    "DSECOP/Intro_to_Deep_Learning/09_Activation_Function": "Lecture IX: Activation Functions",
    "DSECOP/Intro_to_Deep_Learning/10_Using_Deep_Learning_to_Find_Hot_Jupiters":
        "Lecture X: Using Deep Learning to Find Hot Jupiters",
    "DSECOP/Intro_to_Random_Forest/README": "Introduction to Random Forest",
    "DSECOP/Intro_to_Random_Forest/0_1_random_forest": "An Introduction to the Random Forest Algorithm",
    "DSECOP/Intro_to_Random_Forest/0_2_random_forest": "Using Random Forest for Classifying Exoplanets",
}
SPEC = ROOT.parent / "shared" / "spec" / "PAGES.md"
CONTENT_DIRS = ["DSECOP", "deeplearning_book"]


def h1_of(path):
    """The first level-1 heading of a page."""
    if path.suffix == ".ipynb":
        text = "\n".join(c.source for c in read_nb(path).cells if c.cell_type == "markdown")
    else:
        text = path.read_text()
    match = re.search(r"^# (.+)$", text, flags=re.MULTILINE)
    return match.group(1).strip() if match else None


def test_every_toc_entry_exists():
    missing = [f for f in toc_files() if source_of(f) is None]
    assert not missing, f"_toc.yml names files that do not exist: {missing}"


def test_every_content_file_is_in_toc():
    listed = {str(source_of(f).relative_to(ROOT)) for f in toc_files() if source_of(f)}
    content = {str(p.relative_to(ROOT)) for d in CONTENT_DIRS if (ROOT / d).exists()
               for p in (ROOT / d).rglob("*") if p.suffix in (".md", ".ipynb")
               and ".ipynb_checkpoints" not in p.parts}
    assert not content - listed, f"pages missing from _toc.yml: {sorted(content - listed)}"


@pytest.mark.parametrize("docname", sorted(FINISHED))
def test_finished_module_page_exists_with_title(docname):
    path = source_of(docname)
    assert path is not None, f"{docname} (.ipynb or .md) is missing"
    assert docname in toc_files(), f"{docname} is not in _toc.yml"
    assert h1_of(path) == FINISHED[docname], f"{path.name}: H1 must be {FINISHED[docname]!r}"


def test_code_pages_are_notebooks():
    for docname in toc_files():
        path = source_of(docname)
        if path is not None and path.suffix == ".md":
            assert "```{code-cell" not in path.read_text(), f"{path}: code belongs in an .ipynb"


@pytest.mark.skipif(not SPEC.exists(), reason="the course spec ../shared/spec/PAGES.md is not beside the repo")
def test_pages_match_spec():
    spec = SPEC.read_text()
    for docname, title in FINISHED.items():
        row = next((line for line in spec.splitlines() if f"`{docname}." in line), None)
        assert row is not None, f"{docname} is not in PAGES.md"
        assert Path(row.split("`")[1]).suffix == source_of(docname).suffix, f"{docname}: wrong extension"
        spec_title = row.split("|")[2].strip()
        assert spec_title.startswith(title), f"{docname}: spec title {spec_title!r}"
