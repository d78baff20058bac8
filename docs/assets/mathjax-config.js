// MathJax 3 reads this before it loads: $...$ and $$...$$ in notebooks, \(...\) from
// pymdownx.arithmatex in Markdown pages; code and outputs are left alone.
window.MathJax = {
  tex: {
    inlineMath: [["$", "$"], ["\\(", "\\)"]],
    displayMath: [["$$", "$$"], ["\\[", "\\]"]],
    processEscapes: true,
  },
  options: {
    ignoreHtmlClass: "tex2jax_ignore",
    skipHtmlTags: ["script", "noscript", "style", "textarea", "pre", "code"],
  },
  chtml: { fontURL: new URL("mathjax/output/chtml/fonts/woff-v2", document.currentScript.src).href },
};
