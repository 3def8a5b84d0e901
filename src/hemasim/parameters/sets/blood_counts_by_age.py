"""Age trend of the red-cell and platelet set points (branch agetrend, issue 17; docs/model.md, "Age trend of the
red-cell and platelet set points").

Each set point is the reference adult's (35 y) times exp(-k max(0, age - 35)). The rates are fitted by
docs/agetrend_fit.py on docs/agetrend_data.csv: platelet percentiles of Italian adults 15-64 and over 64 y by sex
(Biino 2013 PLoS One 8:e54289, abstract) and the NHANES III haemoglobin 5th percentiles under and over 60 y by sex
(Beutler & Waalen 2006 Blood 107:1747, as tabulated in J Geriatr Med Gerontol 5:063 Table 3). No validation
target's source (R3: Nilsson-Ehle 2000; R8: Segal & Moliterno 2006) or its cohort is in the fit.

Below the adult age a child's red-cell set point follows Dallman 1977's mean Hb by age (branch infanthb;
hemasim.biology.body.child_red_cell_factor; docs/model.md, "Red-cell set point of infants and children") and its
mean cell Hb the same table's mean MCH by age (branch childblood; hemasim.biology.body.child_mch_factor), and
below the children's end age their blood volume is Linderkamp 1977's mL/kg by age (branch childblood;
hemasim.biology.body.blood_volume_L; docs/model.md, "Blood volume of infants and children").
"""

from hemasim.parameters.bibliography import DALLMAN_1977, LINDERKAMP_1977
from hemasim.parameters.core import Cited, Fitted, PlausibleRange
from hemasim.parameters.sets._helpers import param

DATA = ("docs/agetrend_data.csv",)
PROBLEM = "docs/agetrend_fit.py (weighted least squares of class contrasts; docs/model.md)"
#: where both Dallman 1977 values (the Hb and MCH adult classes) were read
DALLMAN_READ = "(read in Nathan & Oski's reproduction of the table, munstermom.tripod.com/HematologicValues.htm)"
ENVELOPE = ("95% interval: the envelope over the open class ends and centre/shift readings of estimate +- 1.96 SE "
            "(docs/agetrend_fit.py)")

PARAMETERS = [
    param("platelet_setpoint_age_decline_per_year", 0.0026, "1/year",
          "rate of the exponential fall of the platelet set point with age past 35 y (both sexes)",
          Fitted(DATA, PROBLEM, 0.004166, "95% envelope [0.00129, 0.00377]; SE 0.00031"), bounds=(0.0, 0.05),
          plausible_range=PlausibleRange(0.00129, 0.00377, f"Biino 2013 by docs/agetrend_fit.py; {ENVELOPE}")),
    param("rbc_setpoint_age_decline_male_per_year", 0.0012, "1/year",
          "rate of the exponential fall of the red-cell set point with age past 35 y, men",
          Fitted(DATA, PROBLEM, 0.0, "95% envelope [0.00068, 0.00321]; SE 0.00022"), bounds=(0.0, 0.05),
          plausible_range=PlausibleRange(0.00068, 0.00321, f"NHANES III, Beutler & Waalen 2006, by "
                                                           f"docs/agetrend_fit.py; {ENVELOPE}")),
    param("rbc_setpoint_age_decline_female_per_year", 0.0, "1/year",
          "rate of the exponential fall of the red-cell set point with age past 35 y, women",
          Fitted(DATA, PROBLEM, 0.0, "95% envelope [-0.00077, 0.00077]; SE 0.00022 (no fall: equal percentiles)"),
          bounds=(0.0, 0.05)),
    param("rbc_setpoint_adult_age_years", 18.0, "year",
          "age from which the red-cell set point is the adult one; below it the set point follows the children's "
          "mean Hb by age over the adult mean (hemasim.biology.body.child_red_cell_factor); 0 switches that off",
          Cited(DALLMAN_1977, f"haematological values by age, Hb mean: the adult class is 18-49 years {DALLMAN_READ}"),
          bounds=(0.0, 25.0)),
    param("blood_volume_child_end_age_years", 15.0, "year",
          "age below which the blood volume is the children's mean mL/kg by age and sex times weight, with or "
          "without a height (hemasim.biology.body.blood_volume_L); from it on Nadler 1962 or the adult mL/kg; 0 "
          "switches that off",
          Cited(LINDERKAMP_1977, "Table 1 p. 228: the oldest class is 11-14 years (completed), so the table covers "
                "ages below 15 (read at medicalalgorithms.com, pages corpus)"),
          bounds=(0.0, 25.0)),
    param("mch_adult_age_years", 18.0, "year",
          "age from which the mean cell Hb is the adult one; below it it follows the children's mean MCH by age "
          "over the adult mean, and the red-cell count the mean Hb over that (hemasim.biology.body.child_mch_factor); "
          "0 switches that off",
          Cited(DALLMAN_1977, "haematological values by age, MCH mean: the adult class is 18-49 years, 30 pg "
                f"{DALLMAN_READ}"),
          bounds=(0.0, 25.0)),
]
