"""docs/equations.md, generated from the code: the healthy model's equations, every state's ODE as the sum of its
flows, every flow's flux law and every feedback, with the parameters each was built from (linked to their rows of
docs/parameters.md) and where interventions enter.

``python -m hemasim.model.equations > docs/equations.md``; tests/test_equations.py keeps the page current. The
formulas are the SBML exporter's (:func:`hemasim.model.sbml.flow_rate_formula`, :func:`~hemasim.model.sbml.
feedback_formula`, :func:`~hemasim.model.sbml.signal_formula`, the laws' from :data:`hemasim.model.laws.LAWS`),
parsed by libSBML and written here as LaTeX with the patient's numbers in place of the SBML parameter ids, so the page
shows the equations the solvers and the SBML export integrate, not a second writing of them.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from hemasim.model.core import FeedbackKind, Model, Module
from hemasim.model.laws import LAWS
from hemasim.model.sbml import feedback_formula, flow_rate_formula, sbml_parameter_values, signal_formula
from hemasim.parameters.core import Derived

if TYPE_CHECKING:
    from hemasim.biology.builder import BuildContext

#: the page's link to a parameter's row (docs/parameters.md writes an anchor named after the parameter)
PARAMETER_PAGE = "parameters.md"
#: the drug set whose module the page writes out as an example of an extension: a cycle-dependent chemotherapy
#: with a fitted full-model kill (docs/chemotherapy_full_model.md)
EXAMPLE_DRUG_SET = "docetaxel_kloft2006"


# ---------------------------------------------------------------------------------------------- SBML math to LaTeX
def tex_name(name: str) -> str:
    """A model name in math: typewriter, underscores escaped."""
    return r"\mathtt{" + name.replace("_", r"\_") + "}"


def tex_number(value: float) -> str:
    """A number in 5 significant digits, powers of ten as LaTeX."""
    if value == int(value) and abs(value) < 1e6:
        return str(int(value))
    mantissa, _, exponent = f"{value:.5g}".partition("e")
    return mantissa if not exponent else rf"{mantissa} \times 10^{{{int(exponent)}}}"


@dataclass(frozen=True)
class _Tex:
    """A rendered sub-expression: its LaTeX, its precedence (for brackets) and its value when it is a constant."""

    tex: str
    prec: int  # 0 relation/logic, 1 sum, 2 product or quotient, 3 power, 4 atom
    value: float | None = None


def _const(value: float) -> _Tex:
    return _Tex(tex_number(value) if value >= 0 else "-" + tex_number(-value), 4 if value >= 0 else 2, value)


def _wrap(t: _Tex, prec: int) -> str:
    return t.tex if t.prec >= prec else rf"\left({t.tex}\right)"


def sbml_to_tex(formula: str, names: Mapping[str, str], values: Mapping[str, float]) -> str:
    """An SBML L3 infix formula as LaTeX: ids in ``values`` become their numbers, ids in ``names`` their symbols;
    a sum drops zero terms, a product unit factors, a power the exponent 1; ``piecewise(a, a > b, b)`` is max(a, b)."""
    import libsbml  # the SBML exporter's own dependency, loaded only here

    ast = libsbml.parseL3Formula(formula)
    if ast is None:
        raise ValueError(f"cannot parse {formula!r}: {libsbml.getLastParseL3Error()}")
    return _tex(libsbml, ast, names, values).tex


def _tex(lib: Any, node: Any, names: Mapping[str, str], values: Mapping[str, float]) -> _Tex:
    t = node.getType()
    kids = [node.getChild(i) for i in range(node.getNumChildren())]

    def sub(k: Any) -> _Tex:
        return _tex(lib, k, names, values)

    if t in (lib.AST_INTEGER, lib.AST_REAL, lib.AST_REAL_E, lib.AST_RATIONAL):
        return _const(float(node.getValue()) if t != lib.AST_INTEGER else float(node.getInteger()))
    if t == lib.AST_NAME_TIME:
        return _Tex("t", 4)
    if t == lib.AST_NAME:
        name = node.getName()
        if name in values:
            return _const(float(values[name]))
        return _Tex(names.get(name, tex_name(name)), 4)
    if t == lib.AST_PLUS:
        terms = [s for s in map(sub, kids) if s.value != 0.0]
        if all(s.value is not None for s in terms):
            return _const(sum(s.value for s in terms if s.value is not None))
        out = terms[0].tex
        for s in terms[1:]:
            out += f" - {s.tex[1:]}" if s.tex.startswith("-") else f" + {s.tex}"
        return _Tex(out, 1) if len(terms) > 1 else terms[0]
    if t == lib.AST_MINUS:
        parts = list(map(sub, kids))
        if len(parts) == 1:
            a = parts[0]
            # prec 2: a product may start with it unbracketed; anywhere else it is bracketed
            return _const(-a.value) if a.value is not None else _Tex("-" + _wrap(a, 3), 2)
        a, b = parts
        if b.value == 0.0:
            return a
        if a.value is not None and b.value is not None:
            return _const(a.value - b.value)
        return _Tex(f"{a.tex} - {_wrap(b, 2 if not b.tex.startswith('-') else 3)}", 1)
    if t == lib.AST_TIMES:  # the constant factors multiplied into one coefficient, in front
        parts = list(map(sub, kids))
        coef = math.prod(s.value for s in parts if s.value is not None)
        factors = [s for s in parts if s.value is None]
        if coef == 0.0 or not factors:
            return _const(coef)
        body = r"\,".join(_wrap(s, 2) if i == 0 and coef == 1.0 else _wrap(s, 3) for i, s in enumerate(factors))
        if coef == 1.0:
            return factors[0] if len(factors) == 1 else _Tex(body, 2)
        return _Tex(f"-{body}" if coef == -1.0 else rf"{_const(coef).tex}\,{body}", 2)
    if t == lib.AST_DIVIDE:
        a, b = map(sub, kids)
        if b.value == 1.0:
            return a
        if a.prec == 2 and a.tex.startswith("-"):  # a negated numerator: the sign in front, for the sum it stands in
            return _Tex(rf"-\frac{{{a.tex[1:]}}}{{{b.tex}}}", 2)
        return _Tex(rf"\frac{{{a.tex}}}{{{b.tex}}}", 3)
    if t in (lib.AST_POWER, lib.AST_FUNCTION_POWER):
        a, b = map(sub, kids)
        if b.value == 1.0:
            return a
        return _Tex(f"{_wrap(a, 4)}^{{{b.tex}}}", 3)
    if t == lib.AST_FUNCTION_EXP:
        return _Tex(rf"\exp\left({sub(kids[0]).tex}\right)", 4)
    if t == lib.AST_FUNCTION_PIECEWISE:
        return _piecewise(lib, kids, sub)
    relations = {lib.AST_RELATIONAL_GT: ">", lib.AST_RELATIONAL_LT: "<", lib.AST_RELATIONAL_GEQ: r"\ge",
                 lib.AST_RELATIONAL_LEQ: r"\le", lib.AST_RELATIONAL_EQ: "="}
    if t in relations:
        return _Tex(f" {relations[t]} ".join(sub(k).tex for k in kids), 0)
    if t == lib.AST_LOGICAL_AND:
        return _Tex(r" \wedge ".join(sub(k).tex for k in kids), 0)
    raise ValueError(f"no LaTeX for SBML node {lib.formulaToL3String(node)!r}")


def _piecewise(lib: Any, kids: Sequence[Any], sub: Callable[[Any], _Tex]) -> _Tex:
    """``piecewise(a, a > b, b)`` (the SBML laws' max) as max(a, b); otherwise cases."""
    if len(kids) == 3 and kids[1].getType() == lib.AST_RELATIONAL_GT and kids[1].getNumChildren() == 2:
        same = lib.formulaToL3String
        if same(kids[0]) == same(kids[1].getChild(0)) and same(kids[2]) == same(kids[1].getChild(1)):
            a, b = sub(kids[0]), sub(kids[2])
            if a.value is not None and b.value is not None:
                return _const(max(a.value, b.value))
            return _Tex(rf"\max\left({a.tex},\ {b.tex}\right)", 4)
    rows = [rf"{sub(kids[i]).tex} & {sub(kids[i + 1]).tex}" for i in range(0, len(kids) - 1, 2)]
    if len(kids) % 2:
        rows.append(rf"{sub(kids[-1]).tex} & \text{{otherwise}}")
    return _Tex(r"\begin{cases}" + r" \\ ".join(rows) + r"\end{cases}", 4)


# ---------------------------------------------------------------------------------------------- the page
def _law_parameter_names(kind: FeedbackKind) -> list[str]:
    """The names of a law's parameters p0..p4, as its value function names them (unused ones are p2, p3...)."""
    return list(inspect.signature(LAWS[kind].value).parameters)[2:]


def _count(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _names(names: Sequence[str]) -> str:
    """Names as code, a long run (a maturation chain) as its first two, an ellipsis and its last."""
    shown = [f"`{n}`" for n in names]
    if len(shown) > 4:
        shown = [*shown[:2], f"... ({len(shown) - 3} more)", shown[-1]]
    return ", ".join(shown) or "(none)"


def _plain(value: float) -> str:
    return f"{value:.6g}"


class _Page:
    """One compiled patient's numbers and symbols, and its modules written out as tables."""

    def __init__(self, model: Model, linked: set[str]) -> None:
        self.model = model
        self.compiled = c = model.compile()
        if c.n_patients is not None:
            raise ValueError("the equations page is written for one patient")
        self.linked = linked  # parameters with a row in docs/parameters.md
        self.values = sbml_parameter_values(c)
        self.symbols = {name: f"x_{{{tex_name(name)}}}" for name in c.state_names}
        self.symbols |= {f"sig_{name}": f"S_{{{tex_name(name)}}}" for name in c.signal_names}
        self.symbols |= {f"fb_{name}": f"f_{{{tex_name(name)}}}" for name in c.feedback_names}
        self.state_of = {n: i for i, n in enumerate(c.state_names)}
        self.flow_of = {n: f for f, n in enumerate(c.flow_names)}
        self.fb_of = {n: k for k, n in enumerate(c.feedback_names)}
        self.sig_of = {n: i for i, n in enumerate(c.signal_names)}
        self.obs_of = {n: i for i, n in enumerate(c.observable_names)}
        self.module_of_flow = {f.name: m.name for m in model.modules for f in m.flows}
        self.fb_flows: dict[str, list[str]] = {}
        for f, fname in enumerate(c.flow_names):
            for k in c.flow_fb[f]:
                if k >= 0:
                    self.fb_flows.setdefault(c.feedback_names[k], []).append(fname)
        # a yield that closes a steady-state balance is a derived parameter's value: its row says how (float
        # equality: the flow carries that very number)
        self.derived = {float(p.value): p.name for p in c.parameters.values()
                        if isinstance(p.provenance, Derived) and p.name in c.used_parameters and p.name in linked}

    def tex(self, formula: str) -> str:
        return sbml_to_tex(formula, self.symbols, self.values)

    def parameter(self, name: str) -> str:
        """A parameter with its value and unit, linked to its row of docs/parameters.md where it has one."""
        p = self.compiled.parameters[name]
        unit = "" if p.unit == "1" else f" {p.unit}"
        shown = f"[`{name}`]({PARAMETER_PAGE}#{name})" if name in self.linked else f"`{name}`"
        return f"{shown} = {p.value:.6g}{unit}"

    def parameters(self, names: Sequence[str]) -> str:
        return "; ".join(self.parameter(n) for n in names) or "(none)"

    def ode(self, i: int) -> str:
        """The right-hand side of state ``i``: yield x flux in, minus consume x flux out, term by term."""
        c = self.compiled
        terms: list[str] = []
        for f, fname in enumerate(c.flow_names):
            coef = (float(c.yield_[f]) if c.dst[f] == i else 0.0) - (float(c.consume[f]) if c.src[f] == i else 0.0)
            if coef == 0.0:
                continue
            size = "" if abs(coef) == 1.0 else tex_number(abs(coef)) + r"\,"
            terms.append(f"{'-' if coef < 0 else '+'} {size}\\phi_{{{tex_name(fname)}}}")
        if not terms:
            return "0"
        return " ".join([terms[0][2:] if terms[0].startswith("+") else terms[0], *terms[1:]])

    def module(self, module: Module, level: str = "##") -> list[str]:
        """A module's states (with their ODEs), flows, signals and feedbacks."""
        c = self.compiled
        counts = ", ".join(_count(len(items), what) for items, what in (
            (module.compartments, "state"), (module.flows, "flow"), (module.signals, "signal"),
            (module.feedbacks, "feedback"), (module.observables, "observable")) if items)
        lines = ["", f"{level} Module `{module.name}`", "", f"{counts}."]
        if module.compartments:
            lines += ["", f"{level}# States", "", "| state | description | initial | $dx/dt$ |",
                      "|---|---|---|---|"]
            for comp in module.compartments:
                i = self.state_of[comp.name]
                lines.append(f"| `{comp.name}` | {comp.description.replace('|', '/')} | {_plain(float(c.x0[i]))} | "
                             f"${self.ode(i)}$ |")
        if module.flows:
            lines += ["", f"{level}# Flows", "",
                      "| flow | kind | source → target | $\\phi$ (per day) | $c$, $y$ | built from |",
                      "|---|---|---|---|---|---|"]
            for flow in module.flows:
                f = self.flow_of[flow.name]
                y = float(c.yield_[f])
                cy = f"{_plain(float(c.consume[f]))}, {_plain(y)}" + (
                    f" ([`{self.derived[y]}`]({PARAMETER_PAGE}#{self.derived[y]}))" if y in self.derived else "")
                built = list(flow.parameters)
                k = float(c.rate[f])
                if k in self.derived and self.derived[k] not in built:  # a rate that closes a balance (a death rate)
                    built.append(self.derived[k])
                lines.append(f"| `{flow.name}` | {flow.kind} | `{flow.source or '(source)'}` → "
                             f"`{flow.target or '(out)'}` | ${self.tex(flow_rate_formula(c, f))}$ | {cy} | "
                             f"{self.parameters(built)} |")
        if module.signals:
            lines += ["", f"{level}# Signals", "", "| signal | $S$ |", "|---|---|"]
            lines += [f"| `{sig.name}` | ${self.tex(signal_formula(c, self.sig_of[sig.name]))}$ |"
                      for sig in module.signals]
        if module.feedbacks:
            lines += ["", f"{level}# Feedbacks", "",
                      "| feedback | law | reads | $f$ | multiplies the flows | built from |", "|---|---|---|---|---|---|"]
            for fb in module.feedbacks:
                tex = self.tex(feedback_formula(c, self.fb_of[fb.name]))
                reads = f"`{fb.signal}`" if fb.signal else "age" if fb.kind == FeedbackKind.AGE_DECLINE else "time"
                flows = _names(self.fb_flows.get(fb.name, []))
                elsewhere = sorted({self.module_of_flow[n] for n in self.fb_flows.get(fb.name, [])} - {module.name})
                flows += f" (in {', '.join(elsewhere)})" if elsewhere else ""
                lines.append(f"| `{fb.name}` | `{fb.kind.name}` | {reads} | ${tex}$ | {flows} | "
                             f"{self.parameters(fb.parameters)} |")
        if module.observables:
            lines += ["", f"{level}# Observables", "", "| observable | unit | value | description |", "|---|---|---|---|"]
            lines += [f"| `{o.name}` | {o.unit} | ${self.observable(self.obs_of[o.name])}$ | "
                      f"{o.description.replace('|', '/')} |" for o in module.observables]
        return lines

    def observable(self, i: int) -> str:
        """Observable ``i``: its weights (scale included) times the states (clamped at 0) and fluxes it reads."""
        c = self.compiled
        terms = [(w, f"x_{{{tex_name(c.state_names[j])}}}") for j, w in c.obs_weights.state_terms[i]]
        terms += [(w, f"\\phi_{{{tex_name(c.flow_names[f])}}}") for f, w in c.obs_weights.flux_terms[i]]
        return " + ".join(symbol if float(w) == 1.0 else f"{tex_number(float(w))}\\,{symbol}" for w, symbol in terms)


def equations_markdown(model: Model, interventions: BuildContext | None = None,
                       examples: Sequence[tuple[str, Model]] = (), split: Model | None = None) -> str:
    """The equations page of ``model`` (one patient), grouped by its modules; with ``interventions`` (the build
    context of the model) also where drug effects enter each lineage, with ``examples`` ((title, the model with an
    extension) pairs) what each extension adds, and with ``split`` (the model split by origin) its size."""
    page = _Page(model, set(model.parameters))
    compiled = page.compiled
    patient = model.info.patient
    who = "" if patient is None else (f" ({_plain(float(patient.age_years))} y, {patient.sex}, "
                                      f"{_plain(float(patient.weight_kg))} kg)")
    lines = [
        "# Equations of the healthy human model",
        "",
        "Generated from the code by `python -m hemasim.model.equations > docs/equations.md`; a test keeps it in step.",
        f"Every state's ODE, every flow's flux and every feedback of the healthy model, for the reference adult{who}, "
        f"with age {'advancing' if model.info.aging else 'frozen'}: {len(compiled.state_names)} states, "
        f"{len(compiled.flow_names)} flows, {len(compiled.signal_names)} signals, {len(compiled.feedback_names)} "
        "feedbacks. The formulas are those the solvers and the SBML export (`hemasim.model.sbml`) integrate, with the "
        "numbers in place; each parameter links to its row, source and screen in [parameters.md](parameters.md). "
        "Amounts are cells (a drug's in ug, its exposure in ug day/L), time in days.",
        "Why the equations have this form, and what the values mean: [model.md](model.md); the drugs' PK/PD: "
        "[drugs.md](drugs.md).",
        "",
        "## The flow law",
        "",
        "Every flow $j$ has the flux",
        "",
        r"$$\phi_j = k_j \, x_{\text{source}(j)} \, \prod_{i \in F_j} f_i \quad [\text{cells/day}]$$",
        "",
        "($x_\\text{source}$ is 1 for a zero-order source, whose $k_j$ is in cells/day; otherwise $k_j$ is in 1/day). "
        "It removes $c_j\\,\\phi_j$ from its source and adds $y_j\\,\\phi_j$ to its target, so that each state obeys",
        "",
        r"$$\frac{dx_i}{dt} = \sum_{j:\ \text{target}(j) = i} y_j\,\phi_j - \sum_{j:\ \text{source}(j) = i} c_j\,\phi_j$$",
        "",
        "(a flow from a state into the same state adds $(y_j - c_j)\\,\\phi_j$; states are clamped at 0 where a flux "
        "reads them). A feedback's value is $f_i = \\text{offset}_i + \\text{scale}_i\\, g_i$ with $g_i$ one of the "
        "laws below, of a signal $S$ (a weighted sum of states) or of time; a signal's weights are the same for every "
        "patient.",
        "",
        "| law | $g$ | parameters $p_0, p_1, \\ldots$ |",
        "|---|---|---|",
    ]
    for kind, law in LAWS.items():
        pnames = _law_parameter_names(kind)
        symbolic = {f"p{i}": tex_name(n) for i, n in enumerate(pnames)} | {"s": "s"}
        g = sbml_to_tex(law.sbml_formula("s" if law.reads_signal else "", [f"p{i}" for i in range(len(pnames))]),
                        symbolic, {})
        used = [n for n in pnames if not (n[0] == "p" and n[1:].isdigit())]
        lines.append(f"| `{kind.name}` | ${g}$ | {', '.join(f'`{n}`' for n in used)} |")
    for module in model.modules:
        if module.compartments or module.flows or module.feedbacks or module.observables:
            lines += page.module(module)
    lines += _other_parameters(page)
    if interventions is not None:
        lines += _interventions(interventions, model, split)
    for title, extended in examples:
        lines += _example(page, title, extended)
    return "\n".join(lines) + "\n"


def _other_parameters(page: _Page) -> list[str]:
    """The parameters the model reads that no flow or feedback names: initial states, balances, observables."""
    model = page.model
    named = {p for f in model.flows for p in f.parameters} | {p for fb in model.feedbacks for p in fb.parameters}
    lines = ["", "## Parameters read elsewhere", "",
             "The parameters the model reads that no flow or feedback above names: they set initial states, close the",
             "steady-state balances (a derived value: its inputs and rule are in its row; a derived yield or rate is linked",
             "beside the flow that carries it) or scale the observables.", ""]
    return lines + [f"- {page.parameter(n)}" for n in page.compiled.used_parameters if n not in named]


def _has_set_values(page: _Page) -> bool:
    return any("__" in n for n in page.compiled.used_parameters)


def _example(healthy: _Page, title: str, model: Model) -> list[str]:
    """What an extension adds to the healthy model: its modules, and the feedbacks it joins to healthy flows."""
    page = _Page(model, healthy.linked)
    known = {m.name for m in healthy.model.modules}
    before = {f.name: f.feedbacks for f in healthy.model.flows}
    joined = [(f.name, f.feedbacks[len(before[f.name]):]) for f in model.flows
              if f.name in before and f.feedbacks != before[f.name]]
    lines = ["", f"### Example: {title}", "",
             f"The model with it has {len(page.compiled.state_names)} states and {len(page.compiled.flow_names)} flows. "
             "Its own module below" + (" (a drug set's values are named `SET__path`: [drug_sets.md](drug_sets.md) "
                                       "gives each with its source)" if _has_set_values(page) else "")
             + "; it joins "
             + (", ".join(f"{_names(list(fbs))} to `{name}`" for name, fbs in joined) if joined else "no feedback")
             + " of the healthy flows."]
    for module in model.modules:
        if module.name not in known:
            lines += page.module(module, level="####")
            if module.counted_as:
                lines += ["", "Its states count in the observables of the other modules, the healthy model's and other "
                          "extensions' (and in no signal), with the weight of the state each stands for: "
                          + ", ".join(f"`{new}` as `{old}`" for new, old in module.counted_as.items()) + "."]
    return lines


def _interventions(ctx: BuildContext, model: Model, split: Model | None) -> list[str]:
    """Where a drug set's effects act in each lineage (hemasim.pharmacology.pkpd reads these handles), and what a
    graft's split by origin makes of the model."""
    lines = ["", "## Where interventions enter", "",
             "Interventions add to these equations in three ways. A drug set adds a module of its own (PK compartments",
             "`DRUG_depot`, `DRUG_central`, `DRUG_peripheral_k`, `DRUG_infusion_rate`, `DRUG_auc` and the signal",
             "`DRUG_concentration`, the central amount over the central volume) and an effect feedback on that",
             "concentration (`LINEAR` or `EMAX`), which `hemasim.pharmacology.pkpd.DrugExposure` joins to the flows",
             "of this table: a `proliferation` effect $E$ adds a kill flow $E \\cdot k_\\text{div} \\cdot x$ out of",
             "each dividing compartment of the lineage; a `production` effect multiplies the lineage's input flow by",
             "$1 + E$; a `maturation` effect multiplies the post-mitotic chain's flows (the neutrophil chain's last",
             "round(80 q) only when `neutrophil_gcsf_reserve_share` q < 1; and, when the set says `divisions`, the",
             "precursors' divisions) by $1 + E$. In the full model a cycle-dependent drug with a",
             "`full_model` block also kills $E \\cdot k_\\text{div} \\cdot x$ in the stem stages listed below",
             "([chemotherapy_full_model.md](chemotherapy_full_model.md); the PK equations: [drugs.md](drugs.md)).",
             "A drug set with an `endogenous_ligand` (G-CSF) also adds the state `DRUG_endogenous` (the body's own",
             "ligand, ng/mL) with three flows (`DRUG_endogenous_production`, `DRUG_endogenous_renal_elimination`,",
             "`DRUG_endogenous_neutrophil_elimination`, Quartino 2014's turnover), the signals",
             "`DRUG_endogenous_concentration` and `DRUG_total_concentration` (endogenous plus drug), and two `EMAX`",
             "feedbacks per effect in place of the one: `DRUG_effect_i_X` on the total and",
             "`DRUG_effect_i_X_endogenous_share` ($1/S(G)$) on the endogenous ligand, so the flows are multiplied by",
             "$S(G + C)/S(G)$ ([drugs.md](drugs.md)).",
             "Other interventions (transplant, depletion, donation, infusion, conditioning, radiation) are events",
             "that change states at a time (their SBML forms: `hemasim.model.sbml_events`), and some bring modules",
             "of their own (a pathogen, a vaccine's antigen, a graft's lodging stage; `hemasim.interventions`).",
             "", "| lineage | proliferating progenitor (rate, feedback) | dividing precursors (division rate) | "
             "production: input flow | maturation: flows |", "|---|---|---|---|---|"]
    for key, h in ctx.lineages.items():
        rates = sorted({_plain(float(np.asarray(r))) for _, r in h.dividing})
        dividing = _names([c for c, _ in h.dividing]) + (f" ({', '.join(rates)}/day)" if rates else "")
        maturation = _names(h.gcsf_speed_flows)  # what pkpd's maturation effect multiplies
        lines.append(f"| `{key}` | `{h.progenitor}` ({_plain(float(np.asarray(h.proliferation_rate)))}/day, "
                     f"`{h.feedback}`) | {dividing} | `{h.input_flow}` | {maturation} |")
    lines += ["", "| stem stage (`full_model` kill) | compartment | division rate (1/day) | feedbacks on it |",
              "|---|---|---|---|"]
    for stage in ctx.cycling_stages:
        fbs = ", ".join(f"`{n}`" for n in stage.feedbacks) or "(none)"
        lines.append(f"| `{stage.stage}` | `{stage.compartment}` | {_plain(float(np.asarray(stage.division_rate)))} | "
                     f"{fbs} |")
    if split is not None:
        lines += ["", f"A graft (or a SCID genotype) splits the model by origin (`hemasim.biology.origins.split_origins`): "
                  "every cell state gets a host copy `NAME__host` and a donor copy `NAME__donor` with the same flows "
                  "(a donor cell's progeny are donor cells), drug states stay whole, and signals and observables sum "
                  "the copies, so each feedback reads the chimeric total. The healthy model's "
                  f"{_count(len(model.compartments), 'state')} and {_count(len(model.flows), 'flow')} become "
                  f"{len(split.compartments)} and {len(split.flows)}; an allogeneic graft's lodging stage and "
                  "alloreactive kill flows (`hemasim.biology.alloreactivity`) come on top."]
    return lines


@dataclass
class _Recorder:
    """A model extension that adds nothing and keeps the build context (for the lineages' handles)."""

    ctx: BuildContext | None = None

    def extend(self, ctx: BuildContext) -> tuple[Module, dict[str, tuple[str, ...]]]:
        self.ctx = ctx
        return Module("recorded_context"), {}


def healthy_equations_markdown() -> str:
    """docs/equations.md: the healthy reference adult's model."""
    # late: hemasim.biology, hemasim.pharmacology and hemasim.radiation sit above hemasim.model (this script documents
    # what is built from them)
    from hemasim.biology import healthy_human_model
    from hemasim.biology.iron import IronBalance
    from hemasim.biology.origins import split_origins
    from hemasim.interventions.iron import OralIronCourse, OralIronSpec
    from hemasim.pharmacology import DrugExposure, load_drug_set
    from hemasim.radiation import IrradiatedLymphocytes

    recorder = _Recorder()
    model = healthy_human_model(extensions=[recorder])
    if recorder.ctx is None:  # pragma: no cover - healthy_human_model runs every extension
        raise RuntimeError("the healthy model did not run its extensions")
    example = EXAMPLE_DRUG_SET
    with_drug = healthy_human_model(extensions=[DrugExposure(load_drug_set(example))])
    irradiated = healthy_human_model(extensions=[IrradiatedLymphocytes()])
    # the opt-in iron model with an oral course (Kiss 2015's arm: 37.5 mg/day for 168 days from day 10)
    course = OralIronSpec(kind="oral_iron", day=10.0, duration_days=168.0, elemental_iron_mg_per_day=37.5)
    with_iron = healthy_human_model(extensions=[IronBalance(), OralIronCourse(course)])
    return equations_markdown(model, recorder.ctx, [(f"the drug set `{example}`", with_drug),
                                                    ("irradiation's dying lymphocytes (`radiation`, TBI conditioning; "
                                                     "docs/chimerism.md)", irradiated),
                                                    ("the opt-in iron model (`iron_balance`) with an `oral_iron` course "
                                                     "of 37.5 mg/day from day 10 for 168 days (docs/model.md, "
                                                     "\"Iron-limited erythropoiesis\")", with_iron)],
                              split_origins(model))


if __name__ == "__main__":
    print(healthy_equations_markdown(), end="")
