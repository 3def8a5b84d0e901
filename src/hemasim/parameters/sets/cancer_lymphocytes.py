"""Blood lymphocytes of patients with metastatic cancer before chemotherapy (the virtual chemotherapy cohorts'
lymphocyte baseline, :func:`hemasim.cohort.sampling.cancer_white_cell_draws`; docs/chemotherapy_full_model.md,
"White cells other than neutrophils")."""

import math
from statistics import NormalDist

from hemasim.parameters.bibliography import EMILE_2021, RAY_COQUARD_2009
from hemasim.parameters.core import Cited, Derived
from hemasim.parameters.sets._helpers import param

#: the lymphopenia threshold of Ray-Coquard 2009's share (1000/uL)
LYMPHOPENIA_THRESHOLD_1E9_PER_L = 1.0
_MEDIAN_1E9_PER_L = 1.4
_SHARE_BELOW_THRESHOLD = 0.25


def lymphocyte_log_sd(median_1e9_per_L: float, share_below_threshold: float) -> float:
    """SD of ln(lymphocyte count) of the log-normal with this median and this share below
    :data:`LYMPHOPENIA_THRESHOLD_1E9_PER_L`."""
    return math.log(median_1e9_per_L / LYMPHOPENIA_THRESHOLD_1E9_PER_L) / -NormalDist().inv_cdf(share_below_threshold)


PARAMETERS = [
    param("metastatic_cancer_lymphocytes_median_1e9_per_L", _MEDIAN_1E9_PER_L, "1e9/L",
          "median blood lymphocyte count of patients with metastatic cancer before a new line of treatment",
          Cited(EMILE_2021, "abstract (pages corpus, spandidos-publications.com/10.3892/ol.2021.13143): 114 women "
                            "with metastatic breast cancer, median baseline ALC 1.4 g/L (range 0.2-4.3), 57% below "
                            "1.5 g/L"),
          bounds=(0.5, 3.0)),
    param("metastatic_cancer_lymphopenia_fraction", _SHARE_BELOW_THRESHOLD, "1",
          "share of patients with metastatic cancer whose lymphocyte count is below 1.0e9/L before chemotherapy",
          Cited(RAY_COQUARD_2009, "abstract (pages corpus, PMC2775079): lymphopenia < 1000/uL before treatment in "
                                  "25% of metastatic breast carcinoma (FEC trial), 24% of advanced soft-tissue "
                                  "sarcoma and 27% of aggressive lymphoma: 'constant among the series'"),
          bounds=(0.05, 0.5)),
    param("metastatic_cancer_lymphocytes_log_sd", round(lymphocyte_log_sd(_MEDIAN_1E9_PER_L, _SHARE_BELOW_THRESHOLD), 4),
          "1", "between-patient SD of ln(blood lymphocyte count) in metastatic cancer before chemotherapy",
          Derived(("metastatic_cancer_lymphocytes_median_1e9_per_L", "metastatic_cancer_lymphopenia_fraction"),
                  "ln(median / 1.0e9/L) / z(1 - share below 1.0e9/L): the log-normal with Emile 2021's median and "
                  "Ray-Coquard 2009's share below 1.0e9/L (it puts 55.5% below 1.5e9/L; Emile 2021: 57%)"),
          bounds=(0.1, 1.5)),
]
