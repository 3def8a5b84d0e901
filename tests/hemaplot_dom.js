// tests/test_first_hour30.py: a minimal DOM, enough for HemaPlot.render to draw one panel in node; prints the
// panel's SVG texts (class and words) as JSON. Usage: node hemaplot_dom.js HEMAPLOT_JS SPEC_JSON
function El(name) {
  this.name = name; this.attrs = {}; this.children = []; this.style = {}; this.textContent = "";
  this.clientWidth = 800; this.classList = {add: function () {}, remove: function () {}, toggle: function () {}};
}
El.prototype.setAttribute = function (k, v) { this.attrs[k] = String(v); };
El.prototype.getAttribute = function (k) { return this.attrs[k]; };
El.prototype.appendChild = function (c) { this.children.push(c); c.parentNode = this; return c; };
El.prototype.insertBefore = function (c) { this.children.unshift(c); return c; };
El.prototype.removeChild = function (c) { this.children = this.children.filter(function (x) { return x !== c; }); };
El.prototype.addEventListener = function () {};
El.prototype.getBoundingClientRect = function () { return {left: 0, top: 0, width: 800, height: 300}; };
Object.defineProperty(El.prototype, "innerHTML", {set: function () { this.children = []; }, get: function () { return ""; }});
Object.defineProperty(El.prototype, "firstChild", {get: function () { return this.children[0] || null; }});
El.prototype.querySelectorAll = function () { return []; };
global.document = {
  createElementNS: function (ns, n) { return new El(n); }, createElement: function (n) { return new El(n); },
  createTextNode: function (t) { var e = new El("#text"); e.textContent = t; return e; },
  getElementById: function () { return null; }, head: new El("head"),
};
global.window = global;
require(process.argv[2]);
var spec = JSON.parse(require("fs").readFileSync(process.argv[3], "utf8"));
var root = new El("div");
global.HemaPlot.render(root, spec);
var texts = [];
// a text's words with its tspans' (a raised power, a label's two lines in the margin), its x and its aria-label
function words(e) { return e.textContent + e.children.map(words).join(""); }
(function walk(e) {
  if (e.name === "text") {
    texts.push({cls: e.attrs["class"] || "", text: words(e), x: Number(e.attrs.x), aria: e.attrs["aria-label"] || null,
                powers: e.children.filter(function (c) { return (c.attrs["class"] || "") === "hp-power"; }).length});
  }
  e.children.forEach(walk);
})(root);
console.log(JSON.stringify(texts));
