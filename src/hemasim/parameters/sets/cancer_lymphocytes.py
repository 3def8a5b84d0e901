"""Blood lymphocytes of patients with metastatic cancer before chemotherapy (the virtual chemotherapy cohorts'
lymphocyte baseline, :func:`hemasim.cohort.sampling.cancer_white_cell_draws`; docs/chemotherapy_full_model.md,
"White cells other than neutrophils"): the cohorts draw a log-normal with this median and
this share below 1.0e9/L (its log SD, 0.499, is computed from the two:
:func:`hemasim.cohort.sampling.lymphocyte_log_sd`)."""

from hemasim.parameters.bibliography import EMILE_2021, RAY_COQUARD_2009
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("metastatic_cancer_lymphocytes_median_1e9_per_L", 1.4, "1e9/L",
          "median blood lymphocyte count of patients with metastatic cancer before a new line of treatment",
          Cited(EMILE_2021, "abstract (pages corpus, spandidos-publications.com/10.3892/ol.2021.13143): 114 women "
                            "with metastatic breast cancer, median baseline ALC 1.4 g/L (range 0.2-4.3), 57% below "
                            "1.5 g/L"),
          bounds=(0.5, 3.0)),
    param("metastatic_cancer_lymphopenia_fraction", 0.25, "1",
          "share of patients with metastatic cancer whose lymphocyte count is below 1.0e9/L before chemotherapy",
          Cited(RAY_COQUARD_2009, "abstract (pages corpus, PMC2775079): lymphopenia < 1000/uL before treatment in "
                                  "25% of metastatic breast carcinoma (FEC trial), 24% of advanced soft-tissue "
                                  "sarcoma and 27% of aggressive lymphoma: 'constant among the series'"),
          bounds=(0.05, 0.5)),
]
