// MathJax for pymdownx.arithmatex (generic mode), as in the MkDocs Material documentation. The library is loaded
// from its CDN only on pages that hold math, so every other page makes no request outside the site.
window.MathJax = {
  tex: {inlineMath: [["\\(", "\\)"]], displayMath: [["\\[", "\\]"]], processEscapes: true, processEnvironments: true},
  options: {ignoreHtmlClass: ".*|", processHtmlClass: "arithmatex"}
};
const MATHJAX_URL = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js";

function typesetMath() {
  if (!document.querySelector(".arithmatex")) { return; }
  if (window.MathJax.typesetPromise) { window.MathJax.typesetPromise(); return; }
  if (!document.getElementById("mathjax-script")) {
    const script = document.createElement("script");
    script.id = "mathjax-script";
    script.src = MATHJAX_URL;
    script.async = true;
    document.head.appendChild(script);  // typesets the page once loaded
  }
}

if (typeof document$ !== "undefined") { document$.subscribe(typesetMath); } else { typesetMath(); }
