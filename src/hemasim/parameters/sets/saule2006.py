"""Naive share of CD4 T cells by age (Saule 2006) and the age the lymphocyte reference values apply at.

Saule et al. measured naive (CD45RA+CCR7+) and memory CD4+ and CD8+ T cells in 101 healthy subjects aged 5-96
years: naive cells fall linearly with age, and memory cells outnumber naive cells "on average at 37.4 [years] in
the CD4+ ... pool" (abstract, read in the pages corpus: pubmed 16352331): the CD4 naive share is 0.5 at age 37.4
years. The model states the naive share at its lymphocyte reference age, 35 years (assumed, structural_assumptions):
2.4 years before Saule's age. The abstract gives no slope of the linear decline, so the value is not corrected for
that gap; moving the reference age to 37.4 would move the 35-year reference adult of the model with it (not done).
"""

from hemasim.parameters.core import Cited, Reference
from hemasim.parameters.sets._helpers import param

SAULE_2006 = Reference(
    "Saule2006", "Saule P, Trauet J, Dutriez V, Lekeux V, Dessaint JP, Labalette M", 2006,
    "Accumulation of memory T cells from childhood to old age: central and effector memory cells in CD4+ versus "
    "effector memory and terminally differentiated memory cells in CD8+ compartment", "Mech Ageing Dev 127:274-281",
    "10.1016/j.mad.2005.11.001")

_WHERE = ("abstract (pubmed 16352331, read in the pages corpus): 101 healthy subjects aged 5-96 y; naive CD4+ T "
          "cells fall linearly with age, and memory cells outnumber naive cells in the CD4+ pool from 37.4 years on "
          "average")

PARAMETERS = [
    param("cd4_naive_fraction", 0.5, "1", "naive share of CD4 T cells at the reference age",
          Cited(SAULE_2006, _WHERE + ": the naive share is one half at 37.4 y; applied at the model's lymphocyte "
                "reference age, 35 y (the decline's slope is not in the abstract; not corrected for the 2.4 years)"),
          bounds=(0.05, 0.95)),
]
