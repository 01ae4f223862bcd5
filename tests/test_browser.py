"""The site in a real browser (Playwright + Chromium), served in classroom mode with no internet.

Every request that would leave 127.0.0.1 is refused and recorded, so these tests also prove the
classroom site needs nothing from the internet. Screenshots go to test-artifacts/ (not committed).
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import LIVE_PAGES, ROOT, notebooks, toc_files

playwright = pytest.importorskip("playwright.sync_api", reason="install tests/requirements.txt")
from axe_playwright_python.sync_playwright import Axe

ARTIFACTS = ROOT / "test-artifacts"
CLASSROOM_HTML = ROOT / "_build" / "classroom" / "_build" / "html"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
CODE_PAGES = {str(p.relative_to(ROOT).with_suffix("")) for p in notebooks()}
SCREENSHOTS = {"intro": "home", "DSECOP/Intro_to_Deep_Learning/README": "markdown-page",
               "DSECOP/Intro_to_Deep_Learning/03_Loss_and_Cost_Functions": "notebook-page"}
# axe-core rules that may report "serious"/"critical" violations here, each with the reason.
AXE_EXPLAINED = {}
LOCAL = ("http://127.0.0.1", "ws://127.0.0.1", "data:", "blob:", "about:")


def chromium():
    """Path of a Chromium or Chrome binary (DL4PHYS_CHROMIUM overrides)."""
    for candidate in (os.environ.get("DL4PHYS_CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser"),
                      shutil.which("google-chrome")):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.fail("no Chromium or Chrome found: install it (Debian: apt-get install chromium) "
                "or set DL4PHYS_CHROMIUM to its path", pytrace=False)


def start_classroom(*extra):
    """Run scripts/classroom.py on free ports; return (process, site URL, kernel URL)."""
    proc = subprocess.Popen([sys.executable, "scripts/classroom.py", "--site-port", "0",
                             "--kernel-port", "0", *extra], cwd=ROOT, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
    reader.start()
    deadline = time.time() + 1200
    while time.time() < deadline and proc.poll() is None:
        match = next((re.search(r"Classroom site: (\S+)/intro.html  \(kernel on (\S+),", line)
                      for line in list(lines) if "Classroom site:" in line), None)
        if match:
            return proc, match.group(1), match.group(2)
        time.sleep(0.5)
    proc.kill()
    pytest.fail("classroom mode did not start:\n" + "".join(lines[-40:]), pytrace=False)


def stop(proc):
    """Stop classroom mode like an instructor would (SIGTERM ~ Ctrl-C)."""
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=30)


@pytest.fixture(scope="session")
def classroom(site):
    """Classroom mode, built from the same execution cache as the strict build, serving."""
    proc, url, _kernel = start_classroom()
    yield url
    stop(proc)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run."""
    with playwright.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=chromium(), args=FLAGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    """A fresh page that records console errors and refuses every non-local request."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.errors, tab.external = [], []
    tab.on("console", lambda m: tab.errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: tab.errors.append(str(e)))
    tab.on("response", lambda r: tab.errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)

    def route(request_route):
        if request_route.request.url.startswith(LOCAL):
            request_route.continue_()
        else:
            tab.external.append(request_route.request.url)
            request_route.abort()

    tab.route("**/*", route)
    yield tab
    context.close()


CLS_BOUND = 0.1  # "good" cumulative layout shift ends at 0.1 (web.dev/cls); "poor" starts at 0.25


def layout_shift(tab):
    """Cumulative layout shift of the page so far (not caused by input), from the browser's own
    layout-shift entries, read once MathJax is done and the page has had a moment to settle."""
    return tab.evaluate("""async () => {
        if (window.MathJax && MathJax.startup) await MathJax.startup.promise;
        await new Promise(r => setTimeout(r, 500));
        return await new Promise(resolve => {
            let total = 0;
            const observer = new PerformanceObserver(list => list.getEntries().forEach(e => {
                if (!e.hadRecentInput) total += e.value; }));
            observer.observe({type: "layout-shift", buffered: true});
            setTimeout(() => { observer.disconnect(); resolve(total); }, 200);
        });
    }""")


def open_page(tab, url):
    """Load a page, record its layout shift, force lazy images to load, wait for MathJax."""
    tab.goto(url, wait_until="load")
    tab.layout_shift = layout_shift(tab)
    tab.evaluate("""async () => {
        document.querySelectorAll('img').forEach(i => { i.loading = 'eager'; });
        await Promise.all([...document.images].map(i => i.complete ? null :
            new Promise(r => { i.onload = i.onerror = r; })));
        if (window.MathJax && MathJax.startup) await MathJax.startup.promise;
    }""")


@pytest.mark.parametrize("docname", toc_files())
def test_page_in_browser(classroom, page, docname):
    open_page(page, f"{classroom}/{docname}.html")
    broken = page.evaluate("[...document.images].filter(i => !(i.naturalWidth > 0)).map(i => i.src)")
    assert not broken, f"images that did not load: {broken}"
    unrendered = page.evaluate("document.querySelectorAll('.math:not(:has(mjx-container))').length")
    assert unrendered == 0, f"{unrendered} math elements were not typeset"
    prose = page.evaluate("""() => { const a = document.querySelector('article').cloneNode(true);
        a.querySelectorAll('pre, code, .cell_input, .cell_output, script').forEach(e => e.remove());
        return a.innerText; }""")
    raw = [m for m in ("$$", "\\(", "\\[") if m in prose]
    assert not raw, f"raw LaTeX delimiters visible in the text: {raw}"
    if docname in CODE_PAGES:
        labels = page.evaluate("[...document.querySelectorAll('.dropdown-launch-buttons a, "
                               ".dropdown-launch-buttons button')].map(e => e.innerText.trim())")
        assert {"Binder", "Colab"} <= set(labels), f"launch menu incomplete: {labels}"
    assert not page.errors, f"JavaScript console errors: {page.errors}"
    assert not page.external, f"requests that left this computer: {page.external}"
    assert page.layout_shift < CLS_BOUND, f"content jumps while the page loads: CLS {page.layout_shift:.3f}"
    # (checked before axe: axe-core re-fetches stylesheets itself and resolves their @import
    # against the page, a 404 of its own making)
    violations = [v for v in Axe().run(page).response["violations"]
                  if v["impact"] in ("serious", "critical") and v["id"] not in AXE_EXPLAINED]
    assert not violations, "axe: " + "; ".join(
        f"{v['id']} ({v['impact']}, {len(v['nodes'])}x): {v['nodes'][0]['target']}" for v in violations)
    if docname in SCREENSHOTS:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / f"{SCREENSHOTS[docname]}.png")


@pytest.mark.parametrize("docname", LIVE_PAGES)
def test_live_code_runs_on_local_kernel(classroom, page, docname):
    open_page(page, f"{classroom}/{docname}.html")
    cell = page.locator(".tag_live-code").first
    built = cell.locator(".cell_output").inner_text().strip()
    built_images = cell.locator(".cell_output img").count()
    assert built or built_images, f"{docname}: the built live-code cell has no output to compare"
    page.click(".dropdown-launch-buttons button.dropdown-toggle")
    start = time.perf_counter()
    page.click("button.btn-launch-thebe")
    page.wait_for_selector("body[data-kernel=ready]", timeout=120_000)
    ready = time.perf_counter() - start
    page.wait_for_function("() => !document.querySelector('.tag_thebe-init .thebe-output') || "
                           "window.thebe.session.kernel.status === 'idle'", timeout=120_000)
    output = cell.locator(".thebe-output")
    # Mark what is shown now; only the kernel's new output can appear as unmarked nodes.
    output.evaluate("e => e.querySelectorAll('*').forEach(n => { n.dataset.stale = '1'; })")
    clicked = time.perf_counter()
    cell.locator("button.thebe-run-button").click()
    page.wait_for_function("e => [...e.querySelectorAll('*')].some(n => !n.dataset.stale && "
                           "(n.innerText.trim().length > 0 || n.tagName === 'IMG'))",
                           arg=output.element_handle(), timeout=60_000)
    page.wait_for_function("() => window.thebe.session.kernel.status === 'idle'", timeout=60_000)
    first_output = time.perf_counter() - clicked
    live = output.inner_text().strip()
    assert "Error" not in live, f"{docname}: the live cell failed:\n{live}"
    assert live == built, f"{docname}: live output differs from the built page:\n{live}\n---\n{built}"
    if built_images:
        assert page.evaluate("e => [...e.querySelectorAll('img')].filter(i => i.naturalWidth > 0)"
                             ".length", output.element_handle()) >= built_images
    assert not page.errors, f"JavaScript console errors: {page.errors}"
    assert not page.external, f"requests that left this computer: {page.external}"
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"live-code-{Path(docname).name[:2]}.png")
    timings = ARTIFACTS / "live-timings.json"
    record = json.loads(timings.read_text()) if timings.exists() else {}
    record[docname] = {"click_to_kernel_ready_s": round(ready, 2),
                       "run_to_first_output_s": round(first_output, 2),
                       "click_to_first_output_s": round(clicked - start + first_output, 2)}
    timings.write_text(json.dumps(record, indent=2))


def test_status_when_kernel_unreachable(classroom, page):
    """A page served without a reachable kernel says so instead of hanging."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]  # closed again before the page probes it
    config = json.dumps({"baseUrl": f"http://127.0.0.1:{dead}/", "wsUrl": f"ws://127.0.0.1:{dead}/",
                         "token": "x"})
    page.route("**/_classroom/config.json", lambda r: r.fulfill(body=config,
                                                                 content_type="application/json"))
    open_page(page, f"{classroom}/{LIVE_PAGES[0]}.html")
    page.click(".dropdown-launch-buttons button.dropdown-toggle")
    page.click("button.btn-launch-thebe")
    status = page.wait_for_selector("#classroom-status[data-state=warning]", timeout=30_000)
    assert "not reachable" in status.inner_text()


def test_stopping_classroom_stops_both_servers(classroom):
    proc, url, kernel = start_classroom("--no-build")
    ports = [int(u.rstrip("/").rsplit(":", 1)[1]) for u in (url, kernel)]
    for port in ports:
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) == 0, f"port {port} not listening"
    assert stop(proc) == 0
    for port in ports:
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still open after stop"


def test_token_never_in_a_build(classroom):
    """The per-run token lives only in the running server's memory."""
    import urllib.request
    config = json.loads(urllib.request.urlopen(f"{classroom}/_classroom/config.json").read())
    token = config["token"].encode()
    assert len(token) >= 32 and config["baseUrl"].startswith("http://127.0.0.1:")
    for build in (ROOT / "_build" / "html", CLASSROOM_HTML):
        leaked = [p for p in build.rglob("*") if p.is_file() and token in p.read_bytes()]
        assert not leaked, f"token written into {leaked}"
    published = (ROOT / "_build" / "html" / "intro.html").read_text()
    assert "classroom.js" not in published and not (ROOT / "_build" / "html" / "_classroom").exists()
