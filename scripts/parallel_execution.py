"""Local Sphinx extension (loaded from _config.yml): execute the book's notebooks in parallel.

myst-nb's "cache" mode executes each notebook while Sphinx reads it, one after another. This hook
runs just before the reading starts (`env-before-read-docs`): every notebook about to be read
whose code has no match in the jupyter-cache is executed here, several at a time, each in a fresh
kernel with its own folder as working directory (as a reader on Colab, Binder or a laptop runs
it), and stored in that same cache. myst-nb then finds every notebook in the cache and executes
nothing a second time.

- Workers: `DL4PHYS_JOBS` if set, else the number of CPU cores. With more than one worker each
  kernel gets one BLAS/OpenMP/torch thread (unless the environment already sets one), so that
  two notebooks on two cores do not fight over them.
- A notebook that fails is not cached. With `nb_execution_raise_on_error` (this book's setting)
  the build stops after all notebooks have run, naming every failure with its traceback;
  otherwise myst-nb executes it again and reports it in its usual way.
- Kernels are warm: each is a fresh process forked from one that has already imported NumPy, SciPy,
  pandas, Matplotlib, scikit-learn and PyTorch (scripts/warm_kernels.py), which saves each notebook
  about 3 s of imports. `DL4PHYS_WARM_KERNELS=0` runs plain kernels instead.
- `_build/execution-report.json` (beside the HTML folder) records, per notebook, whether it was
  executed in this build or taken from the cache, its execution time and its error.
Only `.ipynb` files in execution mode "cache" are handled; anything else is left to myst-nb.
"""
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import contextmanager, nullcontext
from datetime import datetime
from pathlib import Path, PurePosixPath

import nbformat
import warm_kernels
from jupyter_cache import get_cache
from jupyter_cache.base import CacheBundleIn
from jupyter_cache.executors.utils import single_nb_execution
from sphinx.errors import ExtensionError
from sphinx.util import logging

LOGGER = logging.getLogger(__name__)
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def cell_seconds(cell):
    """A cell's execution time from nbclient's timing record, which is then removed: the cache
    hashes all cell metadata, so a timed copy would never match the notebook on disk."""
    timing = cell.get("metadata", {}).pop("execution", {})
    try:
        return round((datetime.fromisoformat(timing["shell.execute_reply"])
                      - datetime.fromisoformat(timing["iopub.execute_input"])).total_seconds(), 2)
    except (KeyError, ValueError):
        return 0.0


def execute_one(path, timeout, allow_errors, in_temp, one_thread, kernel_manager_class=None):
    """Execute one notebook in a fresh kernel (started by `kernel_manager_class` if given).

    Returns (path, seconds, executed notebook or None if it failed, traceback, slowest cells).
    """
    if one_thread:
        for var in THREAD_VARS:
            os.environ.setdefault(var, "1")
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    try:
        with (tempfile.TemporaryDirectory() if in_temp else nullcontext(str(Path(path).parent))) as cwd:
            extra = {"kernel_manager_class": kernel_manager_class} if kernel_manager_class else {}
            result = single_nb_execution(nb, cwd=cwd, timeout=timeout, allow_errors=allow_errors,
                                         record_timing=True, **extra)
    except Exception:  # noqa: BLE001 -- a dead or missing kernel: report it like a failing cell
        return path, time.perf_counter() - start, None, traceback.format_exc(), []
    slowest = sorted(((cell_seconds(cell), i) for i, cell in enumerate(nb.cells)), reverse=True)[:3]
    trace = result.exc_string
    if trace and "CellExecutionError" in trace:  # keep nbclient's message: the cell and its error
        trace = trace[trace.index("CellExecutionError"):]
    return path, result.time, (None if result.err else result.nb), trace, slowest


def notebooks_to_run(app, docnames, config, cache):
    """The .ipynb files among `docnames` that are not excluded and have no cached execution."""
    run, cached = [], []
    for docname in docnames:
        path = Path(app.env.doc2path(docname))
        if path.suffix != ".ipynb" or any(PurePosixPath(path.as_posix()).match(p)
                                          for p in config.execution_excludepatterns):
            continue
        try:
            cache.match_cache_notebook(nbformat.read(path, as_version=4))
            cached.append(str(path))
        except KeyError:
            run.append(str(path))
    return run, cached


def expected_seconds(paths, cache):
    """A guess of each notebook's run time, to start the longest first: its last recorded time,
    else one second per 300 characters of code (a clean clone has no record)."""
    before = {r.uri: r.data.get("execution_seconds", 0.0) for r in cache.list_cache_records()}
    guess = {}
    for path in paths:
        code = sum(len(c.source) for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
        guess[path] = before.get(path, code / 300)
    return guess


@contextmanager
def warm_zygote(one_thread):
    """Start the process that warm kernels are forked from; yield their kernel manager class, or
    None (plain kernels) if DL4PHYS_WARM_KERNELS=0, if the system cannot fork, or if it fails."""
    if os.environ.get("DL4PHYS_WARM_KERNELS", "1") == "0" or not hasattr(os, "fork"):
        yield None
        return
    folder = tempfile.mkdtemp(prefix="dl4p-warm-")           # a short path: Unix sockets allow ~100 bytes
    path = os.path.join(folder, "zygote.sock")
    env = dict(os.environ)
    if one_thread:                                           # thread pools are sized when torch is imported
        for var in THREAD_VARS:
            env.setdefault(var, "1")
    proc = subprocess.Popen([sys.executable, warm_kernels.__file__, "serve", path], env=env,
                            stdout=subprocess.PIPE, text=True)
    try:
        ready = select.select([proc.stdout], [], [], 120)[0] and proc.stdout.readline().strip() == "ready"
        if not ready:
            LOGGER.info("warm kernels unavailable: notebooks run in plain kernels")
            yield None
            return
        os.environ[warm_kernels.SOCKET_ENV] = path            # read by the kernel managers in the workers
        yield warm_kernels.WarmKernelManager
    finally:
        os.environ.pop(warm_kernels.SOCKET_ENV, None)
        proc.kill()
        proc.wait()
        shutil.rmtree(folder, ignore_errors=True)


def execute_in_parallel(app, env, docnames):
    """Run every notebook that needs it, N at a time, and store the results in the cache."""
    config = env.mystnb_config
    if config.execution_mode != "cache" or not docnames:
        return
    cache = get_cache(config.execution_cache_path or ".jupyter_cache")
    run, cached = notebooks_to_run(app, docnames, config, cache)
    report = {p: {"executed": False, "ok": True, "seconds": None, "error": None} for p in cached}
    jobs = max(1, int(os.environ.get("DL4PHYS_JOBS") or os.cpu_count() or 1))
    failures, wall = [], 0.0
    if run:
        guess = expected_seconds(run, cache)
        run.sort(key=lambda p: -guess[p])
        LOGGER.info(f"executing {len(run)} notebook(s) on {min(jobs, len(run))} worker(s)")
        start = time.perf_counter()
        with warm_zygote(jobs > 1) as kernel_manager_class, \
                ProcessPoolExecutor(max_workers=min(jobs, len(run))) as pool:
            futures = [pool.submit(execute_one, p, config.execution_timeout, config.execution_allow_errors,
                                   config.execution_in_temp, jobs > 1, kernel_manager_class) for p in run]
            for future in as_completed(futures):
                path, seconds, nb, trace, slowest = future.result()
                name = os.path.relpath(path, app.srcdir)
                report[path] = {"executed": True, "ok": nb is not None, "seconds": round(seconds, 2),
                                "slowest_cells": {f"cell {i}": t for t, i in slowest}, "error": trace}
                if nb is None:
                    failures.append((name, trace))
                    LOGGER.info(f"FAILED {name} after {seconds:.1f} s")
                    continue
                cache.cache_notebook_bundle(CacheBundleIn(nb, path, data={"execution_seconds": seconds}),
                                            check_validity=False, overwrite=True)
                LOGGER.info(f"executed {name} in {seconds:.1f} s")
        wall = time.perf_counter() - start
        LOGGER.info(f"executed {len(run)} notebook(s) in {wall:.1f} s wall time")
    out = Path(app.outdir).parent / "execution-report.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    notebooks = {os.path.relpath(p, app.srcdir): r for p, r in sorted(report.items())}
    out.write_text(json.dumps({"jobs": jobs, "wall_s": round(wall, 1), "notebooks": notebooks}, indent=1))
    if failures and config.execution_raise_on_error:
        raise ExtensionError("notebook execution failed:\n" + "\n".join(
            f"--- {name}\n{trace}" for name, trace in failures))


def setup(app):
    """Register the hook (after myst-nb has created its configuration)."""
    app.connect("env-before-read-docs", execute_in_parallel)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
