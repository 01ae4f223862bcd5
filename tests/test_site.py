"""The built site: strict build, launch buttons, links, images, citations."""
import shutil
import subprocess
import sys
from urllib.parse import unquote, urlparse

import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import LIVE_PAGES, ROOT, STRICT_BUILD, notebooks, toc_files

CONFIG = yaml.safe_load((ROOT / "_config.yml").read_text())
REPO = urlparse(CONFIG["repository"]["url"]).path.strip("/")
BRANCH = CONFIG["repository"]["branch"]
CODE_PAGES = [str(p.relative_to(ROOT).with_suffix("")) for p in notebooks()]


def soup(site, docname):
    """Parsed HTML of one built page."""
    return BeautifulSoup((site / f"{docname}.html").read_text(encoding="utf-8"), "html.parser")


def test_every_page_built(site):
    missing = [d for d in toc_files() if not (site / f"{d}.html").exists()]
    assert not missing, f"pages missing from the build: {missing}"


@pytest.mark.parametrize("docname", CODE_PAGES)
def test_launch_links_point_at_existing_notebooks(site, docname):
    links = [a["href"] for a in soup(site, docname).select(".dropdown-launch-buttons a[href]")]
    binder = [h for h in links if h.startswith("https://mybinder.org/v2/gh/")]
    colab = [h for h in links if h.startswith("https://colab.research.google.com/github/")]
    assert binder and colab, f"{docname}: Binder and Colab launch links required, found {links}"
    binder_path = unquote(binder[0]).split(f"/v2/gh/{REPO}/{BRANCH}?urlpath=lab/tree/", 1)
    colab_path = unquote(colab[0]).split(f"/github/{REPO}/blob/{BRANCH}/", 1)
    for name, parts in (("Binder", binder_path), ("Colab", colab_path)):
        assert len(parts) == 2, f"{docname}: {name} link is not for {REPO}@{BRANCH}: {binder[0]}"
        target = ROOT / parts[1]
        assert target.suffix == ".ipynb" and target.exists(), f"{name} opens {parts[1]}, not in repo"
        assert parts[1] == f"{docname}.ipynb"


@pytest.mark.parametrize("docname", LIVE_PAGES)
def test_live_code_button(site, docname):
    page = soup(site, docname)
    assert page.select("button.btn-launch-thebe"), f"{docname}: no Live Code button"
    assert page.select("div.cell.tag_live-code"), f"{docname}: the live-code cell is not on the page"


def test_no_broken_internal_links_or_images(site):
    site = site.resolve()  # link targets are resolved paths; key the pages the same way
    pages = {html: BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
             for html in site.rglob("*.html") if not html.is_relative_to(site / "_static")}
    anchors = {html: {tag["id"] for tag in page.find_all(id=True)} for html, page in pages.items()}
    broken = []
    for html, page in pages.items():
        if html.name in ("genindex.html", "search.html"):
            continue
        refs = [("href", a["href"]) for a in page.find_all("a", href=True)]
        refs += [("src", i["src"]) for i in page.find_all("img", src=True)]
        for kind, ref in refs:
            url = urlparse(ref)
            if url.scheme or ref.startswith(("mailto:", "javascript:", "data:")):
                continue
            target = html if not url.path else (html.parent / unquote(url.path)).resolve()
            if not target.exists():
                broken.append(f"{html.relative_to(site)}: {kind}={ref}")
            elif url.fragment and target in anchors and url.fragment not in anchors[target]:
                broken.append(f"{html.relative_to(site)}: {ref} (no such anchor)")
    assert not broken, "broken links or images:\n" + "\n".join(broken[:50])


def test_citations_resolve(site):
    for html in site.rglob("*.html"):
        page = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
        for ref in page.select('a.footnote-reference[href^="#footcite-"]'):
            assert page.find(id=ref["href"][1:]), f"{html.name}: citation {ref['href']} unresolved"


def test_a_failing_cell_fails_the_build(tmp_path):
    """The book's own configuration must turn a cell error into a failed build."""
    shutil.copy(ROOT / "_config.yml", tmp_path)
    shutil.copy(ROOT / "references.bib", tmp_path)
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "sphinx_fixes.py", tmp_path / "scripts")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: broken\n")
    (tmp_path / "index.md").write_text("# Index\n")
    (tmp_path / "broken.md").write_text(
        "---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n"
        "  name: python3\n  display_name: Python 3\n---\n# Broken\n\n```{code-cell}\n1 / 0\n```\n")
    result = subprocess.run([sys.executable, *STRICT_BUILD], check=False, cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "ZeroDivisionError" in result.stdout + result.stderr
