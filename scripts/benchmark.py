"""Measure the book's performance budgets and print a table (also written to _build/benchmark.json).

    python scripts/benchmark.py            # removes _build first: a clean build is part of it
    python scripts/benchmark.py --no-tests # skip timing the full test command

Measures: clean full build (every notebook executed, in parallel, by scripts/parallel_execution.py),
the wall time of that execution, no-op rebuild, each notebook's execution time (from the clean
build's execution report, so nothing runs twice), each page's weight (its HTML plus the images it
uses, theme assets excluded), the full test command (the README's command 2), and Live Code's time
to first output in classroom mode (recorded by the browser tests during that test run). It also
projects the clean build to the book's 56 notebooks from the measured mean per notebook.
Budgets: clean build <= 300 s (56 notebooks), slowest notebook <= 45 s, no-op rebuild <= 20 s,
test command <= 1200 s, first live output <= 3 s.
"""
import argparse
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

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "_build"
BUILD_CMD = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build", "."]
BUDGETS = {"clean_build_s": 300, "projected_clean_build_56_s": 300, "slowest_notebook_s": 45,
           "noop_rebuild_s": 20, "test_command_s": 1200, "first_live_output_s": 3}
BOOK_NOTEBOOKS = 56  # 14 DSECOP notebooks + 42 deep-learning pages, when the book is complete


def timed(cmd):
    """Run a command in the repository; return its wall time in seconds (fail loudly)."""
    start = time.perf_counter()
    result = subprocess.run(cmd, cwd=ROOT, check=False, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"benchmark: {' '.join(cmd[3:])} failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
    return time.perf_counter() - start


def execution_report():
    """The clean build's execution report: wall time and per-notebook seconds."""
    return json.loads((BUILD / "execution-report.json").read_text())


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


def test_command():
    """Wall time of the README's test command; Live Code timings recorded by its browser tests."""
    record = ROOT / "test-artifacts" / "live-timings.json"
    record.unlink(missing_ok=True)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "pytest", "-q", "tests"], cwd=ROOT, check=False)
    seconds = round(time.perf_counter() - start, 1)
    if result.returncode != 0:
        print("benchmark: the test command failed; its time is reported anyway")
    return seconds, (json.loads(record.read_text()) if record.exists() else {})


def main():
    """Run every measurement and report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-tests", action="store_true", help="do not time the full test command")
    args = parser.parse_args()
    shutil.rmtree(BUILD, ignore_errors=True)
    results = {"machine": f"{platform.node()}: {os.cpu_count()} cores, {platform.platform()}, "
                          f"Python {platform.python_version()}"}
    results["clean_build_s"] = round(timed(BUILD_CMD), 1)
    report = execution_report()
    results["execution_wall_s"] = report["wall_s"]
    results["notebooks_s"] = {name: r["seconds"] for name, r in report["notebooks"].items() if r["executed"]}
    results["noop_rebuild_s"] = round(timed(BUILD_CMD), 1)
    times = list(results["notebooks_s"].values())
    results["slowest_notebook_s"] = max(times, default=0)
    render = results["clean_build_s"] - results["execution_wall_s"]
    mean = sum(times) / max(len(times), 1)
    # 56 notebooks at today's mean, spread over the same workers, plus rendering scaled by pages
    results["projected_clean_build_56_s"] = round(
        mean * BOOK_NOTEBOOKS / report["jobs"] + render * (BOOK_NOTEBOOKS + 7) / (len(times) + 7), 1)
    results["page_kib"] = page_weights()
    if not args.no_tests:
        results["test_command_s"], results["live_code"] = test_command()
        firsts = [v["click_to_first_output_s"] for v in results["live_code"].values()]
        results["first_live_output_s"] = max(firsts, default=float("nan"))
    (BUILD / "benchmark.json").write_text(json.dumps(results, indent=2))

    print(f"\n{results['machine']}; {len(times)} notebooks executed on {report['jobs']} workers "
          f"in {results['execution_wall_s']} s wall time (sum of their times {sum(times):.1f} s)\n")
    print("| measure | value | budget |\n|---|---|---|")
    for key, budget in BUDGETS.items():
        if key in results:
            flag = "" if results[key] <= budget else "  **over budget**"
            print(f"| {key} | {results[key]} | <= {budget}{flag} |")
    print("\n| notebook | execution (s) |\n|---|---|")
    for name, seconds in sorted(results["notebooks_s"].items(), key=lambda kv: -kv[1]):
        print(f"| {name} | {seconds} |")
    print("\n| page | weight (KiB) |\n|---|---|")
    for name, kib in results["page_kib"].items():
        print(f"| {name} | {kib} |")
    if results.get("live_code"):
        print("\n| live-code page | kernel ready (s) | first output after Run (s) | click to first output (s) |")
        print("|---|---|---|---|")
        for name, t in results["live_code"].items():
            print(f"| {name} | {t['click_to_kernel_ready_s']} | {t['run_to_first_output_s']} | "
                  f"{t['click_to_first_output_s']} |")
    print(f"\nwritten to {BUILD / 'benchmark.json'}")


if __name__ == "__main__":
    main()
