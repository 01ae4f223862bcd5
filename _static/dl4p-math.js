// Formulas arrive as TeX source and are typeset by MathJax about a second after the page is
// drawn; on pages whose first screen has formulas, the changed line breaks then pushed the text
// about (a cumulative layout shift of up to 0.48 in classroom mode). Keep the article invisible
// (its space is still laid out) until MathJax has typeset it, for at most 3 s, so that the
// reader never sees the jump. Pages without formulas are shown as soon as they are parsed.
(() => {
  const root = document.documentElement;
  root.classList.add("dl4p-math-pending");
  const show = () => root.classList.remove("dl4p-math-pending");
  setTimeout(show, 3000); // never longer, e.g. when MathJax cannot be loaded at all
  document.addEventListener("DOMContentLoaded", () => {
    if (!document.querySelector(".math")) return show();
    const wait = () => {
      const startup = window.MathJax && window.MathJax.startup;
      if (startup && startup.promise) startup.promise.then(show, show);
      else setTimeout(wait, 25);
    };
    wait();
  });
})();
