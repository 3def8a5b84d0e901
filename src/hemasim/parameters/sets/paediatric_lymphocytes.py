"""Children's blood lymphocyte counts relative to the adult reference (hemasim.biology.lymphoid). Time in years.

Children carry more T and B cells per uL than adults, most in infancy. The model multiplies each adult
reference count (Chng 2004) by 1 + excess * exp(-age / decay): the excess at birth and its decay time are an
approximate fit, by eye, to the age-band medians of the PACTG P1009 study (Shearer 2003, J Allergy Clin Immunol
112:973: 0-3 months to 12-18 years) as recalled, not transcribed from its table - hence marked assumed until
someone checks them against the paper. NK counts are taken as the adult ones. The set points are those of the
starting age (a child does not grow during a run).
"""

from hemasim.parameters.core import Assumed
from hemasim.parameters.sets._helpers import param

WHY = ("lymphocyte set points of children and infants (T4, D3, issue 4); approximate fit to the PACTG P1009 "
       "age-band medians (Shearer 2003) as recalled, not transcribed: check against the paper's table")

PARAMETERS = [
    param("cd4_child_excess_at_birth", 2.4, "1",
          "CD4 count of a newborn over the adult reference, minus 1 (infant median about 2,700/uL vs 838)",
          Assumed(WHY, "about 3.4-fold in infancy, 1.6-fold at 4 years, 1.2-fold at 9, adult by the late teens"),
          bounds=(0.0, 10.0)),
    param("cd4_child_excess_decay_years", 4.0, "year", "decay time of the children's CD4 excess",
          Assumed(WHY, "see cd4_child_excess_at_birth"), bounds=(0.5, 20.0)),
    param("cd8_child_excess_at_birth", 1.2, "1",
          "CD8 count of a newborn over the adult reference, minus 1 (infant median about 1,050/uL vs 532)",
          Assumed(WHY, "about 2-fold in infancy, 1.5-fold at 4 years, 1.2-fold at 9"), bounds=(0.0, 10.0)),
    param("cd8_child_excess_decay_years", 5.0, "year", "decay time of the children's CD8 excess",
          Assumed(WHY, "see cd8_child_excess_at_birth"), bounds=(0.5, 20.0)),
    param("b_child_excess_at_birth", 3.4, "1",
          "B-cell count of an infant over the adult reference, minus 1 (median about 1,500/uL at 3-24 months vs "
          "350)", Assumed(WHY, "about 4.4-fold in infancy, 2-fold at 4 years, 1.3-fold at 9"), bounds=(0.0, 10.0)),
    param("b_child_excess_decay_years", 3.5, "year", "decay time of the children's B-cell excess",
          Assumed(WHY, "see b_child_excess_at_birth"), bounds=(0.5, 20.0)),
]
