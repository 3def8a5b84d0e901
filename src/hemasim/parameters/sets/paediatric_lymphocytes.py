"""Children's blood lymphocyte counts relative to the adult reference (hemasim.biology.lymphoid). Time in years.

Children carry more T and B cells per uL than adults, most in infancy. The model multiplies each adult
reference count (Chng 2004) by 1 + excess * exp(-age / decay): the excess at birth and its decay time are an
approximate fit, by eye, to the age-band medians of the PACTG P1009 study (Shearer 2003, J Allergy Clin Immunol
112:973: 0-3 months to 12-18 years) as recalled, not transcribed from its table - hence marked assumed until
someone checks them against the paper. NK counts are taken as the adult ones. The excess is naive T cells:
memory T cells accrue with age (antigen exposure), as 1 - exp(-age / tau) of the adult memory counts, so an
infant's T cells are almost all naive (calibrated on T4). The set points are those of the starting age (a child
does not grow during a run). Infants' naive T cells also turn over faster (calibrated on
D3), which is what lets an empty infant periphery refill within months after an unconditioned SCID graft.
"""

from hemasim.parameters.core import Assumed, Calibrated
from hemasim.parameters.sets._helpers import param

WHY = ("lymphocyte set points of children and infants (T4, D3, issue 4); fitted by eye to the PACTG P1009 "
       "age-band medians (Shearer 2003), not yet checked against the paper's table")

PARAMETERS = [
    param("cd4_child_excess_at_birth", 2.4, "1",
          "CD4 count of a newborn over the adult reference, minus 1 (infant median about 2,700/uL vs 838, the adult "
          "reference when this was set)",
          Assumed(WHY, "about 3.4-fold in infancy, 1.6-fold at 4 years, 1.2-fold at 9, adult by the late teens"),
          bounds=(0.0, 10.0)),
    param("cd4_child_excess_decay_years", 4.0, "year", "decay time of the children's CD4 excess",
          Assumed(WHY, "see cd4_child_excess_at_birth"), bounds=(0.5, 20.0)),
    param("cd8_child_excess_at_birth", 1.2, "1",
          "CD8 count of a newborn over the adult reference, minus 1 (infant median about 1,050/uL vs 532, the adult "
          "reference when this was set)",
          Assumed(WHY, "about 2-fold in infancy, 1.5-fold at 4 years, 1.2-fold at 9"), bounds=(0.0, 10.0)),
    param("cd8_child_excess_decay_years", 5.0, "year", "decay time of the children's CD8 excess",
          Assumed(WHY, "see cd8_child_excess_at_birth"), bounds=(0.5, 20.0)),
    param("b_child_excess_at_birth", 3.4, "1",
          "B-cell count of an infant over the adult reference, minus 1 (median about 1,500/uL at 3-24 months vs "
          "350, the adult reference when this was set)",
          Assumed(WHY, "about 4.4-fold in infancy, 2-fold at 4 years, 1.3-fold at 9"), bounds=(0.0, 10.0)),
    param("b_child_excess_decay_years", 3.5, "year", "decay time of the children's B-cell excess",
          Assumed(WHY, "see b_child_excess_at_birth. Targeted screen (bench/targeted_screen.py, x0.5-x2 alone): no "
                  "validation read-out moves by more than 0.5% (the Morris screen's B-cell effect came with the "
                  "reference age varied at the same time)"), bounds=(0.5, 20.0)),
]
#: Infant naive T-cell turnover (hemasim.biology.lymphoid): no human value is transcribed; calibrated on D3.
INFANT_TURNOVER_HOW = (
    "an unconditioned X-SCID infant must reach CD3 > 1,000/uL within 6 months of a T-depleted graft: none gives "
    "265/uL, 0.0025/day at birth 614, 0.005 1,115 (too close to the edge), 0.01 2,095, 0.02 3,226. Implies about "
    "0.7%/day at 4 months, about 16-fold the adult naive CD4 turnover (neonatal naive T cells are known to divide "
    "more than adult ones; not quantified here)")

PARAMETERS += [
    param("naive_infant_turnover_at_birth_per_day", 0.01, "1/day",
          "extra division, and equal extra loss, of a newborn's naive T cells (the set point is unchanged; "
          "lymphopenia multiplies the division)",
          Calibrated(("D3",), INFANT_TURNOVER_HOW), bounds=(0.0, 0.1)),
    param("naive_infant_turnover_decay_years", 1.0, "year", "decay time of the infant naive T-cell turnover excess",
          Assumed("infant naive T-cell kinetics (D3, issue 4)", "an infancy effect: e-fold per year, so under "
                  "1e-3 of the newborn's excess by 8 years (no effect on the T4 child or adults)"),
          bounds=(0.1, 5.0)),
]
#: Memory T cells accrue with age (hemasim.biology.lymphoid): children's T cells are mostly naive.
MEMORY_ACCRUAL_HOW = (
    "memory T-cell counts grow with age as 1 - exp(-age/tau), normalised to the adult split at the reference age, "
    "so a child's excess T cells (above) are naive and an infant's T cells almost all naive. With 10 years an "
    "8-year-old has 57% of the adult memory counts (naive share of CD4 79%, of CD8 73%) and a 4-month-old 3% "
    "(naive share 97-99%). T4 (with cd8_memory_niche_naive_weight 0.2): CD8 at half normal 20.6 months and the "
    "CD4:CD8 ratio normal from 17.2 months; 5 years: crossing 18.8 (fails), 8: 17.1 / 17.7, 12: 24.2 / 16.8, 15: "
    "CD8 28.8 (fails). The paediatric naive shares were not transcribed from a study (Shearer 2003 reports them); "
    "to be checked")
PARAMETERS += [
    param("memory_t_cell_accrual_years", 10.0, "year",
          "time constant of memory T-cell accrual with age: memory counts x (1 - exp(-age/tau)) / (1 - "
          "exp(-reference age/tau))", Calibrated(("T4",), MEMORY_ACCRUAL_HOW), bounds=(0.1, 50.0)),
]
