// MathJax settings for pymdownx.arithmatex (generic mode), as in the MkDocs Material documentation;
// re-typeset on every page of the instant-navigation site.
window.MathJax = {
  tex: {inlineMath: [["\\(", "\\)"]], displayMath: [["\\[", "\\]"]], processEscapes: true, processEnvironments: true},
  options: {ignoreHtmlClass: ".*|", processHtmlClass: "arithmatex"}
};
if (typeof document$ !== "undefined") {
  document$.subscribe(() => { if (window.MathJax.typesetPromise) { window.MathJax.typesetPromise(); } });
}
