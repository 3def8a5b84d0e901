"""The registry of validation read-outs: every name a check of ``targets.yaml`` may give.

``READOUTS`` maps each named read-out to its :class:`~hemasim.validation.base.Readout`; a name of the form
``drug_set:<set>:<path>`` (or ``drug_set_fold:...``) is a :class:`~hemasim.validation.base.DrugSetValue`,
the drug set's own data addressed by path. :func:`find_readout` resolves either.
"""

from __future__ import annotations

from hemasim.validation.base import DRUG_SET_PREFIXES, DrugSetValue, Readout, merge_readouts
from hemasim.validation.chemotherapy import CHEMOTHERAPY
from hemasim.validation.chemotherapy_schedules import CHEMOTHERAPY_SCHEDULES  # predict2: P11-P15
from hemasim.validation.chimerism import CHIMERISM  # cond: lineage chimerism after conditioning (X1-X5)
from hemasim.validation.clonal_engine import CLONAL_ENGINE
from hemasim.validation.cord import CORD  # cord: K1-K3
from hemasim.validation.gcsf_graft import GCSF_GRAFT  # gcsfgraft: T12, T13
from hemasim.validation.immunity import IMMUNITY
from hemasim.validation.mobilisation import MOBILISATION
from hemasim.validation.predictions4 import PREDICTIONS4  # predict4: Q1-Q9
from hemasim.validation.predictions5 import PREDICTIONS5  # predict5: V1-V5
from hemasim.validation.predictions6 import PREDICTIONS6  # predict6: W1-W6
from hemasim.validation.predictions7 import PREDICTIONS7  # predict7: Y1-Y6
from hemasim.validation.predictions8 import PREDICTIONS8  # predict29a: N1-N4
from hemasim.validation.predictions9 import PREDICTIONS9  # predict29b: L1-L6
from hemasim.validation.predictions10 import PREDICTIONS10  # predict30: Z1-Z7
from hemasim.validation.predictions11 import PREDICTIONS11  # predict30b: U1-U5
from hemasim.validation.predictions12 import PREDICTIONS12  # predict32: F1-F4
from hemasim.validation.predictions13 import PREDICTIONS13  # predict32b: A8-A9
from hemasim.validation.predictions14 import PREDICTIONS14  # predict32c: B1-B2
from hemasim.validation.predictions15 import PREDICTIONS15  # predict33: E1-E2
from hemasim.validation.predictions16 import PREDICTIONS16  # predict34: J1-J4
from hemasim.validation.predictions17 import PREDICTIONS17  # predict34b: F5-F6
from hemasim.validation.predictions18 import PREDICTIONS18  # predict35: Y7-Y9
from hemasim.validation.predictions19 import PREDICTIONS19  # predict36: O1-O4
from hemasim.validation.predictions_misc import PREDICTIONS_MISC
from hemasim.validation.reconstitution_and_ageing import RECONSTITUTION_AND_AGEING  # predict3: R1-R8
from hemasim.validation.red_cell_apheresis import RED_CELL_APHERESIS  # predict2: P17
from hemasim.validation.steady_state import STEADY_STATE
from hemasim.validation.transplant import TRANSPLANT

#: Every named read-out, grouped by subject in the modules they come from.
READOUTS: dict[str, Readout] = merge_readouts(STEADY_STATE, CLONAL_ENGINE, CHEMOTHERAPY, IMMUNITY, TRANSPLANT,
                                                 MOBILISATION,
                                                 PREDICTIONS_MISC)
READOUTS = merge_readouts(READOUTS, CHIMERISM)  # cond
READOUTS = merge_readouts(READOUTS, CHEMOTHERAPY_SCHEDULES, RED_CELL_APHERESIS)  # predict2: P11-P17
READOUTS = merge_readouts(READOUTS, RECONSTITUTION_AND_AGEING)  # predict3: R1-R8
READOUTS = merge_readouts(READOUTS, PREDICTIONS4)  # predict4: Q1-Q9
READOUTS = merge_readouts(READOUTS, PREDICTIONS5)  # predict5: V1-V5
READOUTS = merge_readouts(READOUTS, PREDICTIONS7)  # predict7: Y1-Y6
READOUTS = merge_readouts(READOUTS, PREDICTIONS6)  # predict6: W1-W6
READOUTS = merge_readouts(READOUTS, CORD)  # cord: K1-K3 (single cord-blood units)
READOUTS = merge_readouts(READOUTS, GCSF_GRAFT)  # gcsfgraft: T12, T13 (filgrastim after an allogeneic graft)
READOUTS = merge_readouts(READOUTS, PREDICTIONS8)  # predict29a: N1-N4 (DISTAL-01 docetaxel schedules, lymphocytes after one whole-body exposure)
READOUTS = merge_readouts(READOUTS, PREDICTIONS9)  # predict29b: L1-L6 (vaccine boosters, chemotherapy lymphodepletion, vaccine dose and age)
READOUTS = merge_readouts(READOUTS, PREDICTIONS10)  # predict30: Z1-Z7 (granulocytes after radiation, filgrastim doses, donor age)
READOUTS = merge_readouts(READOUTS, PREDICTIONS11)  # predict30b: U1-U5 (platelets in the days after one plateletpheresis, filgrastim every 12 hours)
READOUTS = merge_readouts(READOUTS, PREDICTIONS13)  # predict32b: A8-A9 (CH in the UK Biobank's exomes, ages 40-69)
READOUTS = merge_readouts(READOUTS, PREDICTIONS12)  # predict32: F1-F3 (TC without G-CSF and with pegfilgrastim 6 or 3 mg)
READOUTS = merge_readouts(READOUTS, PREDICTIONS14)  # predict32c: B1-B2 (haemoglobin of high-frequency whole-blood and 2RBC donors)
READOUTS = merge_readouts(READOUTS, PREDICTIONS15)  # predict33: E1-E2 (engraftment after an autologous PBPC graft in children)
READOUTS = merge_readouts(READOUTS, PREDICTIONS16)  # predict34: J1-J4 (blood counts after Flu/Bu 8 mg/kg and an allogeneic blood graft)
READOUTS = merge_readouts(READOUTS, PREDICTIONS17)  # predict34b: F5-F6 (TC with pegfilgrastim, ADVANCE and RECOVER's pegfilgrastim arms)
READOUTS = merge_readouts(READOUTS, PREDICTIONS18)  # predict35: Y7-Y9 (mRNA-1273 phase 1: antibody on days 15, 36, 57 over day 29)
READOUTS = merge_readouts(READOUTS, PREDICTIONS19)  # predict36: O1-O4 (HPV two doses against three; weekly nab-paclitaxel 150 mg/m2)


def find_readout(name: str) -> Readout:
    """The read-out a check names; ``KeyError`` for an unknown name."""
    if name.startswith(DRUG_SET_PREFIXES):
        return DrugSetValue.parse(name)
    try:
        return READOUTS[name]
    except KeyError:
        raise KeyError(f"unknown read-out {name!r}") from None


__all__ = ["READOUTS", "find_readout"]
