"""Coupling clone output into the lineage model: clones that make more (or less) of a lineage per HSC
differentiation event change the input of that lineage's committed progenitors.

Each clone c holds a share w_c of HSC output (its share of the held pool) and has a relative output
B_c,L per lineage L (1 = like a wild-type HSC). The MPP flow into lineage L is multiplied by
m_L = sum_c w_c B_c,L (the wild type, with B = 1, holding 1 - sum of the listed shares). Clonal change
takes years and blood-cell turnover days to months, so m_L is held over a run (quasi-static coupling) and
the run starts from the steady state it implies; the EPO-, TPO- and G-CSF-like feedbacks then answer as
they would. The model's HSC output is unchanged: a held pool makes r N* differentiated daughters a day
whatever its clones' fitness.

Lineage biases of named drivers are inputs: no per-gene values are shipped, for want of quantitative
human estimates (JAK2 V617F clones are known to favour erythroid and megakaryocytic output, TET2/DNMT3A
clones myeloid output, without a per-HSC fold that could be cited).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from hemasim.biology.builder import BuildContext
from hemasim.model.core import Feedback, FeedbackKind, Module

#: lineage -> the flow of the healthy model that feeds its committed progenitors from MPPs
LINEAGE_INPUT_FLOWS: dict[str, str] = {
    "neutrophil": "mpp_to_neutrophil_progenitor",
    "monocyte": "mpp_to_monocyte_progenitor",
    "erythroid": "mpp_to_erythroid_progenitor",
    "megakaryocyte": "mpp_to_megakaryocyte_progenitor",
    "lymphoid": "hsc_to_clp",
}
LINEAGES = tuple(LINEAGE_INPUT_FLOWS)


def _check_lineages(mapping: Mapping[str, float], what: str) -> None:
    unknown = sorted(set(mapping) - set(LINEAGES))
    if unknown:
        raise ValueError(f"{what}: unknown lineage(s) {', '.join(unknown)}; allowed: {', '.join(LINEAGES)}")
    bad = [k for k, v in mapping.items() if not (np.isfinite(v) and 0.0 <= v <= 100.0)]
    if bad:
        raise ValueError(f"{what}: output of {', '.join(bad)} must be between 0 and 100 (1 = wild type)")


@dataclass(frozen=True)
class Clone:
    """An HSC clone with its share of the pool and relative output per lineage (missing lineages: 1)."""

    share: float  # fraction of the HSC pool (2 x VAF for a heterozygous variant)
    lineage_output: Mapping[str, float] = field(default_factory=dict)
    label: str = ""

    def __post_init__(self) -> None:
        if not 0.0 <= self.share <= 1.0:
            raise ValueError(f"Clone.share = {self.share} must be between 0 and 1 (share = 2 x VAF)")
        _check_lineages(self.lineage_output, f"Clone {self.label or ''}".strip())


@dataclass(frozen=True)
class ClonalOutput:
    """A model extension multiplying each lineage's progenitor input by m_L (see the module docstring)."""

    lineage_multiplier: Mapping[str, float]

    def __post_init__(self) -> None:
        _check_lineages(self.lineage_multiplier, "ClonalOutput.lineage_multiplier")

    @classmethod
    def from_clones(cls, clones: Sequence[Clone]) -> ClonalOutput:
        total = sum(c.share for c in clones)
        if total > 1.0 + 1e-12:
            raise ValueError(f"clones hold {total:.3g} of the HSC pool; their shares (2 x VAF) must sum to <= 1")
        mult = {lin: (1.0 - total) + sum(c.share * c.lineage_output.get(lin, 1.0) for c in clones)
                for lin in LINEAGES}
        return cls(mult)

    @classmethod
    def from_pool(cls, pool,  # noqa: ANN001 - a NeutralHSCPool
                  lineage_output_of_clone: Mapping[int, Mapping[str, float]]) -> ClonalOutput:
        """From a clone-resolved pool (:class:`hemasim.clonal.NeutralHSCPool`): ``lineage_output_of_clone``
        maps clone ids to their lineage outputs; every other clone is wild type."""
        total = float(pool.sizes.sum())
        index = {int(c): k for k, c in enumerate(pool.clone_ids)}
        clones = [Clone(float(pool.sizes[index[cid]]) / total, out, label=str(cid))
                  for cid, out in lineage_output_of_clone.items() if cid in index]
        return cls.from_clones(clones)

    def extend(self, ctx: BuildContext) -> tuple[Module, dict[str, tuple[str, ...]]]:
        m = Module("clonal_output")
        hooks: dict[str, tuple[str, ...]] = {}
        for lineage, mult in self.lineage_multiplier.items():
            if mult == 1.0:
                continue
            name = f"clonal_output_{lineage}"
            # a constant: an age law with zero rate is exp(0) = 1, scaled by the multiplier
            m.feedbacks.append(Feedback(name, FeedbackKind.AGE_DECLINE, (ctx.patient.age_years, 0.0, 0.0, 0.0, 0.0),
                                        offset=0.0, scale=float(mult)))
            hooks[LINEAGE_INPUT_FLOWS[lineage]] = (name,)
        return m, hooks
