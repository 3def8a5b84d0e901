"""Adult blood lymphocyte subsets (single-platform flow cytometry): Chng, Tan, Kuperan 2004, Table 3.

One rule for all four reference counts (issue 17; docs/model.md, "The adult reference counts"): the table's median,
taken over both sexes as the equal-weight mean of the men's (n = 104) and the women's (n = 128) medians. A set point
is the median of the model's log-normal cohort (value x exp(omega * eta)), hence the median; the model has one
lymphocyte set point for both sexes, hence the sex-balanced mean of the two. The sex-balanced median lies between the
two sexes' medians, so the value is within half their gap of it.
"""

from hemasim.parameters.bibliography import CHNG_2004
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import interval_iiv, param

#: Chng 2004 Table 3 (pages corpus, PMC321350/table/t3): median absolute counts, cells/uL, (men, women).
TABLE3_MEDIANS: dict[str, tuple[float, float]] = {"CD4": (814.0, 813.0), "CD8": (636.0, 597.0),
                                                   "CD19": (325.0, 340.0), "NK": (413.0, 330.0)}


def sex_balanced_median(subset: str) -> float:
    """The equal-weight mean of the men's and the women's medians of one subset (cells/uL)."""
    men, women = TABLE3_MEDIANS[subset]
    return (men + women) / 2.0


def _cited(subset: str) -> Cited:
    men, women = TABLE3_MEDIANS[subset]
    return Cited(CHNG_2004, f"Table 3, median {subset} count: men {men:g}, women {women:g}/uL; the mean of the two "
                            "(sex-balanced; one statistic for all four subsets, docs/model.md)")


PARAMETERS = [
    param("cd4_reference_per_uL", sex_balanced_median("CD4"), "cells/uL", "blood CD4 T cells in a healthy adult",
          _cited("CD4"), bounds=(100.0, 3000.0), **interval_iiv(313, 1361, "Chng 2004 CD4, men")),
    param("cd8_reference_per_uL", sex_balanced_median("CD8"), "cells/uL", "blood CD8 T cells in a healthy adult",
          _cited("CD8"), bounds=(50.0, 3000.0), **interval_iiv(228, 1243, "Chng 2004 CD8, men")),
    param("b_reference_per_uL", sex_balanced_median("CD19"), "cells/uL", "blood B (CD19) cells in a healthy adult",
          _cited("CD19"), bounds=(20.0, 2000.0), **interval_iiv(109, 802, "Chng 2004 CD19, men")),
    param("nk_reference_per_uL", sex_balanced_median("NK"), "cells/uL", "blood NK cells in a healthy adult",
          _cited("NK"), bounds=(20.0, 3000.0),
          **interval_iiv(96, 1103, "Chng 2004 NK, the women's lower and the men's upper limit")),
]
