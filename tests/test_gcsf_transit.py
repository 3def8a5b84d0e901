"""G-CSF speeds the post-mitotic neutrophil transit: endogenous (Quartino 2014, from ANC) and exogenous
(filgrastim_wang2001, Price 1996). docs/chemotherapy_full_model.md."""

import numpy as np
import pytest

from hemasim.biology import healthy_human_model
from hemasim.biology.myeloid import TRANSIT_ACCELERATION
from hemasim.model.laws import power
from hemasim.parameters import healthy_adult_parameters
from hemasim.pharmacology import DrugExposure, load_drug_set


def _flows(model: object) -> dict[str, object]:
    return {f.name: f for m in model.modules for f in m.flows}  # type: ignore[attr-defined]


def test_endogenous_speed_up_is_one_at_the_set_point_and_capped_where_gcsf_saturates() -> None:
    model = healthy_human_model(aging=False).compile()
    ref, exponent, floor = np.asarray(model.fb_params)[model.feedback_names.index(TRANSIT_ACCELERATION), :3]
    p = healthy_adult_parameters()
    assert power(0.0, ref, ref, exponent, floor, 0, 0) == pytest.approx(1.0)  # healthy steady state unchanged
    # Quartino's quasi-steady G-CSF: G/G0 -> 1 + kANC ANC0 / ke when neutrophils vanish; speed-up (G/G0)^beta
    relative_gcsf_max = 1.0 + p.value("gcsf_neutrophil_elimination_rate_per_h_per_anc") \
        * p.value("anc_setpoint_1e9_per_L") / p.value("gcsf_renal_elimination_rate_per_h")
    top = power(0.0, 0.0, ref, exponent, floor, 0, 0)
    assert top == pytest.approx(relative_gcsf_max ** p.value("neutrophil_transit_gcsf_exponent"))
    assert 2.0 < top < 3.0  # 5.8 d towards ~2.4 d, the order Price 1996 measured under G-CSF (6.4 -> 2.9 d)
    assert power(0.0, 2.0 * ref, ref, exponent, floor, 0, 0) < 1.0  # a high ANC lowers G-CSF: slower


def test_only_the_post_mitotic_chain_is_accelerated() -> None:
    flows = _flows(healthy_human_model(aging=False))
    accelerated = {n for n, f in flows.items() if TRANSIT_ACCELERATION in f.feedbacks}  # type: ignore[attr-defined]
    assert accelerated == {*(f"neutrophil_maturing_{i}_to_neutrophil_maturing_{i + 1}" for i in range(1, 4)),
                           "neutrophil_maturing_4_out"}


def test_filgrastim_speeds_the_same_chain() -> None:
    ds = load_drug_set("filgrastim_wang2001")
    flows = _flows(healthy_human_model(aging=False, extensions=[DrugExposure(ds)]))
    speed = "filgrastim_effect_1_maturation_speed"
    assert speed in flows["neutrophil_maturing_4_out"].feedbacks  # type: ignore[attr-defined]
    assert speed not in flows["neutrophil_progenitor_to_precursors"].feedbacks  # type: ignore[attr-defined]
    assert 1.0 + ds.effects[1].emax.value == pytest.approx(6.4 / 2.9, rel=0.01)  # type: ignore[union-attr]
