"""Homeostatic set points: the midpoints of textbook adult reference intervals."""

from hemasim.parameters.bibliography import HOFFBRAND_2016, MERCK_MANUAL
from hemasim.parameters.core import Cited
from hemasim.parameters.sets._helpers import interval_iiv, param

PARAMETERS = [
    param("anc_setpoint_1e9_per_L", 4.75, "1e9/L", "homeostatic absolute neutrophil count",
          Cited(MERCK_MANUAL, "ANC reference interval 1.8-7.7 x10^9/L; midpoint"), bounds=(0.5, 15.0), **interval_iiv(1.8, 7.7, "Merck Manual ANC")),
    param("monocyte_setpoint_1e9_per_L", 0.7, "1e9/L", "homeostatic blood monocyte count",
          Cited(MERCK_MANUAL, "monocytes 0.2-1.2 x10^9/L; midpoint"), bounds=(0.05, 3.0), **interval_iiv(0.2, 1.2, "Merck Manual monocytes")),
    param("platelet_setpoint_1e9_per_L", 275.0, "1e9/L", "homeostatic platelet count",
          Cited(MERCK_MANUAL, "platelets 150-400 x10^9/L; midpoint"), bounds=(50.0, 1000.0), **interval_iiv(150, 400, "Merck Manual platelets")),
    param("rbc_setpoint_male_1e12_per_L", 5.2, "1e12/L", "homeostatic red cell count, men",
          Cited(MERCK_MANUAL, "RBC men 4.5-5.9 x10^12/L; midpoint"), bounds=(3.0, 7.0), **interval_iiv(4.5, 5.9, "Merck Manual RBC, men")),
    param("rbc_setpoint_female_1e12_per_L", 4.6, "1e12/L", "homeostatic red cell count, women",
          Cited(MERCK_MANUAL, "RBC women 4.1-5.1 x10^12/L; midpoint"), bounds=(3.0, 7.0), **interval_iiv(4.1, 5.1, "Merck Manual RBC, women")),
    param("mean_cell_hemoglobin_pg", 30.0, "pg/cell", "mean hemoglobin content of a red cell (MCH)",
          Cited(HOFFBRAND_2016, "red cell indices, normal adult values: MCH 27-34 pg; 30 used"), bounds=(20.0, 40.0)),
    param("blood_volume_mL_per_kg_male", 70.0, "mL/kg", "blood volume per kg, men (no height given)",
          Cited(HOFFBRAND_2016, "blood volume about 70 mL/kg in men"), bounds=(50.0, 90.0)),
    param("blood_volume_mL_per_kg_female", 65.0, "mL/kg", "blood volume per kg, women (no height given)",
          Cited(HOFFBRAND_2016, "blood volume about 65 mL/kg in women"), bounds=(50.0, 90.0)),
    param("erythroblast_maturation_days", 6.0, "day",
          "time from the last erythroid progenitor division to reticulocyte release",
          Cited(HOFFBRAND_2016, "chapter 2: pronormoblast to reticulocyte release takes about 5-7 days"),
          bounds=(3.0, 10.0)),
]
