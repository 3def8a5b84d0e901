/* hemasim explorer page: edit the scenario of one or two arms, run it on the local server, draw with hemaplot.
 * Scenarios travel as JSON data and are checked by the server's scenario schema; nothing here is evaluated. */
(function () {
  "use strict";
  var state = {arms: [], editing: 0, parameters: {}, timer: null, seq: 0, history: []};
  // undo: the arms as they were before each edit (a field changed, an intervention added or removed, a parameter,
  // the duration, a second arm, another example or "start again"), newest last; only "start again" undid a
  // removal (ux35's walk). UNDO_LEVELS edits are kept, over a reload too (with the tab's edits)
  var UNDO_LEVELS = 50;
  // the fields edited as a choice list and the values the scenario schema allows for each (a drug's route, a dose
  // rule's action and observable, the patient's sex and genotype): read from the server's schema (/api/choices)
  // before the first scenario is shown, not copied here
  var CHOICES = {};
  // each intervention kind's numeric fields that may be unset (kind -> field -> description; /api/choices): offered
  // empty under "other fields", and emptied to unset (a cord graft dosed by tnc_per_kg, a graft's cd3_per_kg: ux34c)
  var OPTIONAL = {};
  // fields given for one route only (field -> route; /api/choices: infusion_hours for iv_infusion): offered for that
  // route only, and dropped when the route leaves it (kept, the server refused the switch to iv_bolus: mend34d); a
  // value dropped comes back if the route returns, in this page's life
  var ROUTE_ONLY = {}, DROPPED = new WeakMap();
  // the shipped names a drug set or regimen field takes, by kind (/api/choices): a choice list, not free text
  var NAMES = {};
  // each intervention kind the schema allows, with its fields (/api/kinds): the "add intervention" forms, and the
  // schema's descriptions of the fields a scenario sets (a graft's cd34_per_kg said no unit: ux35's walk)
  var FORMS = {};
  // fields that act only beside another's value are left out otherwise (a delay rule's reduce_by_fraction read as a
  // reduction, a schedule of listed days showed days_in_cycle, which it ignores: firsthour27); the data keep them
  var APPLIES = {
    reduce_by_fraction: function (o) { return o.action !== "delay"; },
    delay_days: function (o) { return o.action !== "reduce"; },
    max_delays: function (o) { return o.action !== "reduce"; },
    days_in_cycle: function (o) { return !o.days; }
  };
  // what a field means where its name does not say it (docs/scenarios.md, docs/drugs.md): written under it
  var HINTS = {
    days_in_cycle: "the days a dose is given in each cycle, counted from its first day: 0 once on that day; 0, 7 on " +
      "its 1st and 8th day",
    every_days: "days from one cycle's start to the next",
    start_day: "the run's day the first cycle starts (the run starts on day 0)",
    days: "the run's days a dose is given",
    day: "the run's day it is given (the run starts on day 0)",
    below: "the threshold, ×10⁹/L, checked on each cycle's planned first day",
    delay_days: "days the cycle waits before the count is checked again",
    max_delays: "times a cycle is delayed at most; then it is given",
    reduce_by_fraction: "share taken off this and every later dose (0.25: 25% less)"
  };
  // a start_day outside a schedule (a conditioning's, a regimen's) starts no cycle: it read "the run's day the first
  // cycle starts" there (ux35's walk)
  function hintFor(key, obj) {
    if (key === "start_day" && !("every_days" in obj || "cycles" in obj || "days" in obj))
      return "the run's day it starts (the run starts on day 0)";
    return HINTS[key];
  }
  // the schema's description of a kind's field (its unit, where the name does not say it), without rST marks
  function described(kind, key) {
    var form = FORMS[kind], f = form && form.fields.filter(function (x) { return x.name === key; })[0];
    return f && f.description ? f.description.replace(/``/g, "") : "";
  }
  var $ = function (id) { return document.getElementById(id); };

  function api(path, body) {
    var opts = body === undefined ? {} : {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body)};
    return fetch(path, opts).then(function (r) {
      if (r.ok) return r;
      return r.json().then(function (j) { throw new Error(j.error || r.statusText); });
    });
  }

  function showError(err) {
    $("error").hidden = !err;
    $("error").textContent = err ? String(err.message || err) : "";
    if (err) $("status").textContent = "not run: the scenario has a problem (below)";
  }

  // a refused run's problems beside the fields they name, in the arm shown (the block above the endpoints was far
  // from the field changed, a screen away in a long scenario: ux35's walk); the block stays, for every arm
  function markFields(message) {
    document.querySelectorAll("#editor .run-error").forEach(function (e) { e.remove(); });
    if (!message || !state.arms.length) return;
    String(message).split("\n").forEach(function (text) {
      var m = /^arm ([^:]+): ([A-Za-z0-9_.]+): (.*)$/.exec(text), el = null;
      if (!m || m[1] !== state.arms[state.editing].name) return;
      for (var p = m[2]; p && !el; p = p.indexOf(".") >= 0 ? p.slice(0, p.lastIndexOf(".")) : "")
        el = document.querySelector("#editor [data-path='" + p + "'], #editor [data-group='" + p + "']");
      if (!el) return;
      var line = document.createElement("p");
      line.className = "field-error run-error"; line.textContent = m[3];
      if (el.tagName === "FIELDSET") el.insertBefore(line, el.children[1] || null);
      else el.closest(".field").insertAdjacentElement("afterend", line);
    });
  }

  function getPath(obj, path) {
    path.split(".").forEach(function (k) { obj = obj[k]; });
    return obj;
  }

  // the arm a message is about, as the server names it ("arm B: "), where two are compared
  function armName() { return state.arms.length > 1 ? "arm " + state.arms[state.editing].name + ": " : ""; }

  // a field the page could not read: no run; the results shown are still those of the fields as they stand
  function notRun(message) {
    showError(message);
    $("status").textContent = "not run: a field was not accepted (below); the results are those of the fields shown";
  }

  function deletePath(obj, path) {
    var keys = path.split(".");
    for (var i = 0; i < keys.length - 1; i++) obj = obj[keys[i]];
    delete obj[keys[keys.length - 1]];
  }

  function setPath(obj, path, value) {
    var keys = path.split(".");
    for (var i = 0; i < keys.length - 1; i++) obj = obj[keys[i]];
    obj[keys[keys.length - 1]] = value;
  }

  function label(key) { return key.replace(/_/g, " "); }

  function input(path, value, key, optional, choices) {
    var el, numeric = typeof value === "number" || (optional && value == null);
    var strings = Array.isArray(value) && value.length && value.every(function (v) { return typeof v === "string"; });
    choices = choices || CHOICES[key];
    if (choices && strings) {  // a list of names (a depletion's groups): it was drawn letter by letter (ux35's walk)
      el = document.createElement("select"); el.multiple = true; el.size = Math.min(choices.length, 5);
      choices.forEach(function (c) { var o = document.createElement("option"); o.value = o.textContent = c; o.selected = value.indexOf(c) >= 0; el.appendChild(o); });
      el.title = "hold Ctrl (⌘ on a Mac) to pick more than one";
    } else if (choices) {
      el = document.createElement("select");
      // a value the list lacks (a drug set a file names by path, given on the command line) stays offered
      choices.concat(choices.indexOf(value) < 0 ? [value] : []).forEach(function (c) { var o = document.createElement("option"); o.value = o.textContent = c; el.appendChild(o); });
      el.value = value;
    } else if (typeof value === "boolean") {
      el = document.createElement("input"); el.type = "checkbox"; el.checked = value;
    } else if (numeric) {
      el = document.createElement("input"); el.type = "number"; el.step = "any"; el.value = value == null ? "" : value;
      if (optional) el.placeholder = "unset";
    } else if (Array.isArray(value)) {
      el = document.createElement("input"); el.value = value.join(", "); el.title = "numbers separated by commas";
    } else {
      el = document.createElement("input"); el.value = value;
    }
    el.setAttribute("data-path", path);
    el.addEventListener("change", function () {
      var v, kept = getPath(state.arms[state.editing].scenario, path);
      if (optional && el.value === "" && !el.validity.badInput) {  // emptied: unset, the schema's default
        remember();
        deletePath(state.arms[state.editing].scenario, path);
        schedule();
        return;
      }
      if (el.multiple) v = Array.prototype.filter.call(el.options, function (o) { return o.selected; }).map(function (o) { return o.value; });
      else if (el.type === "checkbox") v = el.checked;
      else if (numeric) v = el.value === "" ? NaN : Number(el.value);
      else if (Array.isArray(value) && !strings) v = el.value.split(",").map(function (s) { return s.trim(); }).filter(Boolean).map(Number);
      else v = el.value;
      // text in a number field reads as "" (the browser drops it): the field went blank and the results stayed
      // those of the old value, without a word (ux34c); say so and show the value the results are of again
      if ((typeof v === "number" && !isFinite(v)) || (Array.isArray(v) && !strings && (!v.length || v.some(function (x) { return !isFinite(x); })))) {
        el.value = Array.isArray(kept) ? kept.join(", ") : kept == null ? "" : kept;
        notRun(armName() + path + ": " + (Array.isArray(value) ? "numbers separated by commas" : "a number") +
          " is needed; it stays " + (el.value === "" ? "unset" : el.value));
        return;
      }
      remember();
      setPath(state.arms[state.editing].scenario, path, v);
      schedule();
    });
    return el;
  }

  // one labelled control; an unset optional field shows the schema's description under it
  function fieldRow(parent, p, value, key, optional, description, obj, choices) {
    var row = document.createElement("div"), lab = document.createElement("label"), el = input(p, value, key, optional, choices);
    row.className = "field"; lab.textContent = label(key); el.id = "f-" + p.replace(/\./g, "-");
    lab.htmlFor = el.id; row.appendChild(lab); row.appendChild(el); parent.appendChild(row);
    var hint = hintFor(key, obj || {}) || description || "";
    if (hint) {
      var line = document.createElement("p");
      line.className = "hint field-hint"; line.textContent = hint;
      parent.appendChild(line);
    }
    return el;
  }

  function fields(obj, path, parent) {
    var optional = OPTIONAL[obj.kind] || {}, names = NAMES[obj.kind] || {};
    Object.keys(obj).forEach(function (key) {
      var value = obj[key], p = path ? path + "." + key : key;
      if (key === "kind" || value === null || (Array.isArray(value) && !value.length)) return;
      if (APPLIES[key] && !APPLIES[key](obj)) return;
      var scalars = Array.isArray(value) && (value.every(function (v) { return typeof v === "number"; }) ||
                                              value.every(function (v) { return typeof v === "string"; }));
      if (Array.isArray(value) && !scalars) {
        value.forEach(function (item, i) {
          var fs = document.createElement("fieldset"), lg = document.createElement("legend");
          lg.textContent = label(key) + " " + (i + 1); fs.appendChild(lg); fs.setAttribute("data-group", p + "." + i);
          fields(item, p + "." + i, fs); parent.appendChild(fs);
        });
      } else if (typeof value === "object" && !scalars) {
        var fs = document.createElement("fieldset"), lg = document.createElement("legend");
        lg.textContent = label(key); fs.appendChild(lg); fs.setAttribute("data-group", p); fields(value, p, fs); parent.appendChild(fs);
      } else {
        var form = FORMS[obj.kind], spec = form && form.fields.filter(function (f) { return f.name === key; })[0];
        var el = fieldRow(parent, p, value, key, key in optional, obj.kind ? described(obj.kind, key) : "", obj,
                          names[key] || (spec && spec.type === "choices" ? spec.choices : undefined));
        // a rule's other fields follow its action
        if (key === "action") el.addEventListener("change", function () { renderEditor(); });
        // (after input()'s own listener has set the route; the run it asked for waits 250 ms and reads obj then)
        if (key === "route") el.addEventListener("change", function () { followRoute(obj); renderEditor(); });
      }
    });
    var unset = Object.keys(optional).filter(function (key) {
      return obj[key] == null && (!ROUTE_ONLY[key] || obj.route === ROUTE_ONLY[key]);
    });
    if (unset.length) {
      var more = document.createElement("details"), sum = document.createElement("summary");
      more.className = "optional"; sum.textContent = "other fields (unset: " + unset.map(label).join(", ") + ")";
      more.appendChild(sum);
      unset.forEach(function (key) {
        fieldRow(more, path ? path + "." + key : key, null, key, true, optional[key], obj);
      });
      parent.appendChild(more);
    }
  }

  // a drug's fields of one route after its route changed: dropped off that route (kept aside), restored on it
  function followRoute(obj) {
    var kept = DROPPED.get(obj) || {};
    Object.keys(ROUTE_ONLY).forEach(function (key) {
      if (obj.route !== ROUTE_ONLY[key] && obj[key] != null) { kept[key] = obj[key]; delete obj[key]; }
      else if (obj.route === ROUTE_ONLY[key] && obj[key] == null && kept[key] != null) { obj[key] = kept[key]; delete kept[key]; }
    });
    DROPPED.set(obj, kept);
  }

  // ---- add an intervention: a form per kind, drawn from the schema (/api/kinds), checked by the server ----
  function offerKinds(kinds) {
    var sel = $("add-kind");
    kinds.forEach(function (k) {
      FORMS[k.kind] = k;
      var o = document.createElement("option"); o.value = k.kind; o.textContent = label(k.kind);
      o.title = k.description.replace(/``/g, ""); sel.appendChild(o);
    });
  }

  // the bounds the schema gives a number, as a hint ("> 0 and ≤ 20000")
  function bounds(f) {
    var b = [];
    if (f.exclusiveMinimum != null) b.push("> " + f.exclusiveMinimum);
    if (f.minimum != null) b.push("≥ " + f.minimum);
    if (f.exclusiveMaximum != null) b.push("< " + f.exclusiveMaximum);
    if (f.maximum != null) b.push("≤ " + f.maximum);
    return b.join(" and ");
  }

  // ``siblings``: the fields of the form or group ``f`` is in (their names as keys), for hintFor: a G-CSF's
  // on_demand.start_day starts no cycle, and read "the run's day the first cycle starts" (review35a)
  function addField(parent, f, path, siblings) {
    var p = path ? path + "." + f.name : f.name, id = "add-" + p.replace(/\./g, "-");
    if (f.type === "group") {
      var fs = document.createElement("fieldset"), lg = document.createElement("legend");
      lg.textContent = label(f.name) + (f.required ? "" : " (optional)"); fs.appendChild(lg);
      fs.setAttribute("data-add-group", p);
      if (f.description) { var d = document.createElement("p"); d.className = "hint field-hint"; d.textContent = f.description.replace(/``/g, "").replace(/\s+/g, " "); fs.appendChild(d); }
      f.fields.forEach(function (g) { addField(fs, g, p, names(f.fields)); });
      fs.appendChild(errorLine(p)); parent.appendChild(fs);
      return;
    }
    var row = document.createElement("div"), lab = document.createElement("label"), el;
    row.className = "field";
    lab.textContent = label(f.name) + (f.required ? " *" : "");
    if (f.type === "list") {
      lab.textContent = label(f.name); el = document.createElement("span"); el.className = "hint";
      el.textContent = "none here (a scenario file can give them)";
    } else if (f.type === "unsupported") {  // a shape the form does not draw (a union, a mapping): said, not dropped
      el = document.createElement("span"); el.className = "hint unsupported";
      el.textContent = "set in a scenario file" + (f.required ? ": this kind cannot be added here" : "");
    } else if (f.type === "choice" || f.type === "choices") {
      el = document.createElement("select");
      if (f.type === "choices") { el.multiple = true; el.size = Math.min(f.choices.length, 5); el.title = "hold Ctrl (⌘ on a Mac) to pick more than one"; }
      else if (f.default == null) {  // (a field with a default shows it: "unset" would mean the same)
        var none = document.createElement("option"); none.value = ""; none.textContent = f.required ? "choose…" : "(unset)"; el.appendChild(none);
      }
      f.choices.forEach(function (c) { var o = document.createElement("option"); o.value = o.textContent = c; el.appendChild(o); });
      el.value = f.default != null ? f.default : "";
    } else if (f.type === "boolean") {
      el = document.createElement("input"); el.type = "checkbox"; el.checked = !!f.default;
    } else if (f.type === "number" || f.type === "integer") {
      el = document.createElement("input"); el.type = "number"; el.step = f.type === "integer" ? "1" : "any";
      el.value = f.default != null ? f.default : ""; el.placeholder = f.required ? "required" : "unset";
    } else if (f.type === "numbers") {
      el = document.createElement("input"); el.placeholder = "numbers separated by commas";
    } else {
      el = document.createElement("input"); el.value = f.default != null ? f.default : "";
      if (f.pattern) el.title = "lower-case letters, digits and _ (" + f.pattern + ")";
    }
    el.id = id; lab.htmlFor = id;
    el.setAttribute("data-add-path", p); el.setAttribute("data-add-type", f.type);
    row.appendChild(lab); row.appendChild(el); parent.appendChild(row);
    var hint = [hintFor(f.name, siblings || {}), f.description ? f.description.replace(/``/g, "") : "", bounds(f)].filter(Boolean).join("; ");
    if (hint) { var line = document.createElement("p"); line.className = "hint field-hint"; line.textContent = hint; parent.appendChild(line); }
    parent.appendChild(errorLine(p));
  }

  function names(fields) {
    var out = {};
    fields.forEach(function (f) { out[f.name] = true; });
    return out;
  }

  // the required fields the form cannot give (type "unsupported", in groups too): the kind is added from a file
  function unsupported(fields, path) {
    var out = [];
    fields.forEach(function (f) {
      var p = path ? path + "." + f.name : f.name;
      if (f.type === "group" && f.required) out = out.concat(unsupported(f.fields, p));
      else if (f.type === "unsupported" && f.required) out.push(p);
    });
    return out;
  }

  function errorLine(p) {
    var e = document.createElement("p"); e.className = "field-error"; e.hidden = true; e.setAttribute("data-error-for", p);
    return e;
  }

  function addTarget() { return "add to " + (state.arms.length > 1 ? "arm " + state.arms[state.editing].name : "the scenario"); }

  function renderAddForm() {
    var box = $("add-form"), kind = $("add-kind").value, form = FORMS[kind];
    box.innerHTML = ""; box.hidden = !form;
    if (!form) return;
    var intro = document.createElement("p"); intro.className = "hint";
    intro.textContent = form.description.replace(/``/g, "") + " (* must be given; the rest have the defaults shown or stay unset)";
    box.appendChild(intro);
    box.appendChild(errorLine(""));
    form.fields.forEach(function (f) { addField(box, f, "", names(form.fields)); });
    var go = document.createElement("button"); go.type = "button"; go.id = "add-submit";
    go.textContent = addTarget();
    go.addEventListener("click", submitAdd);
    var cancel = document.createElement("button"); cancel.type = "button"; cancel.textContent = "cancel";
    cancel.addEventListener("click", function () { $("add-kind").value = ""; renderAddForm(); });
    box.appendChild(go); box.appendChild(cancel);
    blockUnsupported();
  }

  // a required field the form cannot give: the server could only refuse the kind, so the form says so at its top
  // and is not sent
  function blockUnsupported() {
    var form = FORMS[$("add-kind").value], blocked = form ? unsupported(form.fields, "") : [];
    if (!blocked.length) return;
    $("add-submit").disabled = true;
    showAddProblems(blocked.map(function (p) {
      return {field: "", message: p + ": must be given, and only a scenario file can set it (upload one)"};
    }));
  }

  // the form's values as the schema's data: an unset field (empty) is left out, for the schema's default; an
  // optional group (a G-CSF's schedule or on_demand) is left out when none of its fields is given but defaults;
  // a number field holding text is a problem of its own, said beside it
  function collect(fields, path, problems) {
    var out = {}, given = false;
    fields.forEach(function (f) {
      var p = path ? path + "." + f.name : f.name, v;
      if (f.type === "group") {
        var sub = collect(f.fields, p, problems);
        if (sub.given || f.required) out[f.name] = sub.data;
        return;
      }
      if (f.type === "list" || f.type === "unsupported") return;
      var el = document.querySelector("[data-add-path='" + p + "']");
      if (f.type === "choices") v = Array.prototype.filter.call(el.options, function (o) { return o.selected; }).map(function (o) { return o.value; });
      else if (f.type === "boolean") v = el.checked;
      else if (f.type === "number" || f.type === "integer") {
        if (el.validity.badInput) { problems.push({field: p, message: "a number is needed"}); return; }
        v = el.value === "" ? undefined : Number(el.value);
      } else if (f.type === "numbers") {
        var parts = el.value.split(",").map(function (x) { return x.trim(); }).filter(Boolean);
        if (parts.some(function (x) { return !isFinite(Number(x)); })) { problems.push({field: p, message: "numbers separated by commas are needed"}); return; }
        v = parts.length ? parts.map(Number) : undefined;
      } else v = el.value === "" ? undefined : el.value;
      if (v === undefined || (Array.isArray(v) && !v.length && !f.required)) return;
      out[f.name] = v;
      if (f.default === undefined || JSON.stringify(f.default) !== JSON.stringify(v)) given = true;
    });
    return {data: out, given: given};
  }

  function showAddProblems(problems) {
    document.querySelectorAll("#add-form .field-error").forEach(function (e) { e.hidden = true; e.textContent = ""; });
    problems.forEach(function (pr) {
      // beside the field named, or its group, or (a problem of the whole, or elsewhere in the arm) at the top
      var slot = null, p = pr.field == null ? null : pr.field;
      while (p !== null && !(slot = document.querySelector("#add-form [data-error-for='" + p + "']")))
        p = p.indexOf(".") >= 0 ? p.slice(0, p.lastIndexOf(".")) : p === "" ? null : "";
      slot = slot || document.querySelector("#add-form [data-error-for='']");
      slot.hidden = false;
      slot.textContent = (slot.textContent ? slot.textContent + "\n" : "") + pr.message;
    });
  }

  function submitAdd() {
    var form = FORMS[$("add-kind").value], problems = [];
    if (!form) return;
    var data = collect(form.fields, "", problems).data;
    if (problems.length) { showAddProblems(problems); return; }
    var intervention = Object.assign({kind: form.kind}, data), editing = state.editing;
    api("/api/add-intervention", {arms: state.arms, editing: editing, intervention: intervention})
      .then(function (r) { return r.json(); }).then(function (res) {
        if (!res.ok) { showAddProblems(res.problems); return; }
        remember();
        var scenario = state.arms[editing].scenario;
        (scenario.interventions = scenario.interventions || []).push(res.intervention);
        $("add-kind").value = ""; renderAddForm(); renderEditor(); run();
      }).catch(showError);
  }

  function renderTabs() {
    var tabs = $("arm-tabs"); tabs.innerHTML = "";
    if (state.arms.length < 2) return;
    state.arms.forEach(function (arm, k) {
      var b = document.createElement("button");
      b.type = "button"; b.id = "arm-tab-" + k; b.textContent = "arm " + arm.name;
      b.className = k === state.editing ? "active" : "";
      b.addEventListener("click", function () { state.editing = k; renderEditor(); save(); });
      tabs.appendChild(b);
    });
  }

  function renderParameters(scenario) {
    var box = $("parameters"); box.innerHTML = "";
    var params = scenario.parameters || (scenario.parameters = {});
    Object.keys(params).forEach(function (name) {
      var row = document.createElement("div"), lab = document.createElement("label");
      row.className = "field"; lab.textContent = name;
      var info = state.parameters[name];
      if (info) lab.title = info.description + " (" + info.unit + ")";
      var el = input("parameters." + name, params[name], name);
      el.id = "param-" + name;
      var rm = document.createElement("button");
      rm.type = "button"; rm.className = "remove"; rm.textContent = "remove";
      rm.addEventListener("click", function () { remember(); delete params[name]; renderEditor(); schedule(); });
      lab.appendChild(rm); row.appendChild(lab); row.appendChild(el); box.appendChild(row);
    });
    if (!Object.keys(params).length) box.innerHTML = "<p class='hint'>none changed: the cited values</p>";
  }

  function renderEditor() {
    var scenario = state.arms[state.editing].scenario;
    renderTabs();
    $("patient").innerHTML = "";
    fields(scenario.patient, "patient", $("patient"));
    $("interventions").innerHTML = "";
    (scenario.interventions || []).forEach(function (iv, i) {
      var fs = document.createElement("fieldset"), lg = document.createElement("legend");
      lg.textContent = label(iv.kind); fs.appendChild(lg); fs.setAttribute("data-group", "interventions." + i);
      // an arm without one of them (docetaxel with and without pegfilgrastim): nothing could be taken out, and a
      // dose of 0 is refused (ux34c); "start again" brings it back, with the example's other values
      var rm = document.createElement("button");
      rm.type = "button"; rm.className = "remove"; rm.textContent = "remove"; rm.id = "remove-intervention-" + i;
      rm.title = "take this intervention out of " + (state.arms.length > 1 ? "arm " + state.arms[state.editing].name : "the scenario");
      rm.addEventListener("click", function () { remember(); scenario.interventions.splice(i, 1); renderEditor(); schedule(); });
      lg.appendChild(rm);
      fields(iv, "interventions." + i, fs); $("interventions").appendChild(fs);
    });
    if (!(scenario.interventions || []).length) $("interventions").innerHTML = "<p class='hint'>none</p>";
    renderParameters(scenario);
    $("duration").value = scenario.duration_days;
    renderUndo();
    if ($("add-submit")) $("add-submit").textContent = addTarget();
  }

  // the arms as edited, kept in this tab's session storage: a reload showed the first example again and every edit
  // was lost (ux34c); a fresh tab, picking an example, or another explorer (its session) starts from the example
  var SAVED = "hemasim-explorer";
  // the undo history goes first when the tab's storage is full (a few MB: 50 snapshots of a 200 kB upload overflow
  // it, and the save failed whole, so a reload showed edits long gone: review35a): the oldest half of it is dropped
  // until it fits, then all of it, then the upload kept for "start again"; the arms are always saved where they fit
  function save() {
    var kept = {session: state.session, example: $("example").value, arms: state.arms, editing: state.editing,
                upload: state.upload, history: state.history};
    for (;;) {
      try { sessionStorage.setItem(SAVED, JSON.stringify(kept)); break; }
      catch (e) {  // storage off, or full
        if (kept.history.length) kept.history = kept.history.slice(Math.ceil(kept.history.length / 2));
        else if (kept.upload) kept.upload = undefined;
        else return;  // (storage off, or the arms alone too big: a reload starts afresh)
      }
    }
    if (kept.history.length < state.history.length) { state.history = kept.history; renderUndo(); }
  }
  // the state an edit is about to change, kept for "undo"
  // (with the upload the list offers: undoing a second upload left "(uploaded: second.yaml)" in the list, and
  // "start again" loaded the second file; review35a)
  function snapshot(example) {
    return JSON.stringify({arms: state.arms, editing: state.editing, upload: state.upload || null,
                           example: example === undefined ? $("example").value : example});
  }
  function remember(before) {
    if (!state.arms.length) return;  // (the first scenario shown: nothing to go back to)
    state.history.push(before || snapshot());
    if (state.history.length > UNDO_LEVELS) state.history.shift();
    renderUndo();
  }
  function renderUndo() {
    var n = state.history.length;
    $("undo").disabled = !n;
    $("undo").title = n ? "undo the last edit (" + n + (n > 1 ? " edits" : " edit") + " can be undone, up to " +
      UNDO_LEVELS + "; Ctrl+Z outside a text field)" : "nothing to undo";
  }
  // the add form keeps what was typed in it (undo cleared a half-filled form: review35a); its target follows
  function undo() {
    if (!state.history.length) return;
    var last = JSON.parse(state.history.pop());
    if ("upload" in last) {  // (a snapshot kept before the upload was in them: the upload stays as it is)
      if (last.upload) offerUpload(last.upload);
      else dropUpload();
    }
    if (Array.prototype.some.call($("example").options, function (o) { return o.value === last.example; }))
      $("example").value = last.example;
    clearTimeout(state.timer);
    loadArms({arms: last.arms}, last.editing, true);
  }
  function savedState() {
    try { return JSON.parse(sessionStorage.getItem(SAVED) || "null"); } catch (e) { return null; }
  }

  // an uploaded file is the list's "(uploaded: NAME)" entry, and "start again" (after a reload too) returns to it:
  // the list showed the example before it and "start again" loaded that (mend34d). Its arms as read are kept with
  // the tab's edits; the server does not keep uploads
  var UPLOADED = "(upload)";
  function offerUpload(upload) {
    var sel = $("example"), o = sel.querySelector("option[value='" + UPLOADED + "']");
    if (!o) { o = document.createElement("option"); o.value = UPLOADED; sel.insertBefore(o, sel.firstChild); }
    o.textContent = "(uploaded: " + upload.source + ")"; o.title = "the file uploaded, as read";
    state.upload = upload; sel.value = UPLOADED;
  }
  function dropUpload() {
    var o = $("example").querySelector("option[value='" + UPLOADED + "']");
    if (o) o.remove();
    state.upload = undefined;
  }

  function loadArms(data, editing, keepForm) {
    state.shown = $("example").value;
    state.arms = data.arms; state.editing = editing && editing < data.arms.length ? editing : 0;
    $("compare").checked = state.arms.length > 1;
    renderEditor();
    if (keepForm && FORMS[$("add-kind").value]) { showAddProblems([]); blockUnsupported(); }  // (of the arms undone)
    else renderAddForm();
    run();
  }

  function schedule() {
    save();  // now, not at the run 250 ms on: an edit followed at once by a reload was lost
    clearTimeout(state.timer);
    state.timer = setTimeout(run, 250);
  }

  function run() {
    var seq = ++state.seq, restored = state.restored;
    state.restored = false;  // said by the first run after the restore only: a later one may run other edits
    save();
    $("status").textContent = "running…";
    api("/api/run", {arms: state.arms}).then(function (r) { return r.json(); }).then(function (res) {
      if (seq !== state.seq) return;  // a newer run was asked for
      showError(null); markFields(null);
      renderNotes(res.arms);
      renderEndpoints(res.arms);
      HemaPlot.renderAll($("plots"), res.plots);
      $("status").textContent = "ran " + res.arms.length + (res.arms.length > 1 ? " arms" : " arm") + " in " +
        Math.round(res.elapsed_s * 1000) + " ms" + (restored ? " (your edits, kept over the reload)" : "");
    }).catch(function (err) { if (seq === state.seq) { showError(err); markFields(err.message); } });
  }

  // what the report says above its plots: plausibility questions, PK-only drugs, what a fitted kill rests on
  function renderNotes(arms) {
    var box = $("notes"), items = [];
    arms.forEach(function (a) {
      (a.notes || []).forEach(function (n) { items.push((arms.length > 1 ? "arm " + a.name + ": " : "") + n); });
    });
    box.innerHTML = items.map(function (n) { return "<li>" + escapeHtml(n) + "</li>"; }).join("");
    box.hidden = !items.length;
  }

  function renderEndpoints(arms) {
    var table = document.createElement("table"), head = "<tr><th>endpoint</th>";
    arms.forEach(function (a) { head += "<th>" + (arms.length > 1 ? "arm " + escapeHtml(a.name) : "value") + "</th>"; });
    table.innerHTML = head + "<th>unit</th></tr>";
    // every arm's endpoints, in the order they first appear: an arm B with a drug arm A lacks showed no row for it
    var rows = [], seen = {};
    arms.forEach(function (a) {
      a.endpoints.forEach(function (e) { if (!seen[e.name]) { seen[e.name] = true; rows.push(e); } });
    });
    rows.forEach(function (e) {
      var tr = document.createElement("tr");
      tr.setAttribute("data-endpoint", e.name);
      tr.title = e.definition;
      var cells = "<td><code>" + escapeHtml(e.name) + "</code></td>";
      arms.forEach(function (a) {
        var x = a.endpoints.filter(function (f) { return f.name === e.name; })[0];
        cells += "<td class='num'>" + (x ? escapeHtml(x.text) : "–") + "</td>";
      });
      tr.innerHTML = cells + "<td>" + escapeHtml(e.unit_text || e.unit) + "</td>";
      table.appendChild(tr);
    });
    $("endpoints").innerHTML = ""; $("endpoints").appendChild(table);
  }

  function escapeHtml(t) {
    return String(t).replace(/[&<>"']/g, function (c) { return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]; });
  }

  function download(kind) {
    api("/api/download/" + kind, {arms: state.arms}).then(function (r) {
      var name = (r.headers.get("Content-Disposition") || "").replace(/.*filename="([^"]+)".*/, "$1") || "hemasim." + kind;
      return r.blob().then(function (blob) {
        var a = document.createElement("a");
        a.href = URL.createObjectURL(blob); a.download = name;
        document.body.appendChild(a); a.click(); a.remove();
        setTimeout(function () { URL.revokeObjectURL(a.href); }, 1000);
      });
    }).catch(showError);
  }

  function start() {
    HemaPlot.installCss();
    api("/api/parameters").then(function (r) { return r.json(); }).then(function (res) {
      var list = $("param-names");
      res.parameters.forEach(function (p) {
        state.parameters[p.name] = p;
        var o = document.createElement("option"); o.value = p.name; list.appendChild(o);
      });
    });
    api("/api/choices").then(function (r) { return r.json(); }).then(function (res) {
      CHOICES = res.choices; OPTIONAL = res.optional || {}; ROUTE_ONLY = res.route_only || {}; NAMES = res.names || {};
      return api("/api/kinds");
    }).then(function (r) { return r.json(); }).then(function (res) {
      offerKinds(res.kinds);
      return api("/api/examples");
    }).then(function (r) { return r.json(); }).then(function (res) {
      var sel = $("example"); sel.innerHTML = "";
      if (res.initial) { var o = document.createElement("option"); o.value = "initial"; o.textContent = "(the scenario given)"; sel.appendChild(o); }
      res.examples.forEach(function (e) {
        var o = document.createElement("option"); o.value = e.id; o.textContent = e.id; o.title = e.description; sel.appendChild(o);
      });
      state.session = res.session;
      var saved = savedState();
      if (saved && saved.session === res.session && saved.upload && Array.isArray(saved.upload.arms) &&
          saved.upload.arms.length) offerUpload({source: String(saved.upload.source), arms: saved.upload.arms});
      var known = Array.prototype.some.call(sel.options, function (o) { return saved && o.value === saved.example; });
      if (known && saved.session === res.session && Array.isArray(saved.arms) && saved.arms.length) {
        sel.value = saved.example; state.restored = true;
        state.history = Array.isArray(saved.history) ? saved.history.filter(function (h) { return typeof h === "string"; }) : [];
        try { loadArms({arms: saved.arms}, saved.editing); return; }
        catch (e) { state.restored = false; try { sessionStorage.removeItem(SAVED); } catch (e2) { /* off */ } }
      }
      var first = res.initial || (res.examples.some(function (e) { return e.id === "healthy_adult"; }) ? "healthy_adult" : sel.value);
      sel.value = first;
      if (first) pick(first);
    }).catch(showError);
    // another example, or "start again": undoable like an edit (a "start again" dropped every edit for good)
    $("example").addEventListener("change", function () { pick($("example").value, state.shown); });
    $("reset").addEventListener("click", function () { if ($("example").value) pick($("example").value, $("example").value); });
    $("undo").addEventListener("click", undo);
    document.addEventListener("keydown", function (ev) {
      // Ctrl+Z in a text field is the field's own undo of its text; elsewhere (a checkbox, a choice list, a button
      // too: it was ignored there, review35a) it undoes the last edit
      if ((ev.ctrlKey || ev.metaKey) && !ev.shiftKey && (ev.key === "z" || ev.key === "Z") &&
          !typing(ev.target)) { ev.preventDefault(); undo(); }
    });
    $("add-kind").addEventListener("change", function () { renderAddForm(); });
    $("upload").addEventListener("change", function () {
      var file = $("upload").files[0];
      if (!file) return;
      file.text().then(function (text) { return api("/api/upload", {yaml: text, filename: file.name}); })
        .then(function (r) { return r.json(); }).then(function (data) {
          remember();
          offerUpload({source: data.source, arms: JSON.parse(JSON.stringify(data.arms))});
          loadArms(data);
        }).catch(showError);
    });
    $("duration").addEventListener("change", function () {
      var d = $("duration").value === "" ? NaN : Number($("duration").value);
      if (!(d > 0) || !isFinite(d)) {
        $("duration").value = state.arms[0].scenario.duration_days;
        notRun("duration_days: a number of days above 0 is needed; it stays " + $("duration").value);
        return;
      }
      remember();
      state.arms.forEach(function (a) { a.scenario.duration_days = d; });
      schedule();
    });
    $("compare").addEventListener("change", function () {
      remember();
      if ($("compare").checked && state.arms.length < 2) {
        state.arms.push({name: "B", scenario: JSON.parse(JSON.stringify(state.arms[0].scenario))});
        if (state.arms[0].name === "B") state.arms[0].name = "A";
        state.editing = 1;
      } else if (!$("compare").checked) {
        state.arms = state.arms.slice(0, 1); state.editing = 0;
      }
      renderEditor(); run();
    });
    $("param-name").addEventListener("input", function () {
      var typed = $("param-name").value, p = state.parameters[typed];
      // a part of a name said nothing until the whole was typed ("gcsf": ux35's walk): say how many names hold it
      var like = typed.length < 2 || p ? [] : Object.keys(state.parameters).filter(function (n) { return n.indexOf(typed.toLowerCase()) >= 0; });
      $("param-hint").textContent = p ? p.description + " — default " + p.value + " " + p.unit :
        typed.length < 2 ? "" : like.length ? like.length + (like.length > 1 ? " parameters hold" : " parameter holds") +
          " \u201c" + typed + "\u201d: pick one from the list (" + like.slice(0, 3).join(", ") + (like.length > 3 ? ", …" : "") + ")"
          : "no parameter holds \u201c" + typed + "\u201d (docs/parameters.md lists them)";
    });
    $("param-add").addEventListener("click", function () {
      var p = state.parameters[$("param-name").value];
      if (!p) { showError("parameter " + JSON.stringify($("param-name").value) + ": not in the parameter table"); return; }
      var scenario = state.arms[state.editing].scenario;
      remember();
      (scenario.parameters = scenario.parameters || {})[p.name] = p.value;
      $("param-name").value = ""; renderEditor(); schedule();
    });
    ["yaml", "csv", "json"].forEach(function (k) { $("download-" + k).addEventListener("click", function () { download(k); }); });
  }

  // a field where Ctrl+Z undoes typing: a text area, an input of text (a number's too), an editable element
  function typing(el) {
    if (!el) return false;
    if (el.tagName === "TEXTAREA" || el.isContentEditable) return true;
    return el.tagName === "INPUT" && ["checkbox", "radio", "button", "submit", "reset", "file", "range", "color"]
      .indexOf(el.type) < 0;
  }

  // ``from``: the example shown before (an edit to undo); none on the first load
  function pick(id, from) {
    var before = from === undefined ? null : snapshot(from);
    if (id === UPLOADED && state.upload) {  // (a stored upload of the wrong shape: said, not a raw script error)
      try { if (before) remember(before); loadArms(JSON.parse(JSON.stringify(state.upload))); } catch (e) { showError("the upload kept: " + e.message + "; upload the file again"); }
      return;
    }
    api("/api/example/" + encodeURIComponent(id)).then(function (r) { return r.json(); }).then(function (data) {
      if (before) remember(before);
      loadArms(data);
    }).catch(showError);
  }

  start();
})();
