"""The built site: strict build, launch buttons, links, images, citations, page metadata."""
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

import nbformat
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
    """The book's own configuration turns a cell error into a failed build, for a MyST notebook
    (executed by myst-nb) and for an .ipynb (executed by the parallel executor, exactly once)."""
    shutil.copy(ROOT / "_config.yml", tmp_path)
    shutil.copy(ROOT / "references.bib", tmp_path)
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    shutil.copytree(ROOT / "images", tmp_path / "images")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n  - file: broken\n"
                                       "  - file: good\n  - file: bad\n")
    (tmp_path / "index.md").write_text("# Index\n")
    (tmp_path / "broken.md").write_text(
        "---\njupytext:\n  text_representation:\n    format_name: myst\nkernelspec:\n"
        "  name: python3\n  display_name: Python 3\n---\n# Broken\n\n```{code-cell}\n1 / 0\n```\n")
    for name, code in (("good", "print('fine')"), ("bad", "open('runs.txt', 'a').write('x')\n1 / 0")):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(f"# {name}"),
                                             nbformat.v4.new_code_cell(code)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, tmp_path / f"{name}.ipynb")
    result = subprocess.run([sys.executable, *STRICT_BUILD], check=False, cwd=tmp_path,
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "ZeroDivisionError" in result.stdout + result.stderr
    assert "bad.ipynb" in result.stdout + result.stderr
    assert (tmp_path / "runs.txt").read_text() == "x", "the failing notebook ran more than once"
    report = json.loads((tmp_path / "_build" / "execution-report.json").read_text())["notebooks"]
    assert report["good.ipynb"]["ok"] and not report["bad.ipynb"]["ok"]


# An object's default repr, e.g. <torch._C.Generator at 0x7fd...>, as it appears in built HTML.
STRAY_REPR = re.compile(r"&lt;[A-Za-z_][\w.]*(?: object)? at 0x[0-9a-fA-F]+&gt;")


def built_pages(site):
    """Every content page of the built site (not the theme's or Sphinx's own pages)."""
    return [p for p in sorted(site.rglob("*.html")) if "_static" not in p.parts
            and p.name not in ("genindex.html", "search.html") and p.relative_to(site) != Path("index.html")]


def test_stray_repr_pattern_can_fail():
    assert STRAY_REPR.search("<pre>&lt;torch._C.Generator at 0x7fd0a1b2c3d0&gt;</pre>")
    assert STRAY_REPR.search("&lt;matplotlib.lines.Line2D object at 0x7f00&gt;")
    assert not STRAY_REPR.search("&lt;Figure size 600x350 with 1 Axes&gt;")


def test_no_stray_object_reprs_in_outputs(site):
    found = [f"{p.relative_to(site)}: {m.group(0)}" for p in built_pages(site)
             for m in STRAY_REPR.finditer(p.read_text(encoding="utf-8"))]
    assert not found, "outputs showing an object's repr (end the line with `;` or assign it):\n" + "\n".join(found)


def test_every_page_has_a_meta_description(site):
    missing = []
    for page in built_pages(site):
        meta = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").find("meta", attrs={"name": "description"})
        if meta is None or len(meta.get("content", "").strip()) < 40:
            missing.append(str(page.relative_to(site)))
    assert not missing, f"pages without a meta description: {missing}"


def test_favicon_ico_at_site_root(site):
    """Browsers request /favicon.ico from the root redirect page, which names no icon."""
    assert (site / "favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00", "favicon.ico missing or not an ICO"


def test_binder_installs_cpu_torch():
    """Binder gets the book's pins with PyTorch's CPU wheels (not testable offline: static check)."""
    lines = (ROOT / ".binder" / "requirements.txt").read_text().splitlines()
    assert "-r ../requirements.txt" in lines
    assert "--extra-index-url https://download.pytorch.org/whl/cpu" in lines
    for workflow in ("tests.yml", "deploy.yml"):
        assert "download.pytorch.org/whl/cpu" in (ROOT / ".github" / "workflows" / workflow).read_text()
