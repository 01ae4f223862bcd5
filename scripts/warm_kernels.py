"""Warm kernels for the build's notebook executor (scripts/parallel_execution.py).

Almost every notebook of the book starts by importing NumPy, SciPy, pandas, Matplotlib,
scikit-learn and PyTorch, about 3-4 s of CPU time per notebook before its first line of real work.
Here one "zygote" process imports them once, and every notebook's kernel is a fork of it: a new
process, with its own working directory, environment and empty namespace, in which those modules
are already in `sys.modules`. The notebook still imports what it uses (a missing import fails as
in any fresh kernel); only the loading is shared. Everything else is a normal ipykernel.

    python warm_kernels.py serve SOCKET           the zygote (started by the executor)
    python warm_kernels.py launch SOCKET -f CONN  a kernel: asks the zygote to fork one, and stands
                                                  in for it towards jupyter_client (signals are
                                                  forwarded; it exits when the kernel exits)

`WarmKernelManager` is the jupyter_client kernel manager that launches kernels this way; the
executor hands it to nbclient. Set DL4PHYS_WARM_KERNELS=0 to use plain kernels instead.
"""
import importlib
import json
import os
import signal
import socket
import sys
import threading

SOCKET_ENV = "DL4PHYS_WARM_SOCKET"
# Imported once in the zygote; each is skipped if it is not installed. No module here prints or
# warns on import, so a notebook's outputs are the same as in a plain kernel.
# tests/test_notebooks.py NOT_AUTOLOADED lists the submodules here that a plain `import parent`
# may not provide; add a new one there too.
PRELOAD = [
    "numpy", "scipy", "scipy.linalg", "scipy.optimize", "scipy.stats", "scipy.ndimage", "scipy.signal",
    "scipy.special", "scipy.sparse", "pandas", "matplotlib", "matplotlib.pyplot",
    "sklearn", "sklearn.model_selection", "sklearn.linear_model", "sklearn.metrics", "sklearn.preprocessing",
    "sklearn.datasets", "sklearn.ensemble", "sklearn.decomposition", "torch", "torch.nn", "torch.nn.functional",
    "PIL.Image", "IPython", "ipykernel.kernelapp",
]


if __name__ != "__main__":                                   # the executor's side (the scripts stay light)
    from jupyter_client.manager import KernelManager

    class WarmKernelManager(KernelManager):
        """A KernelManager whose kernel process is forked from the zygote listening at $DL4PHYS_WARM_SOCKET."""

        def format_kernel_cmd(self, extra_arguments=None):
            """The usual `python -m ipykernel_launcher -f CONN` command, routed through `launch`."""
            cmd = super().format_kernel_cmd(extra_arguments)
            return [sys.executable, os.path.abspath(__file__), "launch", os.environ[SOCKET_ENV],
                    *cmd[cmd.index("-f"):]]


def serve(path):
    """Import the common packages, then fork a kernel for every request on the Unix socket `path`."""
    # The kernel's inline Matplotlib backend, which ipykernel would otherwise select at start-up
    # (Matplotlib reads MPLBACKEND when it is imported, here, before any kernel exists).
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)            # kernels are reaped automatically
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(path)
    server.listen(64)
    print("ready", flush=True)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):                                     # nobody reads the zygote's own output
        os.dup2(devnull, fd)
    while True:
        conn, _ = server.accept()
        message, fds, _, _ = socket.recv_fds(conn, 1 << 20, 3)
        if os.fork() == 0:
            server.close()
            run_kernel(conn, json.loads(message), fds)       # never returns
        conn.close()
        for fd in fds:
            os.close(fd)


def run_kernel(conn, request, fds):
    """In the forked child: become the kernel that `launch` asked for, with its standard streams,
    folder and environment."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        sys.path[0] = request["cwd"]                         # as `python -m ipykernel_launcher` has it
        sys.argv = [sys.argv[0], *request["args"]]
        conn.sendall(f"{os.getpid()}\n".encode())
        # If the launcher dies (killed by the kernel manager), the kernel goes too.
        threading.Thread(target=lambda: conn.recv(1) or os._exit(1), daemon=True).start()
        from ipykernel.kernelapp import IPKernelApp
        # parent_handle's default was read from the zygote's environment: give it the client's pid,
        # as ipykernel_launcher would have it (the kernel then exits if its client dies).
        IPKernelApp.launch_instance(argv=request["args"], parent_handle=int(os.environ.get("JPY_PARENT_PID") or 0))
        code = 0
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 0
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def launch(path, args):
    """Ask the zygote for a kernel, forward signals to it, and exit when it exits."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(path)
    message = json.dumps({"cwd": os.getcwd(), "env": dict(os.environ), "args": args}).encode()
    socket.send_fds(conn, [message], [0, 1, 2])              # the kernel writes where this process would
    pid = int(conn.makefile("rb").readline())
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(sig, lambda number, _frame: os.kill(pid, number))
    while conn.recv(1):                                      # empty when the kernel's end closes
        pass


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2])
    else:
        launch(sys.argv[2], sys.argv[3:])
