"""The size of a child's stem and progenitor pools (hemasim.biology.body.stem_pool_size_fraction).

Dingli & Pacheco 2007 (Proc R Soc B 274:2497, abstract; pages corpus, mayoclinic.pure.elsevier.com): during
human ontogenic growth the active HSC pool scales *linearly* with body mass (their 3/4-power law of 2006, PLoS
ONE 1:e2, is across the adult masses of mammalian species, not within one species). The model's HSC pool
(``hsc_count``, Lee-Six 2018) is an adult's, and the short-term and MPP pools are derived from its output, so a
growing patient gets ``hsc_count x min(1, weight / stem_pool_adult_body_mass_kg)``; from
``stem_pool_growth_end_age_years`` on the pool is the adult one at every body size (no source scales the HSC
number with body size among adults). Setting ``stem_pool_growth_end_age_years`` to 0 switches the law off.
"""

from hemasim.parameters.bibliography import ICRP_1975, ICRP_2002
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("stem_pool_adult_body_mass_kg", 70.0, "kg",
          "body mass at which a growing patient's stem pool reaches the adult hsc_count (the pool grows in "
          "proportion to body mass below it, Dingli & Pacheco 2007)",
          Cited(ICRP_1975, "Reference Man, 70 kg (quoted as 'the mass of standard man' in a dosimetry report, "
                           "rminucleardocs.icaad.ngo, pages corpus); also the model's reference adult "
                           "(REFERENCE_ADULT, 70 kg)"),
          bounds=(40.0, 100.0)),
    param("stem_pool_growth_end_age_years", 20.0, "year",
          "age from which the stem pool is the adult hsc_count whatever the body mass (before it: the growth "
          "law of Dingli & Pacheco 2007); 0 switches the law off",
          Cited(ICRP_2002, "the reference individuals are newborn, 1, 5, 10, 15 years and adult, the adult at 20 "
                           "years (as ICRP Publication 89's series is restated in the abstract of its "
                           "specific-absorbed-fraction successor, sage.cnpereading.com 10.1177/01466453231210647, "
                           "pages corpus)"),
          bounds=(0.0, 25.0)),
]
