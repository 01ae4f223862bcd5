"""Local Sphinx extension (loaded from _config.yml) fixing two known upstream glitches.

1. sphinx-thebe 0.3.1 registers its inline configuration script on every `env-before-read-docs`,
which Jupyter Book fires twice, so each page declared `const THEBE_JS_URL` twice and the
browser logged "Identifier 'THEBE_JS_URL' has already been declared". Keep one copy of each
identical script.
2. pydata-sphinx-theme 0.17 renders each collapsible sidebar entry's toggle as a <summary>
holding only a decorative chevron, so screen readers announce an unnamed control (axe-core:
"summary-name", serious). Name each toggle after the section it opens.
"""
import re
from pathlib import Path

TOGGLE = re.compile(r'(<a class="[^"]*reference internal" href="[^"]*">([^<]+)</a><details(?: open="open")?>)'
                    r"<summary>")


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


def name_sidebar_toggles(app, exception):
    """Give every unnamed sidebar <summary> an aria-label after the build wrote the pages."""
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        named = TOGGLE.sub(lambda m: f'{m.group(1)}<summary aria-label="Show or hide the pages of '
                                     f'{m.group(2).strip()}">', html)
        if named != html:
            page.write_text(named, encoding="utf-8")


def setup(app):
    """Register the hooks."""
    app.connect("html-page-context", dedupe_scripts, priority=900)
    app.connect("build-finished", name_sidebar_toggles)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
