// Classroom mode (scripts/classroom.py): "Live Code" runs on a local Jupyter server, not Binder.
// Included only in the classroom build. Thebe 0.9.3 is served by the site itself; the server's
// address and per-run token come from /_classroom/config.json, which only the classroom server
// answers (nothing secret is in the build).
(() => {
  const root = document.documentElement.dataset.content_root || "./";

  function status(text, level) {
    let box = document.getElementById("classroom-status");
    if (!box) {
      box = document.createElement("div");
      box.id = "classroom-status";
      box.setAttribute("role", "status");
      box.setAttribute("aria-live", "polite");
      const h1 = document.querySelector("section h1");
      (h1 ? h1.parentNode : document.body).insertBefore(box, h1 ? h1.nextSibling : null);
    }
    box.className = `admonition ${level || "note"}`;
    box.textContent = text;
    box.dataset.state = level || "note";
  }

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = () => reject(new Error(`could not load ${src}`));
      document.head.appendChild(script);
    });
  }

  async function classroomThebe() {
    status("Live Code: connecting to the classroom kernel ...");
    let config;
    try {
      const reply = await fetch(`${root}_classroom/config.json`, { cache: "no-store" });
      if (!reply.ok) throw new Error(reply.statusText);
      config = await reply.json();
    } catch (err) {
      status("Live Code unavailable: this page is not served by scripts/classroom.py " +
             "(start it and reload the page).", "warning");
      return;
    }
    try {
      const probe = await fetch(`${config.baseUrl}api/status`, {
        headers: { Authorization: `token ${config.token}` }, cache: "no-store" });
      if (!probe.ok) throw new Error(`HTTP ${probe.status}`);
    } catch (err) {
      status(`Live Code unavailable: the local Jupyter kernel at ${config.baseUrl} is not ` +
             `reachable (${err.message}). Is scripts/classroom.py still running?`, "warning");
      return;
    }
    if (typeof thebe === "undefined") await loadScript(`${root}_classroom/thebe/index.js`);
    modifyDOMForThebe(); // from sphinx-thebe: marks the page's code cells as executable
    // thebe 0.9.3 pairs the i-th code cell with the i-th output placeholder on the page, so a
    // cell without output would shift every later output onto the wrong cell: give each its own.
    document.querySelectorAll("[data-executable]").forEach((source) => {
      const next = source.nextElementSibling;
      if (!(next && next.hasAttribute("data-output"))) {
        const empty = document.createElement("div");
        empty.className = "cell_output";
        empty.setAttribute("data-output", "");
        source.insertAdjacentElement("afterend", empty);
      }
    });
    thebe.on("status", (evt, data) => {
      status(`Live Code (local kernel): ${data.status}`, data.status === "failed" ? "warning" : "note");
      document.body.dataset.kernel = data.status;
    });
    await thebe.bootstrap({
      useBinder: false, // thebe forces Binder unless told otherwise here
      requestKernel: true,
      mountActivateWidget: false,
      mountStatusWidget: false,
      mathjaxUrl: new URL(`${root}_classroom/mathjax2/MathJax.js`, document.baseURI).href,
      serverSettings: { baseUrl: config.baseUrl, wsUrl: config.wsUrl,
                        token: config.token, appendToken: true },
      kernelOptions: { name: "python3", path: config.path || "." },
    });
    // Run the page's set-up cells (tag thebe-init) in order, as the built page did.
    const initCells = [...document.querySelectorAll(".tag_thebe-init")];
    for (const cell of initCells) {
      const run = cell.querySelector("button[title='run this cell']");
      if (run) run.click();
    }
    document.body.dataset.kernel = "ready";
    status("Live Code (local kernel): ready. Edit a cell and press its run button.", "tip");
  }

  window.addEventListener("load", () => {
    window.initThebe = classroomThebe; // replaces sphinx-thebe's Binder loader
  });
})();
