"""Clonal haematopoiesis as measured by a targeted gene panel (calibrated, see docs/clonal.md)."""

from hemasim.parameters.core import Calibrated
from hemasim.parameters.sets._helpers import param

PARAMETERS = [
    param("ch_panel_driver_fraction", 0.038, "1",
          "share of driver mutations (Spencer Chapman 2024 landscape) that a CH gene panel detects: in the "
          "canonical CH genes and called at VAF >= 2%",
          Calibrated(("A1",), "chosen so that CH prevalence (VAF >= 2%) at ages 70-79 is 9.5%, the Jaiswal 2014 "
                     "value in a simulated cohort of 3,000 lifespans (seed 0; 0.0381); the 80-89 and 90+ bands and "
                     "'rare under 40' are then checks, not fitted "
                     "(hemasim.clonal.ch.calibrate_panel_fraction recomputes it)"),
          bounds=(0.0, 1.0)),
]
