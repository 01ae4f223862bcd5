"""Measure the book's performance budgets and print a table (also written to _build/benchmark.json).

    python scripts/benchmark.py            # removes _build first: a clean build is part of it

Measures: clean full build (every notebook executed), no-op rebuild, each notebook's execution
time (recorded by jupyter-cache during the clean build, so nothing runs twice), each page's
weight (its HTML plus the images it uses, theme assets excluded), and live-code time to first
output in classroom mode (from the browser tests, which record it).
Budgets: clean build <= 300 s, slowest notebook <= 45 s, no-op rebuild <= 20 s, first live output <= 3 s.
"""
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import unquote

from bs4 import BeautifulSoup
from jupyter_cache import get_cache

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "_build"
BUILD_CMD = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", "."]
BUDGETS = {"clean_build_s": 300, "slowest_notebook_s": 45, "noop_rebuild_s": 20, "first_live_output_s": 3}


def timed(cmd):
    """Run a command in the repository; return its wall time in seconds (fail loudly)."""
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=ROOT, check=False, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"benchmark: {' '.join(cmd[3:])} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return time.perf_counter() - start


def notebook_times():
    """Execution seconds of each notebook, as jupyter-cache recorded them."""
    cache = get_cache(str(BUILD / ".jupyter_cache"))
    return {str(Path(r.uri).relative_to(ROOT)): round(r.data["execution_seconds"], 1)
            for r in cache.list_cache_records()}


def page_weights():
    """KiB of each page: its HTML plus the images it shows (theme assets excluded)."""
    html_root = BUILD / "html"
    weights = {}
    for html in sorted(html_root.rglob("*.html")):
        rel = html.relative_to(html_root)
        if rel.parts[0] in ("_static", "_sources") or rel.name in ("genindex.html", "search.html"):
            continue
        page = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
        images = {(html.parent / unquote(img["src"])).resolve() for img in page.find_all("img", src=True)
                  if not img["src"].startswith(("http", "data:")) and "_static" not in img["src"]}
        size = html.stat().st_size + sum(p.stat().st_size for p in images if p.exists())
        weights[str(rel)] = round(size / 1024, 1)
    return weights


def live_times():
    """Click-to-first-output of the live-code pages, from the browser tests' record."""
    record = ROOT / "test-artifacts" / "live-timings.json"
    record.unlink(missing_ok=True)
    subprocess.run([sys.executable, "-m", "pytest", "-q", "tests/test_browser.py", "-k", "live_code"],
                   cwd=ROOT, check=False)
    return json.loads(record.read_text()) if record.exists() else {}


def main():
    """Run every measurement and report."""
    shutil.rmtree(BUILD, ignore_errors=True)
    results = {"machine": f"{platform.node()}: {os.cpu_count()} cores, {platform.platform()}, "
                          f"Python {platform.python_version()}"}
    results["clean_build_s"] = round(timed(BUILD_CMD), 1)
    results["noop_rebuild_s"] = round(timed(BUILD_CMD), 1)
    results["notebooks_s"] = notebook_times()
    results["slowest_notebook_s"] = max(results["notebooks_s"].values(), default=0)
    results["page_kib"] = page_weights()
    results["live_code"] = live_times()
    firsts = [v["click_to_first_output_s"] for v in results["live_code"].values()]
    results["first_live_output_s"] = max(firsts, default=float("nan"))
    (BUILD / "benchmark.json").write_text(json.dumps(results, indent=2))

    print(f"\n{results['machine']}\n")
    print("| measure | value | budget |\n|---|---|---|")
    for key, budget in BUDGETS.items():
        flag = "" if results[key] <= budget else "  **over budget**"
        print(f"| {key} | {results[key]} | <= {budget}{flag} |")
    print("\n| notebook | execution (s) |\n|---|---|")
    for name, seconds in sorted(results["notebooks_s"].items(), key=lambda kv: -kv[1]):
        print(f"| {name} | {seconds} |")
    print("\n| page | weight (KiB) |\n|---|---|")
    for name, kib in results["page_kib"].items():
        print(f"| {name} | {kib} |")
    print("\n| live-code page | kernel ready (s) | first output after Run (s) | click to first output (s) |")
    print("|---|---|---|---|")
    for name, t in results["live_code"].items():
        print(f"| {name} | {t['click_to_kernel_ready_s']} | {t['run_to_first_output_s']} | "
              f"{t['click_to_first_output_s']} |")
    print(f"\nwritten to {BUILD / 'benchmark.json'}")


if __name__ == "__main__":
    main()
