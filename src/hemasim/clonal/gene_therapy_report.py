"""``hemasim gene-therapy``: a gene-therapy scenario file (a lentiviral HSC graft, the conditioning, the sampling),
its run on the clone-resolved pool (:func:`hemasim.clonal.gene_therapy.simulate_gene_therapy`) and its outputs: the
per-sample time series (integration sites, Shannon diversity, clonality, vector marking), the integration-site table,
run.json (every value with where it came from) and an HTML report. Files are written atomically (all or nothing).

The graft's HSCs and the host's pool come from the shipped parameters as the tutorial derives them
(docs/tutorials/gene_therapy.py): engrafting HSCs = CD34+/kg x weight x ``engrafting_hsc_per_cd34`` (Spencer Chapman
2024); host pool = ``hsc_count`` (Lee-Six 2018) x the child's stem-pool size fraction (Dingli & Pacheco 2007). The
share of host HSCs the conditioning leaves is the trial's input, or a shipped regimen's (the product of its HSC
surviving fractions, as the lineage model applies them).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import numpy as np
from pydantic import Field, ValidationError, model_validator

from hemasim import __version__
from hemasim._schema import BULK_VCN_NOTE, StrictData, field_hints, hint_lines, validation_problems
from hemasim._yaml_limits import quoted
from hemasim.clonal.gene_therapy import (
    DISEASE_BLOCKED_MARKERS,
    SCENARIO_MARKERS,
    GeneTherapy,
    GeneTherapyResult,
    bulk_vcn_hint,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from hemasim.parameters import ParameterSet

__all__ = ["GENE_THERAPY_OUTPUT_FILES", "GeneTherapyInputs", "GeneTherapyRun", "GeneTherapyScenario",
           "GeneTherapyScenarioError", "gene_therapy_inputs", "load_gene_therapy_scenario", "run_gene_therapy",
           "write_gene_therapy_outputs"]

#: the files :func:`write_gene_therapy_outputs` writes
GENE_THERAPY_OUTPUT_FILES = ("samples.csv", "is_table.tsv", "run.json", "report.html")
#: the defaults of the scenario that no source gives, each with why (run.json and the report list them as assumed)
ASSUMED_DEFAULTS = {
    "cells_per_sample": "assumed: an IS retrieval captures the genomes of some thousands of cells (the gene-therapy "
                        "tutorial's 20,000); it sets the sampling noise of the sites and indices, not the clones",
    "markers": "assumed: granulocytes (CD15) and T cells (CD3), the two lineages IS studies report first",
}
#: the pool's time step (days): a numerical setting of the tau-leaping engine, not a biological value
DT_DAYS = 7.0
#: the parameters the run reads (besides a regimen's radiosensitivities): the graft's and the host pool's sizes, and
#: those the clone-resolved pool (hemasim.clonal.engine.NeutralHSCPool) reads
USED_PARAMETERS = ("engrafting_hsc_per_cd34", "hsc_count", "stem_pool_growth_end_age_years",
                   "stem_pool_adult_body_mass_kg", "hsc_division_interval_days", "hsc_max_self_renewal_probability",
                   "hsc_niche_hill", "hsc_mutations_per_year")


class GeneTherapyScenarioError(ValueError):
    """A gene-therapy scenario file that cannot be used (one line per problem, naming the file and field)."""


class GtPatient(StrictData):
    age_years: float = Field(gt=0, le=120, description="age at the graft, years (it sizes a child's HSC pool)")
    sex: Literal["male", "female"]
    weight_kg: float = Field(gt=0, le=400, description="body weight, kg, not pounds: a weight in pounds that is also "
                             "a possible weight in kg (165) runs as kg")
    # as a scenario's patient: a child small for age (SCID infants often are) was warned on every run (firsthour30)
    weight_confirmed: bool = Field(default=False, description="true: weight_kg is right as written, in kg; its "
                                   "plausibility questions are not asked")


class Graft(StrictData):
    cd34_per_kg: float = Field(gt=0, le=1e9, description="CD34+ cells infused per kg of body weight")
    transduction_efficiency: float = Field(ge=0, le=1, description="share of the engrafting HSCs carrying the vector")
    mean_vcn: float = Field(ge=1, le=20, description=BULK_VCN_NOTE)
    corrected_advantage: float = Field(default=0.0, ge=0, le=1, description="self-renewal advantage of corrected "
                                                                            "clones (0: none)")
    disease: Literal["x_scid", "ada_scid", "rag_scid"] | None = Field(
        default=None, description="a SCID whose blocked lineages only corrected clones make")


class Conditioning(StrictData):
    host_surviving_fraction: float | None = Field(default=None, ge=0, le=1,
                                                  description="share of host HSCs the conditioning leaves")
    regimen: str | None = Field(default=None, min_length=1, description="a shipped conditioning regimen's name, "
                                                                        "or a regimen file's path")

    @model_validator(mode="after")
    def _one_of_them(self) -> Conditioning:
        if (self.host_surviving_fraction is None) == (self.regimen is None):
            raise ValueError("give one of host_surviving_fraction (0 to 1) or regimen (a shipped regimen's name)")
        return self


class GeneTherapyScenario(StrictData):
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    patient: GtPatient
    gene_therapy: Graft
    conditioning: Conditioning
    horizon_months: int = Field(ge=1, le=240, description="months after the graft the run follows")
    # each month's bounds on the items, so that a NaN's or a text's error names them; the horizon's in the validator
    sample_months: list[Annotated[int, Field(ge=1, le=240)]] | None = Field(
        default=None, min_length=1, max_length=240, description="months blood is sampled (default 1, 3, 6, 12, then "
                                                                "yearly)")
    markers: list[str] = Field(default_factory=lambda: ["CD15", "CD3"], min_length=1, max_length=20,
                               description="lineages sampled: CD15, CD14, CD3, CD19, CD56 (SCENARIO_MARKERS)")
    cells_per_sample: int = Field(default=20_000, ge=1, le=10_000_000, description="cells drawn per sample")
    seed: int = Field(default=0, ge=0, le=2**63 - 1)

    @model_validator(mode="after")
    def _samples_and_markers(self) -> GeneTherapyScenario:
        bad = [m for m in self.sample_months or () if m > self.horizon_months]  # (>= 1: each item's bound)
        if bad:
            raise ValueError(f"sample_months: each between 1 and horizon_months ({self.horizon_months}); got {bad[0]}")
        for marker in self.markers:  # a marker names a lineage the model samples (and a column of the IS table)
            if marker not in SCENARIO_MARKERS:
                # the same marker written otherwise (cd3, CD3+, CD-3); no guess by resemblance: CD4 is no CD14
                meant = next((m for m in SCENARIO_MARKERS if re.sub(r"[^A-Z0-9]", "", marker.upper()) == m), None)
                allowed = ", ".join(f"{m} ({lineage})" for m, lineage in SCENARIO_MARKERS.items())
                raise ValueError(f"markers: unknown marker {quoted(marker, 40)}"
                                 f"{f'; did you mean {meant!r}?' if meant else ''} (allowed: {allowed})")
        if len(set(self.markers)) != len(self.markers):
            raise ValueError("markers: each once")
        return self

    def months(self) -> list[int]:
        """The sampled months, sorted, the horizon always among them."""
        given = self.sample_months or [m for m in (1, 3, 6, *range(12, 241, 12)) if m <= self.horizon_months]
        return sorted({*given, self.horizon_months})


def _bulk_vcn_hint(e: Any, line: str, data: Any) -> str | None:
    """A ``mean_vcn`` below 1: it counts copies per *transduced* cell (each carries one at least), while trials
    report the bulk VCN of the whole graft (copies per cell, transduced or not = transduction_efficiency x
    mean_vcn); the line with the conversion, from the file's transduction_efficiency where it is a valid share."""
    value = e.get("input")
    if (tuple(e["loc"]) != ("gene_therapy", "mean_vcn") or e["type"] != "greater_than_equal"
            or isinstance(value, bool) or not isinstance(value, int | float) or value <= 0):
        return None
    graft = data.get("gene_therapy") if isinstance(data, dict) else None
    return line + bulk_vcn_hint(value, graft.get("transduction_efficiency") if isinstance(graft, dict) else None)


#: what a gene therapist writes for ``disease`` -> the value meant: the gene, the scenario's genotype name, the
#: spelling of a paper (``X-SCID`` read "(got 'X-SCID')" and no more, ux33b); keys with every non-letter as "_"
DISEASE_SYNONYMS = {"il2rg": "x_scid", "il2rg_scid": "x_scid", "xscid": "x_scid", "scid_x1": "x_scid",
                    "x_linked_scid": "x_scid", "ada": "ada_scid", "ada_deficiency": "ada_scid", "rag": "rag_scid",
                    "rag1": "rag_scid", "rag2": "rag_scid", "rag1_scid": "rag_scid", "rag2_scid": "rag_scid"}
#: the genes the shipped diseases name (the corrected-only lineages are the lineage model's SCID genotypes')
DISEASE_GENES = "x_scid: IL2RG, ada_scid: ADA, rag_scid: RAG1 or RAG2"
#: an unknown field of ``gene_therapy`` that names the vector's gene
_GENE_FIELDS = ("gene", "transgene", "vector", "vector_gene", "target_gene", "corrected_gene")


def _disease_hint(e: Any, line: str) -> str | None:
    """``disease`` written as the gene or another spelling gets the value meant; any other disease is told that
    ``disease`` is for a SCID (the lineages it blocks come from corrected clones only), and a field naming the
    vector's gene that the gene is no input."""
    loc = tuple(e["loc"])
    if loc == ("gene_therapy", "disease") and e["type"] == "literal_error" and isinstance(e.get("input"), str):
        key = re.sub(r"[^a-z0-9]+", "_", e["input"].lower()).strip("_")
        if (meant := DISEASE_SYNONYMS.get(key, key if key in ("x_scid", "ada_scid", "rag_scid") else None)):
            return line + f"; did you mean {meant!r}? ({DISEASE_GENES})"
        return line + (f" ({DISEASE_GENES}); disease is for a SCID, whose blocked lineages only corrected clones make: "
                       "for another disease leave it out (every lineage then comes from every clone) and give "
                       "corrected clones an advantage with corrected_advantage if they have one")
    if len(loc) == 2 and loc[0] == "gene_therapy" and loc[1] in _GENE_FIELDS and e["type"] == "extra_forbidden":
        return line + (f"; the vector's gene is no input: disease names a SCID whose blocked lineages only corrected "
                       f"clones make ({DISEASE_GENES}), and is left out for any other disease")
    return None


def load_gene_therapy_scenario(path: str | Path) -> GeneTherapyScenario:
    """Read and validate a gene-therapy scenario file (data only, within the YAML limits); implausible values are
    warned (:class:`~hemasim.scenario.plausibility.PlausibilityWarning`) and kept."""
    from hemasim._file_kinds import wrong_file
    from hemasim._yaml_limits import YamlInputError, load_yaml_file

    p = Path(path)
    try:
        data = load_yaml_file(p, "gene-therapy scenario")
    except YamlInputError as err:
        raise GeneTherapyScenarioError(str(err)) from None
    holds = ("a gene-therapy scenario has name, patient, gene_therapy, conditioning and horizon_months "
             "(docs/clonal.md)")
    if (other := wrong_file(data, str(p), "a gene-therapy scenario", holds)) is not None:
        raise GeneTherapyScenarioError(other)
    if not isinstance(data, dict):
        raise GeneTherapyScenarioError(f"{p}: {holds}")
    from hemasim.scenario import resolve_paths

    data = resolve_paths(data, p.absolute().parent)  # a regimen file's path is relative to the scenario's folder
    try:
        scenario = GeneTherapyScenario.model_validate(data)
    except ValidationError as err:
        lines = field_hints(validation_problems(err, model=GeneTherapyScenario), err, GeneTherapyScenario)
        lines = hint_lines(lines, err, (), lambda e, line, _: _bulk_vcn_hint(e, line, data))
        lines = hint_lines(lines, err, (), lambda e, line, _: _disease_hint(e, line))
        raise GeneTherapyScenarioError("\n".join(f"{p}: {line}" for line in lines)) from None
    from hemasim.scenario.plausibility import gene_therapy_warning_lines, warn_implausible

    warn_implausible(gene_therapy_warning_lines(scenario, str(p)))  # as load_scenario warns
    return scenario


@dataclass
class GeneTherapyRun:
    scenario: GeneTherapyScenario
    inputs: GeneTherapyInputs  # what the run derived from the scenario before it simulated
    result: GeneTherapyResult

    @property
    def graft_hsc(self) -> int:
        """Engrafting HSCs of the graft."""
        return self.inputs.graft_hsc

    @property
    def n_host(self) -> int:
        """The host's HSC pool before conditioning."""
        return self.inputs.n_host

    @property
    def host_surviving_fraction(self) -> float:
        return self.inputs.host_surviving_fraction

    @property
    def parameters(self) -> ParameterSet:
        """The shipped parameters the run read."""
        return self.inputs.parameters

    @property
    def conditioning_records(self) -> list[dict[str, Any]]:
        """The surviving share's provenance (a record per regimen value)."""
        return self.inputs.conditioning_records

    @cached_property
    def samples(self) -> Any:  # pandas DataFrame
        """:func:`samples_frame` of this run, made once: samples.csv, the key results, the figure and the table read it."""
        return samples_frame(self)


def _regimen_records(name: str, params: ParameterSet) -> tuple[list[dict[str, Any]], bool]:
    """The share of HSCs each component of a regimen leaves, with its provenance, as parameter records; and whether
    a TBI is among them (the radiosensitivities are then parameters the run read)."""
    from hemasim.pharmacology.conditioning import Tbi, hsc_surviving_fractions
    from hemasim.pharmacology.table import source_text
    from hemasim.radiation import lq_from_parameters

    records: list[dict[str, Any]] = []
    has_tbi = False
    for c, surviving in hsc_surviving_fractions(name, lq_from_parameters(params)):
        if isinstance(c, Tbi):
            has_tbi = True
            records.append({"name": f"{name}: TBI {c.total_dose_Gy:g} Gy in {c.fractions} fractions, hsc surviving",
                            "value": surviving, "unit": "fraction",
                            "source": "derived: linear-quadratic law per fraction with radiosensitivity_alpha_hsc_per_Gy "
                                      "and radiosensitivity_beta_hsc_per_Gy2 (parameters below)"})
        else:  # where the value comes from as docs/drug_sets.md says it (a fit with its data, problem, interval)
            records.append({"name": f"{name}: {c.agent}, hsc surviving", "value": surviving, "unit": "fraction",
                            "source": source_text(c.surviving["hsc"])})
    return records, has_tbi


@dataclass(frozen=True)
class GeneTherapyInputs:
    """What a run derives from its scenario before it simulates: the graft's engrafting HSCs, the host's pool, the
    share of it the conditioning leaves (with a regimen's records), and the shipped parameters read."""

    graft_hsc: int
    n_host: int
    host_surviving_fraction: float
    conditioning_records: list[dict[str, Any]]
    parameters: ParameterSet


def gene_therapy_inputs(scenario: GeneTherapyScenario) -> GeneTherapyInputs:
    """The scenario's derived inputs (:class:`GeneTherapyInputs`), or :class:`GeneTherapyScenarioError` naming the
    field when they cannot be had (a regimen that is not shipped, a dose too small to engraft one HSC): what `hemasim
    check` tells of a gene-therapy file without running it, and what :func:`run_gene_therapy` starts from."""
    from hemasim.clonal.gene_therapy import engrafting_graft_hsc, host_hsc_pool
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.pharmacology.conditioning import RegimenError

    params = healthy_adult_parameters()
    patient, graft = scenario.patient, scenario.gene_therapy
    graft_hsc = engrafting_graft_hsc(graft.cd34_per_kg, patient.weight_kg, params.value)
    if graft_hsc < 1:
        raise GeneTherapyScenarioError(
            f"gene_therapy.cd34_per_kg: {graft.cd34_per_kg:g} CD34+/kg x {patient.weight_kg:g} kg x "
            f"engrafting_hsc_per_cd34 ({params.value('engrafting_hsc_per_cd34'):.3g}) is less than one engrafting "
            "HSC; give a clinical dose (about 1e6 to 2e7 CD34+/kg)")
    n_host = host_hsc_pool(patient.age_years, patient.sex, patient.weight_kg, params.value)
    used = list(USED_PARAMETERS)
    if scenario.conditioning.regimen is not None:
        try:
            records, has_tbi = _regimen_records(scenario.conditioning.regimen, params)
        except RegimenError as err:  # a name no shipped regimen has, or a regimen file that cannot be used
            raise GeneTherapyScenarioError(f"conditioning.regimen: {err}") from None
        surviving = float(np.prod([r["value"] for r in records]))
        if has_tbi:
            used += ["radiosensitivity_alpha_hsc_per_Gy", "radiosensitivity_beta_hsc_per_Gy2"]
    else:
        surviving = float(scenario.conditioning.host_surviving_fraction or 0.0)
        records = []
    return GeneTherapyInputs(graft_hsc, n_host, surviving, records, params.subset(used))


def run_gene_therapy(scenario: GeneTherapyScenario) -> GeneTherapyRun:
    """The scenario's graft and conditioning on the clone-resolved pool, sampled at :meth:`GeneTherapyScenario.months`
    (seeded: the same scenario gives the same run, bit for bit)."""
    from hemasim.clonal.gene_therapy import simulate_gene_therapy

    inputs = gene_therapy_inputs(scenario)
    graft = scenario.gene_therapy
    kwargs: dict[str, Any] = {"graft_hsc": inputs.graft_hsc, "transduction_efficiency": graft.transduction_efficiency,
                              "mean_vcn": graft.mean_vcn, "host_surviving_fraction": inputs.host_surviving_fraction,
                              "corrected_advantage": graft.corrected_advantage}
    therapy = GeneTherapy.for_disease(graft.disease, **kwargs) if graft.disease else GeneTherapy(**kwargs)
    result = simulate_gene_therapy(therapy, months=scenario.months(), markers=tuple(scenario.markers),
                                   cells_per_sample=scenario.cells_per_sample, n_host=inputs.n_host, subject="SIM",
                                   seed=scenario.seed, dt_days=DT_DAYS)
    return GeneTherapyRun(scenario, inputs, result)


def samples_frame(run: GeneTherapyRun):  # noqa: ANN201 - pandas DataFrame
    """One row per sample (month x marker), units in the column names."""
    import pandas as pd

    hsc_marked = dict(zip(run.result.months, run.result.transduced_fraction, strict=True))
    table: Any = run.result.is_table
    cells = run.scenario.cells_per_sample
    # every sampled cell's sites are counted: the templates of a column over the cells drawn is the sample's VCN
    copies = {c: float(table[c].sum()) / cells for c in table.columns if c.startswith("SIM_")}
    rows = [{"time_days": float(s["day"]), "time_months": int(float(s["month"])),
             "marker": s["marker"],
             "integration_sites": s["sites"], "shannon_nats": s["shannon"], "clonality": s["clonality"],
             "largest_site_fraction": s["largest_fraction"], "vector_marked_fraction": s["vector_marked_fraction"],
             "vector_copies_per_cell": copies[f"SIM_{s['marker']}_PB_{int(float(s['month'])):02d}"],
             "hsc_vector_marked_fraction": hsc_marked[float(s["month"])]} for s in run.result.summary]
    return pd.DataFrame(rows)


def _derived(run: GeneTherapyRun) -> dict[str, Any]:
    """The run's inputs the command computed, each with how."""
    from hemasim.report.html import number_text  # 5e6, as the scenario file writes it (not 5e+06)

    s = run.scenario
    return {
        "graft_hsc": {"value": run.graft_hsc, "unit": "cells",
                      "how": f"cd34_per_kg ({number_text(s.gene_therapy.cd34_per_kg)}) x weight_kg ({s.patient.weight_kg:g}) x "
                             "engrafting_hsc_per_cd34, rounded"},
        "host_hsc_pool": {"value": run.n_host, "unit": "cells",
                          "how": "hsc_count x stem-pool size fraction (min(1, weight / stem_pool_adult_body_mass_kg) "
                                 "below stem_pool_growth_end_age_years, else 1), rounded"},
        "host_surviving_fraction": {"value": run.host_surviving_fraction, "unit": "fraction",
                                    "how": (f"the product of regimen {s.conditioning.regimen}'s HSC surviving "
                                            "fractions" if s.conditioning.regimen else "set by the user (scenario)")},
    }


def run_record(run: GeneTherapyRun) -> dict[str, Any]:
    """What run.json holds: version, scenario, seed, derived inputs, assumed defaults, parameters with sources."""
    given = run.scenario.model_fields_set
    return {
        "hemasim_version": __version__,
        "command": "gene-therapy",
        "seed": run.scenario.seed,
        "scenario": run.scenario.model_dump(mode="json"),
        "months": [int(m) for m in run.result.months],
        "derived": _derived(run),
        "assumed_defaults": {k: v for k, v in ASSUMED_DEFAULTS.items() if k not in given},
        "dt_days": DT_DAYS,
        "conditioning_values": run.conditioning_records,
        "parameters": run.parameters.to_records(),
        "references": [r.citation() for r in run.parameters.references()],
    }


#: a sample marker's symbol in the figure, by its order in the scenario's markers
_SYMBOLS = "osD^v"


def samples_figure(run: GeneTherapyRun) -> Figure:
    """Sites, Shannon index, clonality and vector marking of each marker's samples over the months."""
    # a Figure renders itself: no pyplot and no backend switch, so a notebook keeps its inline plots
    from matplotlib.figure import Figure

    frame = run.samples
    fig = Figure(figsize=(10, 6.4), layout="constrained")
    axes = fig.subplots(2, 2)
    panels = (("integration_sites", "integration sites in a sample", 1.0),
              ("shannon_nats", "Shannon index (nats)", 1.0), ("clonality", "clonality (1 - Pielou evenness)", 1.0),
              ("vector_marked_fraction", "vector-marked cells (%)", 100.0))
    for ax, (column, label, scale) in zip(axes.flat, panels, strict=True):
        for k, (marker, rows) in enumerate(frame.groupby("marker", sort=False)):
            # a symbol of its own, each drawn smaller over the one before: markers whose samples coincide (CD3 and
            # CD19 after an ADA-SCID graft, both from corrected clones only) showed one line, the other hidden below
            ax.plot(rows.time_months, scale * rows[column], marker=_SYMBOLS[k % len(_SYMBOLS)], ms=max(3.0, 8.0 - 2 * k),
                    lw=max(0.8, 2.0 - 0.4 * k), color=f"C{k}", label=marker)
        if column == "vector_marked_fraction":
            ax.plot(frame.time_months.unique(), 100 * frame.groupby("time_months").hsc_vector_marked_fraction.first(),
                    color="k", ls="--", label="HSC pool")
            ax.set_ylim(0, 105)
        else:  # from 0, with room above the highest point: the autoscaled top cut its marker in half
            top = float(scale * frame[column].max())  # NaN: no sample has a site (nothing transduced), no clonality
            ax.set_ylim(0, 1.08 * top if top > 0.0 else 1.0)
        ax.set_xlabel("months after the graft")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
    axes.flat[0].legend(fontsize=8)
    axes.flat[3].legend(fontsize=8)
    return fig


#: each key result's definition (the report's rows; docs/clonal.md's table)
KEY_DEFINITIONS = {
    "integration_sites": "Integration sites seen in the sample: a clone with k vector copies is k sites, as IS "
                         "studies count them.",
    "shannon_nats": "Shannon index of the sample's site counts, -sum p ln p over sites, in nats.",
    "clonality": "1 - Shannon / ln(sites): 1 - Pielou evenness (0: every site equally common, 1: one site).",
    "largest_site_fraction": "The largest site's share of the sample's site counts.",
    "vector_marked_fraction": "Share of the sample's cells from transduced clones.",
    "vector_copies_per_cell": "Vector copies per sampled cell (the bulk VCN a qPCR of the sample reports): the "
                              "sample's site counts over its cells.",
}


#: samples.csv's columns in a reader's words, the key results' row names; with its unit in the sample table's header
#: (:data:`SAMPLE_HEADERS`)
SAMPLE_LABELS = {"integration_sites": "Integration sites", "shannon_nats": "Shannon index (nats)",
                 "clonality": "Clonality", "largest_site_fraction": "Largest site's share",
                 "vector_marked_fraction": "Vector-marked cells", "vector_copies_per_cell": "Vector copies per cell"}
#: the sample table's headers: the table read "vector_marked_fraction" over "100.0%" and "shannon_nats" beside the
#: key results' "Shannon index (nats)" (report35); samples.csv keeps the column names
SAMPLE_HEADERS = {**SAMPLE_LABELS, "largest_site_fraction": "Largest site's share (%)",
                  "vector_marked_fraction": "Vector-marked cells (%)"}


def _key_results_html(run: GeneTherapyRun) -> str:
    from hemasim.report.key_results import row_head

    frame = run.samples
    horizon = frame[frame.time_months == frame.time_months.max()]
    esc = html.escape
    head = "<tr><th></th>" + "".join(f"<th>{esc(m)}</th>" for m in horizon.marker) + "</tr>"
    rows = []
    for column, label in SAMPLE_LABELS.items():
        cells = "".join(f"<td>{_cell(column, v)}</td>" for v in horizon[column])
        rows.append(f"<tr>{row_head(label, KEY_DEFINITIONS[column])}{cells}</tr>")
    return (f"<h2>Key results, month {int(frame.time_months.max())} after the graft</h2>"
            f'<table class="key">{head}{"".join(rows)}</table>'
            '<p class="muted">Tap or click a result\'s name for its definition; samples.csv has every month.</p>')


def _samples_table_html(run: GeneTherapyRun) -> str:
    """Every sample's read-outs (samples.csv's rows, as the key results write them and under their names)."""
    esc = html.escape
    columns = ("integration_sites", "shannon_nats", "clonality", "largest_site_fraction", "vector_marked_fraction",
               "vector_copies_per_cell")
    head = "".join(f"<th>{esc(c)}</th>" for c in ("Month", "Marker", *(SAMPLE_HEADERS[c] for c in columns)))
    rows = "".join(f"<tr><td>{r.time_months}</td><td>{esc(str(r.marker))}</td>"
                   + "".join(f"<td>{_cell(c, getattr(r, c))}</td>" for c in columns) + "</tr>"
                   for r in run.samples.itertuples())
    return f"<h2>Every sample</h2><table><tr>{head}</tr>{rows}</table>"


def _cell(column: str, value: float) -> str:
    if value != value:  # NaN: clonality of a sample without sites
        return "&ndash;"
    if column == "integration_sites":
        return f"{int(value)}"
    if column in ("largest_site_fraction", "vector_marked_fraction"):
        return f"{100 * value:.1f}%"  # the sign kept: the key results' cells have no header's unit
    return f"{value:.3g}"


def render_gene_therapy_report(run: GeneTherapyRun, record: dict[str, Any] | None = None) -> str:
    """The HTML report; ``record``: :func:`run_record` of the run where the caller has it (it is made otherwise)."""
    from hemasim.report.html import PARAMETER_HEADER, image_html, page_head, parameter_rows, png_bytes, warnings_box
    from hemasim.report.key_results import power_text
    from hemasim.scenario.plausibility import gene_therapy_warnings

    esc = html.escape
    record = record if record is not None else run_record(run)
    s, d = run.scenario, record["derived"]
    blocked = DISEASE_BLOCKED_MARKERS.get(s.gene_therapy.disease or "", ())
    disease = (f" {esc(s.gene_therapy.disease or '')}: only corrected clones make {', '.join(blocked)}."
               if blocked else "")
    inputs = [(k, v, "set by the user (scenario)") for k, v in (
        # a cell dose as the run reports write it (5×10⁶ CD34+/kg: "5e+06 CD34+/kg" was Python's notation, report35)
        ("cd34_per_kg", f"{power_text(s.gene_therapy.cd34_per_kg)} CD34+/kg"), ("weight_kg", f"{s.patient.weight_kg:g} kg"),
        ("age_years", f"{s.patient.age_years:g} years"),
        ("transduction_efficiency", f"{s.gene_therapy.transduction_efficiency:g}"),
        ("mean_vcn", f"{s.gene_therapy.mean_vcn:g} copies per transduced cell"),
        ("corrected_advantage", f"{s.gene_therapy.corrected_advantage:g}"))]
    inputs += [(k, f"{v['value']:,} {v['unit']}" if isinstance(v["value"], int) else f"{v['value']:.4g} {v['unit']}",
                v["how"]) for k, v in d.items()]
    inputs += [(k, str(getattr(s, k)), v) for k, v in record["assumed_defaults"].items()]  # escaped once below
    input_rows = "".join(f"<tr><td><code>{esc(k)}</code></td><td>{esc(str(v))}</td><td class=\"prose\">{esc(h)}</td>"
                         "</tr>" for k, v, h in inputs)
    regimen_rows = "".join(f"<tr><td>{esc(r['name'])}</td><td>{r['value']:.3g}</td><td>{esc(r['source'])}</td></tr>"
                           for r in run.conditioning_records)
    regimen = (f"<h3>Conditioning regimen {esc(s.conditioning.regimen or '')}: HSC surviving fractions</h3><table>"
               f"<tr><th>component</th><th>value</th><th>source</th></tr>{regimen_rows}</table>"
               if run.conditioning_records else "")
    return f"""<!DOCTYPE html>
<html lang="en"><head>{page_head(f"hemasim: gene therapy {s.name}")}</head>
<body>
<h1>Gene therapy: {esc(s.name)}</h1>
<p class="muted">hemasim {esc(__version__)} &middot; seed {s.seed} &middot; {run.graft_hsc:,} engrafting HSCs,
{run.n_host:,} host HSCs of which {100 * run.host_surviving_fraction:.3g}% survive the conditioning</p>
<p>{esc(s.description)}</p>
{warnings_box([("", field, message) for field, message in gene_therapy_warnings(s)])}
{_key_results_html(run)}
<p class="muted">The clone-resolved HSC pool (docs/clonal.md): every engrafted HSC is a clone, each transduced clone
with 1 + Poisson(VCN - 1) integration sites; clones drift neutrally (or with the corrected clones' advantage) in a
pool the niche holds at the host's size. A sample draws {s.cells_per_sample:,} cells of a marker in proportion to
clone size (no lineage bias, no lag through progenitors or the thymus).{disease} Counts are PCR-free templates
(every sampled cell's sites recovered), not sequencing reads. The dashed line is the HSC pool's marked share.</p>
<h2>Sites, diversity and marking over time</h2>
{image_html("integration sites, Shannon index, clonality and vector marking by month", png_bytes(samples_figure(run)))}
{_samples_table_html(run)}
<h2>Inputs</h2>
<table><tr><th>input</th><th>value</th><th>source</th></tr>{input_rows}</table>
{regimen}
<h2>Parameters used</h2>
<table>{PARAMETER_HEADER}{parameter_rows(record["parameters"])}</table>
</body></html>
"""


def write_gene_therapy_outputs(run: GeneTherapyRun, out_dir: str | Path, report: bool = True) -> list[Path]:
    """samples.csv, is_table.tsv, run.json and report.html, atomically (``report`` False: without report.html, whose
    figure is most of the writing)."""
    from hemasim.io import atomic_outputs, json_writer

    record = run_record(run)
    table: Any = run.result.is_table
    writers = {
        "samples.csv": lambda p: run.samples.to_csv(p, index=False),
        "is_table.tsv": lambda p: table.to_csv(p, sep="\t", index=False),
        "run.json": json_writer(record),
        "report.html": lambda p: p.write_text(render_gene_therapy_report(run, record), encoding="utf-8"),
    }
    return atomic_outputs(Path(out_dir), writers, report)
