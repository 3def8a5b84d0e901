"""Engrafting HSCs after allogeneic HSCT, from the CC0 data of Spencer Chapman et al. 2024
(repository mspencerchapman/Clonal_dynamics_of_HSCT, commit ae382ae): posterior sample of the
HSCT bottleneck for pair 11 (bone-marrow graft, 1.56e6 CD34+/kg, myeloablative), median 660
engrafting HSCs (5-95%: 512-1351)."""

from hemasim.parameters.bibliography import SPENCER_CHAPMAN_2024
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("engrafting_hsc_per_cd34", 660.0 / (1.56e6 * 75.0), "HSC/cell",
          "long-term HSCs that engraft per infused CD34+ cell",
          Cited(SPENCER_CHAPMAN_2024, "pair 11: median HSCT bottleneck 660 HSCs (abc_m2_Pair11 posterior, 5-95% "
                "512-1351) over a CD34+ dose of 1.56e6/kg (Pair_metadata.csv) for a 75-kg recipient (weight "
                "assumed)"),
          bounds=(1e-8, 1e-3)),
]

# Driver landscape of the ABC fit to HSC phylogenies (the model of Mitchell 2022, refitted in this
# repository): driver_parameter_posterior_sample.txt (2,010 draws) and HSC_population_posterior_sample.txt
# (10,000 draws). Medians of the marginal posteriors.
_DRIVERS_PER_YEAR = 210.2  # median number_drivers_per_year entering the whole HSC population
_TARGET_POP_SIZE = 250_760.0  # median target_pop_size (HSCs)

PARAMETERS += [
    param("driver_mutations_per_hsc_year", _DRIVERS_PER_YEAR / _TARGET_POP_SIZE, "1/(cell*year)",
          "positively selected (driver) mutations arising per HSC per year",
          Cited(SPENCER_CHAPMAN_2024, "median drivers entering the population per year (210.2, "
                "driver_parameter_posterior_sample.txt) over the median HSC population size (250,760, "
                "HSC_population_posterior_sample.txt)"),
          bounds=(0.0, 1e-1)),
    param("driver_selection_gamma_shape", 0.779, "1",
          "shape of the gamma distribution of driver selection coefficients (annual clone growth rates)",
          Cited(SPENCER_CHAPMAN_2024, "driver_parameter_posterior_sample.txt: median of gamma_shape (IQR 0.44-1.30)"),
          bounds=(0.01, 20.0)),
    param("driver_selection_gamma_rate_years", 35.6, "year",
          "rate of the gamma distribution of driver selection coefficients (mean s = shape / rate per year)",
          Cited(SPENCER_CHAPMAN_2024, "driver_parameter_posterior_sample.txt: median of gamma_rate (IQR 31.1-41.8)"),
          bounds=(0.1, 1e3)),
]
