"""Classroom mode: the whole course, live code included, on this computer with no internet.

    python scripts/classroom.py            # build for local use, then serve until Ctrl-C

It (1) fetches Thebe 0.9.3 and MathJax 3.2.2 once from the npm registry (integrity-checked) into
_build/classroom-assets, (2) builds the site into _build/classroom/_build/html with those assets
served by the site itself, and (3) starts, on 127.0.0.1 only, a Jupyter server protected by a
random per-run token and a static server for the site. "Live Code" then runs on the local kernel.
Ctrl-C (or SIGTERM) stops both servers. The published build (`jupyter-book build .`) is unchanged.
"""
import argparse
import http.server
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "_build" / "classroom-assets"
OUTPUT = ROOT / "_build" / "classroom"
HTML = OUTPUT / "_build" / "html"
# npm packages served by the classroom site: name@version -> (npm integrity, folder, target, skip).
# thebe renders LaTeX in cell outputs with MathJax 2; the pages themselves use MathJax 3.
SKIP = ("*.map", "types", "unpacked", "test", "*.md", "eot", "otf", "svg", "png")
PACKAGES = {
    "thebe@0.9.3": (("sha512-Rb/7kVhtlffXra3kIe7OuIGE7awsm2/fGWxw21DiNfnWLnUQiDl9AWqYdshPwZPG/5Dz"
                     "LpsJRPix2xtCPtJmQQ=="), "lib", "thebe"),
    "mathjax@3.2.2": (("sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKP"
                       "ZGJvtRZM1vO+geW0OhGw=="), "es5", "mathjax"),
    "mathjax@2.7.9": (("sha512-NOGEDTIM9+MrsqnjPEjVGNx4q0GQxqm61yQwSK+/5S59i26wId5IC5gNu9/bu8+CCVl"
                       "5p9G2IHcAl/wJa+5+BQ=="), ".", "mathjax2"),
}


def fail(message):
    """Stop with a one-line error."""
    sys.exit(f"classroom: {message}")


def fetch_assets():
    """Thebe and MathJax (3 for pages, 2 for thebe's outputs) from npm into _build/classroom-assets."""
    target = ASSETS / "_classroom"
    for spec, (integrity, folder, name) in PACKAGES.items():
        if (target / name / ".integrity").is_file() and \
                (target / name / ".integrity").read_text() == integrity:
            continue
        npm = shutil.which("npm")
        if npm is None:
            fail("npm not found: install Node.js and npm (Debian: apt-get install npm); "
                 "classroom mode fetches Thebe and MathJax once from the npm registry")
        with tempfile.TemporaryDirectory() as tmp:
            result = subprocess.run([npm, "pack", spec, "--json", "--silent"], check=False, cwd=tmp,
                                    capture_output=True, text=True)
            if result.returncode != 0:
                fail(f"npm pack {spec} failed (no access to the npm registry?): "
                     + (result.stderr.strip().splitlines() or ["no message"])[-1])
            info = json.loads(result.stdout)[0]
            if info["integrity"] != integrity:
                fail(f"{spec} from the registry has integrity {info['integrity']}, "
                     f"expected {integrity}; refusing to use it")
            subprocess.run(["tar", "xzf", info["filename"]], cwd=tmp, check=True)
            shutil.rmtree(target / name, ignore_errors=True)
            shutil.copytree(Path(tmp) / "package" / folder, target / name,
                            ignore=shutil.ignore_patterns(*SKIP))
            (target / name / ".integrity").write_text(integrity)
    shutil.copy(ROOT / "scripts" / "classroom.js", target / "classroom.js")


def build():
    """Build the site for local use: same book, assets served by the site, Thebe on a local kernel."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config.setdefault("execute", {})["cache"] = str(ROOT / "_build" / ".jupyter_cache")
    local = config.setdefault("sphinx", {}).get("local_extensions") or {}
    config["sphinx"]["local_extensions"] = {name: str(ROOT / path) for name, path in local.items()}
    sphinx = config["sphinx"].setdefault("config", {})
    # copied verbatim, never injected into pages (the book's own extra files too, made absolute)
    sphinx["html_extra_path"] = [str(ROOT / p) for p in sphinx.get("html_extra_path", [])] + [str(ASSETS)]
    sphinx["html_js_files"] = ["../_classroom/classroom.js"]  # relative to _static
    sphinx["mathjax_path"] = "../_classroom/mathjax/tex-mml-chtml.js"
    OUTPUT.mkdir(parents=True, exist_ok=True)
    config_file = OUTPUT / "classroom_config.yml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    cmd = [sys.executable, "-c", "from jupyter_book.cli.main import main; main()", "build",
           "--all", "-W", "-n", "--keep-going", "--config", str(config_file), "--path-output", str(OUTPUT), "."]
    if subprocess.run(cmd, check=False, cwd=ROOT).returncode != 0:
        fail("the classroom build failed (see the log above)")


def free_port():
    """A free TCP port on the loopback interface."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def site_handler(config):
    """Static files from the classroom build, plus the per-run kernel address at /_classroom/config.json."""
    body = json.dumps(config).encode()

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(HTML), **kwargs)

        def do_GET(self):
            if self.path.split("?")[0] == "/_classroom/config.json":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", "no-store")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            else:
                super().do_GET()

        def log_message(self, *args):
            pass

    return Handler


def start_jupyter(port, token, site_origin):
    """A Jupyter server on 127.0.0.1:port; returns the process once it answers."""
    cmd = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ip=127.0.0.1",
           f"--port={port}", "--port-retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.allow_origin={site_origin}", f"--ServerApp.root_dir={ROOT}"]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    with open(OUTPUT / "jupyter-server.log", "w") as log:  # the child keeps its own copy
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/status",
                                     headers={"Authorization": f"token {token}"})
    for _ in range(600):
        if proc.poll() is not None:
            fail(f"the Jupyter server exited (log: {OUTPUT / 'jupyter-server.log'})")
        try:
            with urllib.request.urlopen(request, timeout=1):
                return proc
        except OSError:
            time.sleep(0.1)
    proc.terminate()
    fail("the Jupyter server did not answer within 60 s")


def interrupt(*_):
    """SIGTERM handler: stop like Ctrl-C."""
    raise KeyboardInterrupt


def serve(site_port, kernel_port):
    """Run both servers until Ctrl-C / SIGTERM, then stop both."""
    if not (HTML / "intro.html").exists():
        fail(f"no classroom build in {HTML}: run without --no-build first")
    site_port = site_port or free_port()
    kernel_port = kernel_port or free_port()
    token = secrets.token_hex(24)
    site_origin = f"http://127.0.0.1:{site_port}"
    kernel = f"http://127.0.0.1:{kernel_port}/"
    config = {"baseUrl": kernel, "wsUrl": kernel.replace("http", "ws", 1), "token": token}
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", site_port), site_handler(config))
    jupyter = start_jupyter(kernel_port, token, site_origin)
    signal.signal(signal.SIGTERM, interrupt)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    print(f"Classroom site: {site_origin}/intro.html  (kernel on {kernel}, loopback only)")
    print("Live Code runs on the local kernel. Press Ctrl-C to stop both servers.", flush=True)
    try:
        while jupyter.poll() is None:
            time.sleep(0.5)
        print("classroom: the Jupyter server stopped; stopping the site too", file=sys.stderr)
    except KeyboardInterrupt:
        pass
    finally:
        httpd.shutdown()
        httpd.server_close()
        jupyter.terminate()
        try:
            jupyter.wait(timeout=10)
        except subprocess.TimeoutExpired:
            jupyter.kill()
        print("classroom: both servers stopped", flush=True)


def main():
    """Parse arguments, then fetch assets, build and serve."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--site-port", type=int, default=8000, help="0 picks a free port")
    parser.add_argument("--kernel-port", type=int, default=8888, help="0 picks a free port")
    parser.add_argument("--no-build", action="store_true", help="serve the existing classroom build")
    parser.add_argument("--build-only", action="store_true", help="build, do not serve")
    args = parser.parse_args()
    if not args.no_build:
        fetch_assets()
        build()
    if not args.build_only:
        serve(args.site_port, args.kernel_port)


if __name__ == "__main__":
    main()
