"""Endogenous G-CSF and its speed-up of neutrophil maturation: Quartino 2014 (docetaxel, breast cancer).

Quartino's model: dG/dt = kin - (ke + kANC ANC) G (G-CSF is cleared by the kidneys and by neutrophils' receptors)
and every maturation transit is multiplied by (G/G0)^beta. The values were read from the model as encoded by the
R package myelo (github radivot/myelo, myelo/demo/quartino14.R; /work/shared/data/literature rows "docetaxel +
G-CSF (Quartino)"); the paper itself was not reachable with the search tools. How the full model uses them:
hemasim.biology.myeloid (neutrophil_transit_acceleration) and docs/chemotherapy_full_model.md.
"""

from hemasim.parameters.core import Calibrated, Cited, Reference
from hemasim.parameters.sets._helpers import param

QUARTINO_2014 = Reference(
    "Quartino2014", "Quartino AL, Karlsson MO, Lindman H, Friberg LE.", 2014,
    "Characterization of endogenous G-CSF and the inverse correlation to chemotherapy-induced neutropenia in "
    "patients with breast cancer using population modeling", "Pharm Res 31:3390-3403", "10.1007/s11095-014-1429-9")

_WHERE = "as encoded in radivot/myelo myelo/demo/quartino14.R"

PARAMETERS = [
    param("gcsf_renal_elimination_rate_per_h", 0.592, "1/h",
          "first-order (renal) elimination rate of endogenous G-CSF",
          Cited(QUARTINO_2014, f"ke = 0.592 1/h ({_WHERE})"), bounds=(0.05, 5.0)),
    param("gcsf_neutrophil_elimination_rate_per_h_per_anc", 5.64, "1/h per 1e9/L",
          "elimination rate of G-CSF by neutrophils (receptor-mediated) per unit of ANC",
          Cited(QUARTINO_2014, f"kANC = 5.64 1/h per 1e9/L ({_WHERE})"), bounds=(0.1, 50.0)),
    # Quartino's beta = 0.234 (FBtr = (GCSF/GCSF0)^beta on every transit rate) was estimated in Quartino's dispersed
    # 5-compartment chain; in the full model's sharp 80-stage chain it is fitted (hemasim.inference.docetaxel,
    # fit_gcsf_exponent; docs/chemotherapy_full_model.md "The G-CSF exponent, fitted")
    param("neutrophil_transit_gcsf_exponent", 0.0, "1",
          "exponent of the G-CSF speed-up of neutrophil maturation: transit rate x (G/G0)^beta",
          Calibrated(("C9",), "joint fit with the docetaxel full-model slope and the mitotic transit "
                              "(hemasim.inference.docetaxel, fit_gcsf_exponent; 80 stages, 8 divisions, Craig 2016 "
                              "prior) to the Kloft 2006 typical course (C9) and the Quartino 2014 typical course "
                              "(myelo quartino14): the optimum lies at the lower bound 0, 95% profile CI [0, 0.051] "
                              "(open at 0); Quartino's 0.234 is 10.9 above the optimum; each course alone also "
                              "puts it at 0; adopted by the rule committed before the cohort (the bound)"),
          bounds=(0.0, 1.0)),
    # where the speed-up acts: the whole post-mitotic chain (1, as fitted above) or its last stages only (the mature
    # marrow reserve); the reserve refit of docs/chemotherapy_full_model.md ("G-CSF on the mature marrow reserve
    # only") profiles it
    param("neutrophil_gcsf_reserve_share", 1.0, "1",
          "share of the post-mitotic neutrophil stages, the last ones (the mature marrow reserve), whose exit G-CSF's "
          "speed-up (endogenous and drug) multiplies; 1: the whole chain",
          Calibrated(("C9",), "profiled on the grid 1, 0.7, 0.5, 0.41 (Craig 2016's reserve share), 0.25 by the "
                              "rule committed before the fit (docs/fit_reserve.py): at each share the docetaxel "
                              "slope, mitotic transit and this speed-up's exponent refitted on the Kloft 2006 (C9) "
                              "and Quartino 2014 courses (the exponent stays 0 at every share, objective unchanged), "
                              "then filgrastim_wang2001's production EC50 and speed-up E_max/EC50 on Melhem 2017's "
                              "healthy course plus Price 1996's 2.9-d transit; the total objective rises as the share "
                              "falls (Melhem's fast rise needs the whole chain sped), so 1 is kept"),
          bounds=(0.01, 1.0)),
]
