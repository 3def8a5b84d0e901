"""Clone-resolved, stochastic HSC engine: the neutral pool (``engine``, below), driver clones (``drivers``; CH
across lifespans, ``ch``), their output coupled into the lineage model (``coupling``) and gene therapy
(``gene_therapy``).

Every HSC divides at rate 1/T_div (Catlin 2011). Each daughter stays an HSC with probability
a(N) = f(N)/2, f being the same niche law as the deterministic model (f = 1 at the homeostatic pool
N*, rising to 2 a_max as the niche empties), so a division is a symmetric self-renewal (prob a^2),
an asymmetric division (2a(1-a)) or a symmetric differentiation ((1-a)^2). Clones are the
descendants of the cells present at the start; extinct clones are dropped, so the cost per step is
linear in the number of living clones. Time advances in steps of ``dt_days`` by tau-leaping:
divisions of a clone of size n in a step are Poisson(n dt / T_div) and their outcomes multinomial.
Each clone also carries the somatic mutation burden of its cells (``hsc_mutations_per_year``,
Mitchell 2022), accumulated as a Poisson process along each clone's lineage.
"""

from hemasim.clonal.drivers import DRIVER_GROWTH_PARAMETERS, driver_advantage, measured_driver_growth
from hemasim.clonal.engine import ClonalHistory, NeutralHSCPool, clone_size_summary
from hemasim.clonal.gene_therapy import GeneTherapy, GeneTherapyResult, diversity_indices, simulate_gene_therapy

__all__ = [
    "DRIVER_GROWTH_PARAMETERS", "ClonalHistory", "GeneTherapy", "GeneTherapyResult", "NeutralHSCPool",
    "clone_size_summary", "diversity_indices", "driver_advantage", "measured_driver_growth", "simulate_gene_therapy",
]
