"""Local Sphinx extension (loaded from _config.yml) fixing a known upstream glitch.

sphinx-thebe 0.3.1 registers its inline configuration script on every `env-before-read-docs`,
which Jupyter Book fires twice, so each page declared `const THEBE_JS_URL` twice and the
browser logged "Identifier 'THEBE_JS_URL' has already been declared". Keep one copy of each
identical script.
"""


def dedupe_scripts(app, pagename, templatename, context, doctree):
    """Drop repeated <script> entries (same file and same inline body) from a page."""
    seen, unique = set(), []
    for script in context.get("script_files", []):
        # an inline script's filename is None in one copy and "" in the other
        key = (getattr(script, "filename", None) or "",
               repr(sorted(getattr(script, "attributes", {}).items())))
        if key not in seen:
            seen.add(key)
            unique.append(script)
    context["script_files"] = unique


def setup(app):
    """Register the page hook."""
    app.connect("html-page-context", dedupe_scripts, priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
