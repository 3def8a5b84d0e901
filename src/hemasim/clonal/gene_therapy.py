"""HSC gene therapy on the clone-resolved pool: conditioning, a transduced graft with unique
integration sites, engraftment, selective advantage, and integration-site (IS) tables in the format
IS studies report (one row per site, one column per subject x marker x tissue x month, values = reads).

Model. Conditioning leaves ``host_surviving_fraction`` of the host HSCs. The graft brings
``graft_hsc`` engrafting long-term HSCs (one clone each); a fraction ``transduction_efficiency`` carry
the vector with 1 + Poisson(mean_vcn - 1) copies (each copy a distinct integration site). Corrected
clones may have a self-renewal advantage. Blood cells of every lineage come from HSC clones in
proportion to clone size, except the lineages the disease blocks (``corrected_only_markers``, e.g. T and
NK cells in X-SCID), which only corrected clones make: the selective advantage of corrected lymphoid
progenitors in its limit. No lag through progenitors or the thymus. A sample draws ``cells_per_sample``
cells multinomially, and each sampled cell of a transduced clone contributes one read per integration site.

All inputs are the user's (trial-specific); nothing here is a default pretending to be data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from hemasim._schema import BULK_VCN_NOTE  # what mean_vcn counts (also the scenario file's and a synonym's words)
from hemasim.clonal.engine import DAYS_PER_YEAR, NeutralHSCPool, clone_size_summary

#: flow-cytometry markers of the lineages each SCID blocks (T: CD3, B: CD19, NK: CD56), as the genotypes of
#: hemasim.biology.transplant: IL2RG T- B+ NK-, ADA T- B- NK-, RAG1/2 T- B- NK+
DISEASE_BLOCKED_MARKERS: dict[str, tuple[str, ...]] = {
    "x_scid": ("CD3", "CD56"), "ada_scid": ("CD3", "CD19", "CD56"), "rag_scid": ("CD3", "CD19")}
#: the markers a gene-therapy scenario may sample, each with its lineage: the lineages a SCID blocks are named only
#: by these (DISEASE_BLOCKED_MARKERS), so another name of one of them (CD3+, CD4) was sampled from every clone as an
#: unblocked lineage, silently (an X-SCID boy's T cells 5% vector-marked at five years instead of all of them)
SCENARIO_MARKERS: dict[str, str] = {"CD15": "granulocytes", "CD14": "monocytes", "CD3": "T cells", "CD19": "B cells",
                                    "CD56": "NK cells"}


def engrafting_graft_hsc(cd34_per_kg: float, weight_kg: float, value: Any) -> int:
    """The graft's engrafting long-term HSCs: a CD34+ dose is not a stem-cell dose, few infused CD34+ cells engraft
    (CD34+/kg x kg x ``engrafting_hsc_per_cd34``, rounded; ``value`` reads a parameter, e.g. ``ParameterSet.value``)."""
    return round(cd34_per_kg * weight_kg * value("engrafting_hsc_per_cd34"))


def host_hsc_pool(age_years: float, sex: Literal["male", "female"], weight_kg: float, value: Any) -> int:
    """The host's own HSC pool before conditioning: ``hsc_count`` scaled to a child's body as the lineage model
    sizes it (:func:`hemasim.biology.body.stem_pool_size_fraction`), rounded."""
    from hemasim.biology import Covariates
    from hemasim.biology.body import stem_pool_size_fraction

    return round(value("hsc_count") * float(stem_pool_size_fraction(value, Covariates(age_years, sex, weight_kg))))


#: the values each GeneTherapy field takes (__post_init__'s checks)
_ALLOWED = {"graft_hsc": ">= 1", "transduction_efficiency": "0 to 1", "mean_vcn": ">= 1",
            "host_surviving_fraction": "0 to 1", "corrected_advantage": "0 to 1"}


def bulk_vcn_hint(value: float, efficiency: object) -> str:
    """For a ``mean_vcn`` below 1 (a trial's bulk VCN, likely): :data:`BULK_VCN_NOTE` with the conversion from
    ``efficiency`` (the transduction efficiency given beside it) where that is a share; the one text of the library's
    error and the gene-therapy scenario file's (hemasim.clonal.gene_therapy_report)."""
    text = f"; {BULK_VCN_NOTE}"
    if isinstance(efficiency, bool) or not isinstance(efficiency, int | float) or not 0 < efficiency <= 1:
        return text
    meant = value / efficiency
    if meant >= 1:
        return f"{text} ({value:g} / {efficiency:g} = {meant:.3g})"
    return (f"{text}; {value:g} / {efficiency:g} = {meant:.3g} copies, below 1: a bulk VCN of {value:g} means at most "
            f"{value:.0%} of the cells transduced, so check transduction_efficiency")


@dataclass(frozen=True)
class GeneTherapy:
    graft_hsc: int  # engrafting long-term HSCs in the graft (cells)
    transduction_efficiency: float  # fraction of graft HSCs carrying the vector
    mean_vcn: float  # mean vector copies per transduced cell (>= 1)
    host_surviving_fraction: float  # host HSCs left after conditioning (0 = myeloablative)
    corrected_advantage: float = 0.0  # relative self-renewal advantage of transduced clones
    #: markers (lineages) that only corrected cells can make, because the disease blocks them in uncorrected
    #: cells (e.g. CD3 and CD56 in X-SCID): their samples come from transduced clones alone
    corrected_only_markers: tuple[str, ...] = ()

    @classmethod
    def for_disease(cls, disease: str, **kwargs: Any) -> GeneTherapy:  # kwargs: the other GeneTherapy fields
        """A gene therapy for ``disease`` (``x_scid``, ``ada_scid``, ``rag_scid``): the lineages the disease
        blocks (as the SCID genotypes of the lineage model) become corrected-only markers."""
        if disease not in DISEASE_BLOCKED_MARKERS:
            raise ValueError(f"unknown disease {disease!r}; known: {', '.join(DISEASE_BLOCKED_MARKERS)}")
        return cls(corrected_only_markers=DISEASE_BLOCKED_MARKERS[disease], **kwargs)

    def __post_init__(self) -> None:
        checks = {"graft_hsc": self.graft_hsc >= 1, "transduction_efficiency": 0 <= self.transduction_efficiency <= 1,
                  "mean_vcn": self.mean_vcn >= 1, "host_surviving_fraction": 0 <= self.host_surviving_fraction <= 1,
                  "corrected_advantage": 0 <= self.corrected_advantage <= 1}
        for name, ok in checks.items():
            if not ok:
                raise ValueError(f"GeneTherapy.{name} = {getattr(self, name)} is out of range ({_ALLOWED[name]})"
                                 f"{self._likely_meant(name)}")

    def _likely_meant(self, name: str) -> str:
        """What an out-of-range value likely meant, in the words of the scenario file's errors: a percentage for
        a share, a bulk VCN for the copies per transduced cell."""
        from hemasim._schema import share_text  # pydantic's schema module only on this error's path

        if name == "transduction_efficiency":
            return share_text(self.transduction_efficiency, 1.0)
        if name == "mean_vcn" and self.mean_vcn > 0:
            return bulk_vcn_hint(self.mean_vcn, self.transduction_efficiency)
        return ""


@dataclass
class GeneTherapyResult:
    months: list[float]
    transduced_fraction: list[float]  # share of HSCs that carry the vector
    summary: list[dict[str, float | str]]  # per sample: marker, month, marked fraction, diversity indices
    is_table: object  # pandas DataFrame in the IS-study layout


def diversity_indices(reads: np.ndarray) -> dict[str, float]:
    """Shannon diversity (nats), clonality (1 - Pielou evenness) and largest-site fraction of read counts."""
    reads = reads[reads > 0]
    n = len(reads)
    if n == 0:
        return {"sites": 0, "shannon": 0.0, "clonality": float("nan"), "largest_fraction": 0.0}
    largest, shannon = clone_size_summary(reads.astype(np.float64))
    # within [0, 1]: an even sample's Shannon index is ln(sites) only to rounding (5 equal sites gave -2.2e-16 in
    # samples.csv; fuzz35b gene-therapy seed 48)
    clonality = min(max(1.0 - shannon / np.log(n), 0.0), 1.0) if n > 1 else 1.0
    return {"sites": n, "shannon": shannon, "clonality": float(clonality), "largest_fraction": largest}


def simulate_gene_therapy(therapy: GeneTherapy, *, months: Sequence[float] = (1, 3, 6, 12, 24, 36, 48),
                          markers: Sequence[str] = ("CD15", "CD14", "CD3", "CD19"), tissue: str = "PB",
                          cells_per_sample: int = 100_000, n_host: int | None = None, subject: str = "SIM001",
                          seed: int = 0, dt_days: float = 7.0) -> GeneTherapyResult:
    import pandas as pd

    pool = NeutralHSCPool(n_host, seed=seed, dt_days=dt_days)
    rng = pool.rng  # one generator for the whole run: same seed, same patient
    keep = rng.random(len(pool.sizes)) < therapy.host_surviving_fraction
    pool.sizes = np.where(keep, pool.sizes, 0)
    transduced = rng.random(therapy.graft_hsc) < therapy.transduction_efficiency
    ids = pool.add_clones(np.ones(therapy.graft_hsc, dtype=np.int64),
                          advantage=np.where(transduced, therapy.corrected_advantage, 0.0))
    t_ids = ids[transduced]
    vcn = 1 + rng.poisson(therapy.mean_vcn - 1.0, len(t_ids))
    site_clone = np.repeat(t_ids, vcn)  # one integration site per vector copy
    chrom = rng.integers(1, 23, len(site_clone))
    locus = rng.integers(1, 200_000_000, len(site_clone))
    strand = np.where(rng.random(len(site_clone)) < 0.5, "+", "-")
    columns: dict[str, np.ndarray] = {}
    frac_t: list[float] = []
    summary: list[dict[str, float | str]] = []
    done_days = 0.0
    for m in sorted(months):
        target = m * DAYS_PER_YEAR / 12.0
        while done_days + pool.dt <= target + 1e-9:
            pool.step()
            done_days += pool.dt
        is_t = np.isin(pool.clone_ids, t_ids)
        total = pool.sizes.sum()
        frac_t.append(float(pool.sizes[is_t].sum() / total) if total else 0.0)
        p = pool.sizes / total
        marked = np.where(is_t, pool.sizes, 0)
        p_marked = marked / marked.sum() if marked.sum() else None
        pos = {cid: k for k, cid in enumerate(pool.clone_ids)}
        for marker in markers:
            corrected_only = marker in therapy.corrected_only_markers
            if not corrected_only:
                cells = rng.multinomial(cells_per_sample, p)
            elif p_marked is None:  # no corrected cells left: the blocked lineage is absent
                cells = np.zeros(len(p), dtype=np.int64)
            else:
                cells = rng.multinomial(cells_per_sample, p_marked)
            per_clone = {cid: cells[pos[cid]] for cid in t_ids if cid in pos}
            reads = np.array([per_clone.get(c, 0) for c in site_clone], dtype=np.int64)
            col = f"{subject}_{marker}_{tissue}_{int(round(m)):02d}"
            columns[col] = reads
            n_cells = int(cells.sum())
            marked_fraction = float(cells[is_t].sum() / n_cells) if n_cells else float("nan")
            # day: the pool's own day, its steps stopping at or before the month's (up to dt_days earlier)
            summary.append({"marker": marker, "month": m, "day": done_days, "vector_marked_fraction": marked_fraction,
                            **diversity_indices(reads)})
    table = pd.DataFrame({"chr": chrom, "integration_locus": locus, "strand": strand,
                          "clone_id": site_clone, **columns})
    table = table[(table[list(columns)] > 0).any(axis=1)].reset_index(drop=True)
    return GeneTherapyResult(list(map(float, sorted(months))), frac_t, summary, table)


def is_diversity_table(path: str | Path):  # noqa: ANN201 - pandas DataFrame
    """Per sample column of an IS table in the layout above (e.g. Calabria 2024's seqCount files: columns
    SUBJECT_MARKER_TISSUE_MONTH, values = reads): subject, marker, tissue, month, reads and
    :func:`diversity_indices`. Columns that are not SUBJECT_MARKER_TISSUE_MM (annotation, totals) are skipped."""
    import pandas as pd

    table = pd.read_csv(path, sep="\t", low_memory=False)
    rows = []
    for column in table.columns:
        parts = str(column).split("_")
        if len(parts) != 4 or not parts[3].isdigit():
            continue
        reads = pd.to_numeric(table[column], errors="coerce").fillna(0).to_numpy(np.float64)
        rows.append({"subject": parts[0], "marker": parts[1], "tissue": parts[2], "month": int(parts[3]),
                     "reads": float(reads.sum()), **diversity_indices(reads)})
    return pd.DataFrame(rows).sort_values(["marker", "tissue", "month"]).reset_index(drop=True)
