/* hemaplot: small SVG line plots for hemasim's report and explorer (no dependencies, works offline).
 * HemaPlot.render(element, spec) draws one panel; spec (built by hemasim.report.interactive):
 *   {id, title, ylabel, xlabel, log, x: [..], series: [{label, y: [.. or null], color, dash, width}],
 *    bands: [{lo, hi, color, label, segments}], hlines: [{y, color, label}], vlines: [{x, color, dash, label, from, to}],
 *    xbands: [{lo, hi, color, opacity, label, text}], logToggle}  (xbands: shaded x-ranges, e.g. an immunosuppression window;
 *    label in the legend, text written inside the window; a band's optional segments: [[x_start, x_end, lo, hi], ..],
 *    a child's reference range stepping with its age, drawn in place of lo-hi across the panel; logToggle: a
 *    "log scale" button beside the title switches the y-axis, the choice kept for the panel's id across redraws)
 * Hover: a cursor line and a box with every visible series' value at that time. Click a legend entry: hide or
 * show its line. Drag across the plot: zoom to that time range; double-click: back to the whole range.
 * Licence: the hemasim project's (MIT). */
(function (global) {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";
  // a panel narrower than NARROW_PX (a phone) draws on the narrower canvas, so that its text is not scaled down
  // to a few pixels with the rest (560 units in 340 px: ticks of 6 px)
  var W_WIDE = 560, W_NARROW = 400, NARROW_PX = 440, H = 240, M = {l: 62, r: 12, t: 10, b: 38};

  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) { if (attrs[k] !== undefined && attrs[k] !== null) e.setAttribute(k, attrs[k]); }
    if (parent) parent.appendChild(e);
    return e;
  }

  // an axis' tick labels in one form: 0, 2e4, 4e4, ..., 1e5 rather than 0, 20000, ..., 80000, 1e5
  function tickFmt(ticks) {
    var exp = ticks.some(function (t) { var a = Math.abs(t); return a !== 0 && (a >= 1e5 || a < 1e-3); });
    return function (v) {
      if (!exp || v === 0) return fmt(v);
      var parts = v.toExponential(2).split("e");
      return String(Number(parts[0])) + "e" + Number(parts[1]);
    };
  }

  // a linear axis reaching 1e5 or more is written in its power of ten: the ticks divided by it, the power in the
  // axis label ("cells (×10⁵)", as the static figures and the parameter tables); its ticks read "2e4 ... 1e5" (tidy30)
  var PLAIN_AXIS_TOP = 1e5, SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹";
  function tickPower(ticks) {
    var top = Math.max.apply(null, ticks.map(Math.abs));
    return top >= PLAIN_AXIS_TOP ? Math.floor(Math.log10(top) + 1e-9) : 0;
  }
  function powerLabel(power) {
    return "×10" + String(power).split("").map(function (c) { return c === "-" ? "⁻" : SUPERSCRIPTS[Number(c)]; }).join("");
  }

  // a label's words into `text` with each run of superscript characters (the power of "×10⁶", "10⁹/L") as a raised
  // digit at the label's own size: the fonts draw ⁶ about 5 px high in an 11-px label, and a reader took the rotated
  // y-axis's "cells/day (×10⁶)" for ×10⁹ (plots30)
  var SUPER_RUN = /([⁰¹²³⁴⁵⁶⁷⁸⁹⁻]+)/, RAISE_EM = 0.4;
  function plainDigits(superscripts) {
    return superscripts.split("").map(function (c) { return c === "⁻" ? "−" : String(SUPERSCRIPTS.indexOf(c)); }).join("");
  }
  function writeRaised(text, words) {
    var raised = false;
    words.split(SUPER_RUN).forEach(function (part, k) {
      if (!part) return;
      var up = k % 2 === 1;  // split's captured runs sit at the odd places
      var plain = up ? plainDigits(part) : part;
      var dy = up === raised ? null : (up ? -RAISE_EM : RAISE_EM) + "em";
      el("tspan", {dy: dy, class: up ? "hp-power" : null}, text).textContent = plain;
      raised = up;
    });
  }

  function fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) return "–";
    var a = Math.abs(v);
    if (a !== 0 && (a >= 1e5 || a < 1e-3)) {  // 1.2e7, not 1.20e+7
      var parts = v.toExponential(2).split("e");
      return String(Number(parts[0])) + "e" + Number(parts[1]);
    }
    return String(Number(v.toPrecision(4)));
  }

  function niceTicks(lo, hi, n) {
    var span = hi - lo;
    if (!(span > 0)) return [lo];
    var step = Math.pow(10, Math.floor(Math.log10(span / n)));
    var err = span / n / step;
    step *= err >= 7.5 ? 10 : err >= 3.5 ? 5 : err >= 1.5 ? 2 : 1;
    var out = [];
    for (var t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
    return out;
  }

  function logTicks(lo, hi) {
    var out = [];
    for (var p = Math.ceil(Math.log10(lo) - 1e-9); p <= Math.floor(Math.log10(hi) + 1e-9); p++) out.push(Math.pow(10, p));
    if (out.length >= 3) return out;
    // under three decades also 2 and 5 of each: a healthy count on a log axis (3-10) had no tick at all
    out = [];
    for (var q = Math.floor(Math.log10(lo)); q <= Math.ceil(Math.log10(hi)); q++) {
      [1, 2, 5].forEach(function (m) {
        var t = Number((m * Math.pow(10, q)).toPrecision(1));
        if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) out.push(t);
      });
    }
    return out.length ? out : [lo, hi];
  }

  // a blood count's log axis spans at most LOG_DECADES below its highest value: an aplasia's 1e-6 would squeeze
  // the rest into the top of the panel (a drug's curve has its floor from the spec: ymin)
  var LOG_DECADES = 4;
  // the scale the reader chose per panel id: the explorer redraws its panels after every run
  var logChosen = {};

  // the height a threshold line's label needs: 10-px text (its descent too: a bracket), written 3 px off its line
  var HLINE_TEXT = 13;
  // places along a threshold line between its ends (fractions of the plot's width), and the right margin a label
  // takes where none is free: "(G4 below)" at 10 px is ~50 px wide
  var BETWEEN = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], MARGIN_LABEL_PX = 60;

  // the free space above and below a line at py: to the nearest other line, or to the frame at top/bottom
  function hlineRoom(py, others, top, bottom) {
    var up = py - top, down = bottom - py;
    others.forEach(function (o) {
      if (o < py) up = Math.min(up, py - o);
      if (o > py) down = Math.min(down, o - py);
    });
    return [up, down];
  }

  // whether a drawn curve passes through the box [left, right] x [top, bottom] (svg pixels): a point inside it, or a
  // segment between two points in its x-range that spans its height (a steep fall between two samples)
  function curvesCross(spec, visible, i0, i1, sx, sy, box) {
    return spec.series.some(function (s, k) {
      if (!visible[k]) return false;
      var prev = null;
      for (var i = i0; i <= i1; i++) {
        var v = s.y[i];
        if (v === null || !isFinite(v) || (spec.log && v <= 0)) { prev = null; continue; }
        var px = sx(spec.x[i]), py = sy(v);
        if (px >= box[0] && px <= box[1]) {
          if (py >= box[2] && py <= box[3]) return true;
          if (prev !== null && Math.min(prev, py) <= box[3] && Math.max(prev, py) >= box[2]) return true;
          prev = py;
        } else {
          prev = null;
        }
      }
      return false;
    });
  }

  // a label less the words it shares at its start with another: "CTCAE G4" after "CTCAE G3" is "G4"
  function labelAfter(label, other) {
    var a = label.split(" "), b = other.split(" "), i = 0;
    while (i < a.length - 1 && a[i] === b[i]) i++;
    return a.slice(i).join(" ");
  }

  function yRange(spec, visible, i0, i1) {
    var lo = Infinity, hi = -Infinity;
    spec.series.forEach(function (s, k) {
      if (!visible[k]) return;
      for (var i = i0; i <= i1; i++) {
        var v = s.y[i];
        if (v === null || !isFinite(v) || (spec.log && v <= 0)) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    });
    if (!isFinite(lo)) { lo = spec.log ? 1 : 0; hi = spec.log ? 10 : 1; }
    if (spec.log) {
      if (spec.logToggle) {  // the reference band and the CTCAE lines in view, as on the linear axis
        (spec.bands || []).forEach(function (b) { if (b.lo > 0) lo = Math.min(lo, b.lo); hi = Math.max(hi, b.hi); });
        (spec.hlines || []).forEach(function (h) { if (h.y > 0) lo = Math.min(lo, h.y); });
        lo = Math.max(lo, hi * Math.pow(10, -LOG_DECADES));
      }
      if (spec.ymin) lo = Math.max(lo, spec.ymin);
      return [lo / 1.5, hi * 2];
    }
    (spec.bands || []).forEach(function (b) { hi = Math.max(hi, b.hi * 1.1); });
    lo = Math.min(0, lo);
    hi = hi > lo ? hi * 1.15 - lo * 0.15 : lo + 1;  // room above a flat line
    return [lo, hi];
  }

  function render(root, spec) {
    if (spec.logToggle) {  // a copy: the reader's scale is this drawing's, the spec stays as built
      spec = Object.assign({}, spec, {log: spec.id in logChosen ? logChosen[spec.id] : spec.log});
    }
    root.innerHTML = "";
    root.classList.add("hp-panel");
    var W = root.clientWidth > 0 && root.clientWidth < NARROW_PX ? W_NARROW : W_WIDE;
    var visible = spec.series.map(function () { return true; });
    var view = [0, spec.x.length - 1];
    var title = document.createElement("div");
    title.className = "hp-title";
    // the title's unit as the axis label's: "10⁹/L" with a raised digit (a <sup>) near the title's size, not the
    // superscript glyph, ~6 px high in the 13-px title (plots30)
    spec.title.split(SUPER_RUN).forEach(function (part, k) {
      if (!part) return;
      if (k % 2 === 0) { title.appendChild(document.createTextNode(part)); return; }
      var sup = document.createElement("sup");
      sup.textContent = plainDigits(part);
      title.appendChild(sup);
    });
    root.appendChild(title);
    if (spec.logToggle) {
      // G-CSF's peaks of 25-65 x10^9/L squeezed the nadirs and the CTCAE lines into the bottom pixels (firsthour27)
      var scale = document.createElement("button");
      scale.type = "button";
      scale.className = "hp-scale";
      scale.textContent = "log scale";
      scale.title = "switch the y-axis between linear and logarithmic";
      scale.setAttribute("aria-pressed", String(!!spec.log));
      scale.addEventListener("click", function () {
        spec.log = !spec.log;
        logChosen[spec.id] = spec.log;
        scale.setAttribute("aria-pressed", String(spec.log));
        draw();
      });
      title.appendChild(scale);
    }
    var svg = el("svg", {viewBox: "0 0 " + W + " " + H, class: "hp-svg", role: "img", "aria-label": spec.title}, root);
    var tip = document.createElement("div");
    tip.className = "hp-tip";
    tip.style.display = "none";
    root.appendChild(tip);
    var legend = document.createElement("div");
    legend.className = "hp-legend";
    root.appendChild(legend);
    var state = {};

    // wide: the right margin holds a threshold label that has no free place along its line (a second pass)
    function draw(wide) {
      wide = wide === true;
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      var x = spec.x, i0 = view[0], i1 = view[1];
      var x0 = x[i0], x1 = x[i1] > x0 ? x[i1] : x0 + 1;
      var yr = yRange(spec, visible, i0, i1), y0 = yr[0], y1 = yr[1];
      var pw = W - M.l - M.r - (wide ? MARGIN_LABEL_PX : 0), ph = H - M.t - M.b;
      var sx = function (v) { return M.l + (v - x0) / (x1 - x0) * pw; };
      var sy = spec.log
        ? function (v) { return M.t + ph - (Math.log10(v) - Math.log10(y0)) / (Math.log10(y1) - Math.log10(y0)) * ph; }
        : function (v) { return M.t + ph - (v - y0) / (y1 - y0) * ph; };
      var clip = "hpclip-" + spec.id;
      el("rect", {x: M.l, y: M.t, width: pw, height: ph}, el("clipPath", {id: clip}, el("defs", {}, svg)));
      // the grid first, under the bands and curves: drawn after them, each grid line crossed a curve in light grey and
      // read as a break in it (every chemotherapy ANC curve looked broken at its peaks and nadirs; firsthour29)
      var grid = el("g", {}, svg);
      var plot = el("g", {"clip-path": "url(#" + clip + ")"}, svg);
      // the lines' labels ("CTCAE G3", "graft") in a group after the curves', with a white halo: drawn under them,
      // a nadir or the donor line ran through "CTCAE G3 (G4 below)" at the left of every chemotherapy and
      // transplant plot (firsthour)
      var notes = el("g", {"clip-path": "url(#" + clip + ")"}, svg);
      // the box [left, right, top, bottom] a threshold label of `width` at text baseline `ty` takes at `place`: its
      // line's right end (true), left end (false), or centred at a fraction of the x-range
      var labelBox = function (place, width, ty) {
        var left = place === true ? M.l + pw - width : place === false ? M.l : M.l + place * pw - width / 2;
        return [left, left + width, ty - HLINE_TEXT + 3, ty + 3];
      };
      (spec.xbands || []).forEach(function (b) {
        var left = sx(Math.max(b.lo, x0)), right = sx(Math.min(b.hi, x1));
        if (right <= left) return;
        el("rect", {x: left, y: M.t, width: right - left, height: ph, fill: b.color, "fill-opacity": b.opacity || 0.1,
                    class: "hp-xband"}, plot);
        if (b.text) {  // below the graft line's label, which sits at the top
          el("text", {x: left + 3, y: M.t + 23, class: "hp-tick hp-over", style: "fill:" + b.color}, notes).textContent = b.text;
        }
      });
      (spec.bands || []).forEach(function (b) {
        // a child's range steps with its age: one rectangle per [x_start, x_end, lo, hi] segment
        (b.segments || [[x0, x1, b.lo, b.hi]]).forEach(function (g) {
          var left = sx(Math.max(g[0], x0)), right = sx(Math.min(g[1], x1));
          var top = sy(Math.min(g[3], y1)), bottom = sy(Math.max(g[2], y0));
          if (bottom > top && right > left) {
            el("rect", {x: left, y: top, width: right - left, height: bottom - top, fill: b.color, "fill-opacity": 0.12}, plot);
          }
        });
      });
      var yt = spec.log ? logTicks(y0, y1) : niceTicks(y0, y1, 5), power = spec.log ? 0 : tickPower(yt);
      var yfmt = spec.log ? fmt : power ? function (v) { return String(Number((v / Math.pow(10, power)).toPrecision(4))); }
        : tickFmt(yt);
      yt.forEach(function (t) {
        var py = sy(t);
        el("line", {x1: M.l, x2: M.l + pw, y1: py, y2: py, class: "hp-grid"}, grid);
        el("text", {x: M.l - 5, y: py + 3.5, "text-anchor": "end", class: "hp-tick"}, svg).textContent = yfmt(t);
      });
      niceTicks(x0, x1, 6).forEach(function (t) {
        var px = sx(t);
        el("line", {x1: px, x2: px, y1: M.t, y2: M.t + ph, class: "hp-grid"}, grid);
        el("text", {x: px, y: M.t + ph + 14, "text-anchor": "middle", class: "hp-tick"}, svg).textContent = fmt(t);
      });
      var hlines = (spec.hlines || []).filter(function (h) { return h.y >= y0 && h.y <= y1; });
      var hys = hlines.map(function (h) { return sy(h.y); });
      // a label above its line where it fits under the next line up (or the frame), else below it; one that fits
      // neither is named in the label of the line above: on a short ANC axis "CTCAE G4" above 0.5 sat on the G3
      // line at 1.0, now the G3 label reads "CTCAE G3 (G4 below)" (polish)
      var tys = hlines.map(function (h, k) {
        var room = hlineRoom(hys[k], hys, M.t, M.t + ph);
        return room[0] >= HLINE_TEXT ? hys[k] - 3 : room[1] >= HLINE_TEXT ? hys[k] + HLINE_TEXT - 3 : null;
      });
      var below = hlines.map(function () { return []; });
      hlines.forEach(function (h, k) {
        if (!h.label || tys[k] !== null) return;
        var up = -1;
        hys.forEach(function (o, j) { if (o < hys[k] && hlines[j].label && tys[j] !== null && (up < 0 || o > hys[up])) up = j; });
        if (up >= 0) below[up].push(labelAfter(h.label, hlines[up].label));
      });
      var unplaced = false;
      hlines.forEach(function (h, k) {
        el("line", {x1: M.l, x2: M.l + pw, y1: hys[k], y2: hys[k], stroke: h.color, "stroke-dasharray": "2 3"}, plot);
        if (unplaced) return;
        if (h.label && tys[k] !== null) {
          var right = k % 2 === 1;
          // the colour as a style: .hp-tick's fill (a CSS rule) overrode a fill attribute, the labels drew grey
          var text = el("text", {x: right ? M.l + pw - 3 : M.l + 3, y: tys[k], "text-anchor": right ? "end" : "start",
                                 class: "hp-tick hp-over", style: "fill:" + h.color}, notes);
          text.textContent = h.label + (below[k].length ? " (" + below[k].join(", ") + " below)" : "");
          // at the other end of its line where a curve runs through it at this one and not there: a chemotherapy
          // or transplant nadir lies at the left, where "CTCAE G3 (G4 below)" stood (firsthour)
          var width = text.getComputedTextLength ? text.getComputedTextLength() : 0;
          width = (width > 0 ? width : 6 * text.textContent.length) + 3;
          // where a curve crosses both ends (several cycles' nadirs), along the line to the nearest free place, in
          // tenths of its length (the static figures' rule, threshold_labels.py; tidy30)
          var places = [right, !right].concat(BETWEEN.slice().sort(function (a, b) {
            return right ? b - a : a - b;
          }));
          var free = places.filter(function (place) {
            return !curvesCross(spec, visible, i0, i1, sx, sy, labelBox(place, width, tys[k]));
          })[0];
          if (free === undefined) {
            // no free place on the line: in the right margin at the line's height, where no curve can cross it
            // (the words stood at the line's end under two nadirs' strokes in every AC-T and FAC ANC panel; plots30)
            text.parentNode.removeChild(text);
            if (!wide) { unplaced = true; return; }
            var words = el("text", {x: M.l + pw + 4, y: hys[k] + 3.5, class: "hp-tick hp-margin",
                                    style: "fill:" + h.color}, svg);
            var name = h.label + (below[k].length ? " (" + below[k].join(", ") + " below)" : "");
            // two lines: the margin is as narrow as "(G4 below)"
            var cut = name.indexOf(" (") > 0 ? name.indexOf(" (") : name.length;
            var lines = [name.slice(0, cut), name.slice(cut + 1)].filter(function (l) { return l; });
            lines.forEach(function (line, j) {
              el("tspan", {x: M.l + pw + 4, dy: j === 0 ? (lines.length > 1 ? "-0.55em" : null) : "1.1em"}, words)
                .textContent = line;
            });
          } else if (free !== right) {
            text.setAttribute("x", free === true ? M.l + pw - 3 : free === false ? M.l + 3 : M.l + free * pw);
            text.setAttribute("text-anchor", free === true ? "end" : free === false ? "start" : "middle");
          }
        }
      });
      if (unplaced) { draw(true); return; }
      (spec.vlines || []).forEach(function (v) {
        if (v.x < x0 || v.x > x1) return;
        // from/to: the share of the plot's height, from its top, that the line spans (an arm's strip of dose lines)
        var top = M.t + ph * (v.from || 0), bottom = M.t + ph * (v.to === undefined ? 1 : v.to);
        el("line", {x1: sx(v.x), x2: sx(v.x), y1: top, y2: bottom, stroke: v.color, "stroke-dasharray": v.dash || null}, plot);
        if (v.label) {
          el("text", {x: sx(v.x) + 3, y: M.t + 11, class: "hp-tick hp-over", style: "fill:" + v.color}, notes).textContent = v.label;
        }
      });
      spec.series.forEach(function (s, k) {
        if (!visible[k]) return;
        var d = "", pen = false;
        for (var i = i0; i <= i1; i++) {
          var v = s.y[i];
          if (v === null || !isFinite(v) || (spec.log && v <= 0)) { pen = false; continue; }
          d += (pen ? "L" : "M") + sx(x[i]).toFixed(1) + " " + sy(v).toFixed(1);
          pen = true;
        }
        el("path", {d: d, fill: "none", stroke: s.color, "stroke-width": s.width || 1.8,
                    "stroke-dasharray": s.dash || null, class: "hp-line", "data-series": k}, plot);
      });
      el("rect", {x: M.l, y: M.t, width: pw, height: ph, class: "hp-frame"}, svg);
      el("text", {x: M.l + pw / 2, y: H - 6, "text-anchor": "middle", class: "hp-label"}, svg).textContent = spec.xlabel;
      var ylabel = spec.ylabel + (power ? " (" + powerLabel(power) + ")" : "");
      writeRaised(el("text", {x: 12, y: M.t + ph / 2, "text-anchor": "middle", class: "hp-label", "aria-label": ylabel,
                              transform: "rotate(-90 12 " + (M.t + ph / 2) + ")"}, svg), ylabel);
      var cursor = el("line", {y1: M.t, y2: M.t + ph, class: "hp-cursor", visibility: "hidden"}, svg);
      var sel = el("rect", {y: M.t, height: ph, class: "hp-select", visibility: "hidden"}, svg);
      state = {sx: sx, x0: x0, x1: x1, pw: pw, cursor: cursor, sel: sel};
    }

    function indexAt(evt) {
      var r = svg.getBoundingClientRect();
      var px = (evt.clientX - r.left) * W / r.width;
      var t = state.x0 + (px - M.l) / state.pw * (state.x1 - state.x0);
      var best = view[0];
      for (var i = view[0]; i <= view[1]; i++) { if (Math.abs(spec.x[i] - t) < Math.abs(spec.x[best] - t)) best = i; }
      return {i: best, px: px};
    }

    var dragFrom = null;
    svg.addEventListener("mousemove", function (evt) {
      var at = indexAt(evt), i = at.i, px = state.sx(spec.x[i]);
      state.cursor.setAttribute("x1", px); state.cursor.setAttribute("x2", px);
      state.cursor.setAttribute("visibility", "visible");
      var rows = [(/years/.test(spec.xlabel) ? "year " : "day ") + fmt(spec.x[i])];
      spec.series.forEach(function (s, k) { if (visible[k]) rows.push("<span style='color:" + s.color + "'>■</span> " + escapeHtml(s.label) + ": <b>" + fmt(s.y[i]) + "</b>"); });
      tip.innerHTML = rows.join("<br>");
      tip.style.display = "block";
      var r = svg.getBoundingClientRect();
      var left = (px * r.width / W) + 14;
      tip.style.left = (left + tip.offsetWidth > r.width ? left - tip.offsetWidth - 28 : left) + "px";
      tip.style.top = "28px";
      if (dragFrom !== null) {
        var a = Math.min(dragFrom.px, at.px), b = Math.max(dragFrom.px, at.px);
        state.sel.setAttribute("x", a); state.sel.setAttribute("width", b - a);
        state.sel.setAttribute("visibility", "visible");
      }
    });
    svg.addEventListener("mouseleave", function () {
      state.cursor.setAttribute("visibility", "hidden");
      tip.style.display = "none";
      dragFrom = null;
      state.sel.setAttribute("visibility", "hidden");
    });
    svg.addEventListener("mousedown", function (evt) { dragFrom = indexAt(evt); evt.preventDefault(); });
    svg.addEventListener("mouseup", function (evt) {
      if (dragFrom === null) return;
      var to = indexAt(evt), a = Math.min(dragFrom.i, to.i), b = Math.max(dragFrom.i, to.i);
      dragFrom = null;
      if (b - a >= 2) { view = [a, b]; draw(); }
      else state.sel.setAttribute("visibility", "hidden");
    });
    svg.addEventListener("dblclick", function () { view = [0, spec.x.length - 1]; draw(); });

    spec.series.forEach(function (s, k) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "hp-key";
      b.setAttribute("aria-pressed", "true");
      b.innerHTML = "<svg width='22' height='8'><line x1='0' x2='22' y1='4' y2='4' stroke='" + s.color +
        "' stroke-width='2.5'" + (s.dash ? " stroke-dasharray='" + s.dash + "'" : "") + "/></svg> ";
      b.appendChild(document.createTextNode(s.label));
      b.addEventListener("click", function () {
        visible[k] = !visible[k];
        b.classList.toggle("hp-off", !visible[k]);
        b.setAttribute("aria-pressed", String(visible[k]));
        draw();
      });
      legend.appendChild(b);
    });
    (spec.bands || []).concat(spec.xbands || []).forEach(function (band) {
      if (!band.label) return;
      var s = document.createElement("span");
      s.className = "hp-note";
      // the swatch as the shading looks: a lighter window (a taper) a lighter swatch
      s.innerHTML = "<span style='background:" + band.color + ";opacity:" + (band.opacity ? 2.5 * band.opacity : 0.3) +
        "'>&nbsp;&nbsp;&nbsp;</span> ";
      s.appendChild(document.createTextNode(band.label));
      legend.appendChild(s);
    });
    draw();
    return {redraw: draw, spec: spec};
  }

  function escapeHtml(t) {
    return String(t).replace(/[&<>"']/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]; });
  }

  /* Draw every panel of `specs` into `container` (one div each). */
  function renderAll(container, specs) {
    container.innerHTML = "";
    return specs.map(function (spec) {
      var div = document.createElement("div");
      div.setAttribute("data-plot", spec.id);
      container.appendChild(div);
      return render(div, spec);
    });
  }

  var CSS = ".hp-grid-wrap{display:grid;grid-template-columns:repeat(auto-fill,minmax(min(460px,100%),1fr));gap:12px}" +
    ".hp-panel{position:relative;border:1px solid #ddd;border-radius:4px;padding:4px 6px;background:#fff}" +
    ".hp-title{font-weight:600;font-size:13px;margin:2px 0 0 4px}.hp-title sup{font-size:.85em;line-height:0}.hp-svg{width:100%;height:auto;display:block;cursor:crosshair;user-select:none}" +
    ".hp-grid{stroke:#e6e6e6;stroke-width:1}.hp-frame{fill:none;stroke:#999}.hp-tick{font-size:10px;fill:#555}" +
    ".hp-over{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}" +
    ".hp-label{font-size:11px;fill:#333}.hp-cursor{stroke:#888;stroke-width:1}.hp-select{fill:#4a7bd0;fill-opacity:.15}" +
    ".hp-tip{position:absolute;pointer-events:none;background:rgba(255,255,255,.95);border:1px solid #bbb;border-radius:3px;" +
    "padding:3px 6px;font-size:11px;line-height:1.35;white-space:nowrap;z-index:2}" +
    ".hp-legend{display:flex;flex-wrap:wrap;gap:2px 8px;font-size:11px;margin:2px 0 2px 4px}" +
    ".hp-key{border:0;background:none;padding:1px 3px;font:inherit;cursor:pointer;color:#222}.hp-key:hover{background:#f0f0f0}" +
    ".hp-key.hp-off{opacity:.35;text-decoration:line-through}.hp-note{color:#555;padding:1px 3px}" +
    ".hp-scale{float:right;font:inherit;font-size:11px;font-weight:400;border:1px solid #ccc;border-radius:3px;" +
    "background:#fff;color:#333;padding:0 5px;cursor:pointer}.hp-scale[aria-pressed=true]{background:#e3ecfa;" +
    "border-color:#4a7bd0}";

  function installCss() {
    if (document.getElementById("hemaplot-css")) return;
    var style = document.createElement("style");
    style.id = "hemaplot-css";
    style.textContent = CSS;
    document.head.appendChild(style);
  }

  global.HemaPlot = {render: render, renderAll: renderAll, installCss: installCss, fmt: fmt};
})(window);
