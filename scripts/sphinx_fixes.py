"""Local Sphinx extension (loaded from _config.yml): two upstream glitches fixed, one addition.

1. sphinx-thebe 0.3.1 registers its inline configuration script on every `env-before-read-docs`,
which Jupyter Book fires twice, so each page declared `const THEBE_JS_URL` twice and the
browser logged "Identifier 'THEBE_JS_URL' has already been declared". Keep one copy of each
identical script.
2. pydata-sphinx-theme 0.17 renders each collapsible sidebar entry's toggle as a <summary>
holding only a decorative chevron, so screen readers announce an unnamed control (axe-core:
"summary-name", serious). Name each toggle after the section it opens.
3. No page had a meta description, so search engines showed arbitrary text. Each page gets one
from its own "Summary" section, else from its first paragraphs.
4. pybtex 0.26 looks its plugins up with `entry_points(group=..., name=...)` every time
sphinxcontrib-bibtex formats a citation, and each lookup reads the metadata of every installed
package: about a third of a clean build's non-execution time went there. Installed entry points
do not change during a build, so each (group, name) lookup is done once; plugins registered at
run time are still checked first by pybtex itself.
"""
import functools
import html
import re
from pathlib import Path

from docutils import nodes

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


SYMBOLS = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
           "eta": "η", "theta": "θ", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν", "pi": "π",
           "rho": "ρ", "sigma": "σ", "tau": "τ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ",
           "omega": "ω", "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Sigma": "Σ",
           "Phi": "Φ", "Omega": "Ω", "leftarrow": "←", "rightarrow": "→", "to": "→", "times": "×",
           "cdot": "·", "approx": "≈", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "neq": "≠",
           "infty": "∞", "partial": "∂", "nabla": "∇", "sqrt": "√", "sum": "Σ", "ell": "ℓ", "pm": "±",
           "sim": "~", "propto": "∝", "in": "∈", "lVert": "‖", "rVert": "‖", "odot": "⊙",
           "top": "ᵀ", "intercal": "ᵀ", "ll": "≪", "gg": "≫", "dots": "…", "ldots": "…", "cdots": "⋯",
           "mid": "|", "lvert": "|", "rvert": "|", "langle": "⟨", "rangle": "⟩", "circ": "∘"}


def latex_to_text(tex):
    """A readable plain-text rendering of a short LaTeX formula (for meta descriptions)."""
    tex = re.sub(r"\\frac\{([^{}]*)\}\{([^{}]*)\}", r"\1/\2", tex)
    tex = re.sub(r"\\(?:text|mathrm|mathbf|mathcal|operatorname|left|right|big|Big)\b", "", tex)
    tex = re.sub(r"\\([A-Za-z]+)", lambda m: SYMBOLS.get(m.group(1), ""), tex)
    tex = re.sub(r"\\.", " ", tex).replace("{", "").replace("}", "")
    return tex.replace("-", "−").strip()


def plain_text(node):
    """Text of a node, formulas rendered as plain text, whitespace collapsed."""
    parts = []
    for child in node.findall(lambda n: isinstance(n, (nodes.Text, nodes.math))):
        if isinstance(child, nodes.math):
            parts.append(latex_to_text(child.astext()))
        elif not any(isinstance(a, nodes.math) for a in _ancestors(child, node)):
            parts.append(child.astext())
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _ancestors(node, stop):
    """The ancestors of a node up to (excluding) `stop`."""
    while node is not None and node is not stop:
        node = node.parent
        yield node


def description_of(doctree, limit=200):
    """A one-paragraph description of a page, from its Summary section if it has one."""
    summary = next((s for s in doctree.findall(nodes.section)
                    if s.children and s[0].astext().strip() == "Summary"), None)
    if summary is not None:
        items = list(summary.findall(nodes.list_item)) or list(summary.findall(nodes.paragraph))
        texts = [plain_text(item) for item in items]
    else:
        texts = [plain_text(p) for p in doctree.findall(nodes.paragraph)
                 if not isinstance(p.parent, (nodes.list_item, nodes.admonition))]
        texts = [t for t in texts if len(t) > 60][:3]
    text = ""
    for piece in filter(None, texts):
        text = f"{text} {piece if piece[-1] in '.!?' else piece + '.'}".strip()
        if len(text) >= limit * 0.6:
            break
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return text


def add_description(app, pagename, templatename, context, doctree):
    """Add <meta name="description"> to a page that does not set one itself."""
    if doctree is None or 'name="description"' in context.get("metatags", ""):
        return
    text = description_of(doctree)
    if text:
        context["metatags"] = context.get("metatags", "") + (
            f'\n<meta name="description" content="{html.escape(text, quote=True)}" />')


def cache_pybtex_plugin_lookup():
    """Make pybtex's per-citation entry-point lookup a dictionary lookup after its first call."""
    import pybtex.plugin

    lookup = pybtex.plugin.entry_points
    if getattr(lookup, "cache_info", None):  # already cached (the extension was set up twice)
        return

    @functools.cache
    def select(items):
        """The installed entry points matching the selection `items` ((key, value) pairs), read once."""
        return lookup(**dict(items))

    def cached(**params):
        """Drop-in for entry_points(**params), as pybtex.plugin calls it (keyword arguments only)."""
        return select(tuple(sorted(params.items())))

    cached.cache_info = select.cache_info
    pybtex.plugin.entry_points = cached


def setup(app):
    """Register the hooks."""
    cache_pybtex_plugin_lookup()
    app.connect("html-page-context", dedupe_scripts, priority=900)
    app.connect("html-page-context", add_description)
    app.connect("build-finished", name_sidebar_toggles)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
