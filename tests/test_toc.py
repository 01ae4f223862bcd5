"""Table of contents integrity and page titles against the course specification."""
import re
from pathlib import Path

import pytest
import yaml
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
# The deep-learning book, in the specification's order: sidebar caption (= home card title) ->
# pages (path -> exact H1 title). A section lands whole; the sidebar and the home grid list the
# sections that have landed, in this order, before the DSECOP modules.
BOOK = {
    "Core Concepts": {
        "deeplearning_book/core/Overview": "What is Deep Learning",
        "deeplearning_book/core/Neural_Networks_Basics": "Neural Networks Basics",
        "deeplearning_book/core/Activation_Functions": "Activation Functions",
        "deeplearning_book/core/Loss_Functions": "Loss Functions",
        "deeplearning_book/core/Optimization_Techniques": "Optimization Techniques",
        "deeplearning_book/core/Regularization": "Regularization",
    },
    "Feedforward Networks": {
        "deeplearning_book/feedforward/Perceptron": "Perceptron",
        "deeplearning_book/feedforward/MLP": "Multilayer Perceptron (MLP)",
        "deeplearning_book/feedforward/Backpropagation": "Backpropagation",
    },
    "Convolutional Neural Networks (CNNs)": {
        "deeplearning_book/cnn/Convolution": "Convolution Operation",
        "deeplearning_book/cnn/Pooling": "Pooling Layers",
        "deeplearning_book/cnn/Architectures": "CNN Architectures",
        "deeplearning_book/cnn/Applications": "Applications of CNNs",
    },
    "Recurrent Neural Networks (RNNs)": {
        "deeplearning_book/rnn/RNN_Basics": "RNN Basics",
        "deeplearning_book/rnn/LSTM": "LSTM",
        "deeplearning_book/rnn/GRU": "GRU",
        "deeplearning_book/rnn/Applications": "Applications of RNNs",
    },
    "Advanced Architectures": {
        "deeplearning_book/advanced/Transformers": "Transformers",
        "deeplearning_book/advanced/Attention": "Attention Mechanism",
        "deeplearning_book/advanced/Autoencoders": "Autoencoders",
        "deeplearning_book/advanced/VAEs": "Variational Autoencoders (VAEs)",
        "deeplearning_book/advanced/GANs": "Generative Adversarial Networks (GANs)",
        "deeplearning_book/advanced/Diffusion_Models": "Diffusion Models",
    },
    "Training Techniques": {
        "deeplearning_book/training/Batch_Normalization": "Batch Normalization",
        "deeplearning_book/training/Dropout": "Dropout",
        "deeplearning_book/training/Data_Augmentation": "Data Augmentation",
        "deeplearning_book/training/Transfer_Learning": "Transfer Learning",
        "deeplearning_book/training/Hyperparameter_Tuning": "Hyperparameter Tuning",
    },
    "Evaluation & Metrics": {
        "deeplearning_book/evaluation/Classification": "Classification Metrics",
        "deeplearning_book/evaluation/Regression": "Regression Metrics",
        "deeplearning_book/evaluation/Image": "Image Metrics",
        "deeplearning_book/evaluation/NLP": "Text & NLP Metrics",
    },
    "Tools & Frameworks": {
        "deeplearning_book/tools/PyTorch": "PyTorch",
        "deeplearning_book/tools/TensorFlow": "TensorFlow",
        "deeplearning_book/tools/Keras": "Keras",
        "deeplearning_book/tools/JAX": "JAX",
        "deeplearning_book/tools/Deployment": "Deployment & APIs",
    },
    "Applications": {
        "deeplearning_book/applications/Computer_Vision": "Computer Vision",
        "deeplearning_book/applications/NLP": "Natural Language Processing",
        "deeplearning_book/applications/Speech": "Speech & Audio",
        "deeplearning_book/applications/RL": "Reinforcement Learning",
        "deeplearning_book/applications/Healthcare": "Healthcare & Medical Imaging",
    },
}
LANDED = [caption for caption, pages in BOOK.items() if any(source_of(d) for d in pages)]
FINISHED.update({doc: title for caption in LANDED for doc, title in BOOK[caption].items()})
DSECOP_CAPTIONS = ["Exploratory Data Analysis", "Introduction to Deep Learning", "Introduction to Random Forest"]
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


@pytest.mark.parametrize("caption", list(BOOK))
def test_a_section_lands_whole(caption):
    present = [d for d in BOOK[caption] if source_of(d)]
    assert present in ([], list(BOOK[caption])), f"{caption}: only {present} exist; land the whole section"


def test_sidebar_lists_landed_sections_in_order_then_dsecop():
    parts = yaml.safe_load((ROOT / "_toc.yml").read_text())["parts"]
    assert [p["caption"] for p in parts] == LANDED + DSECOP_CAPTIONS
    for part in parts[:len(LANDED)]:
        files = [c["file"] for c in part["chapters"]]
        assert files == list(BOOK[part["caption"]]), f"{part['caption']}: pages out of order in _toc.yml"


def home_cards():
    """(header, [(link text, target)]) of each section card on the home page, in order."""
    text = (ROOT / "intro.md").read_text()
    cards = re.findall(r":::\{grid-item-card\}\n:header: (.+)\n((?:.*\n)*?):::\n", text)
    return [(header.strip(), re.findall(r"^\* \[(.+)\]\((.+)\.ipynb\)$", body, flags=re.MULTILINE))
            for header, body in cards]


def test_home_grid_has_a_card_per_landed_section():
    cards = home_cards()
    assert [header for header, _ in cards] == LANDED, "home cards must match the landed sections, in order"
    for header, links in cards:
        assert links == [(title, doc) for doc, title in BOOK[header].items()], f"card {header!r}: links"
    assert "::::{grid} 1 1 2 2" in (ROOT / "intro.md").read_text(), "two columns on wide screens, one on phones"
