"""G-CSF speeds the post-mitotic neutrophil transit: endogenous (Quartino 2014, from ANC) and exogenous
(filgrastim_wang2001: the post-mitotic chain and the precursor divisions, fitted on Melhem 2017's course;
tests/test_filgrastim_anc.py). docs/chemotherapy_full_model.md, docs/mobilisation.md."""

import numpy as np
import pytest

from hemasim.biology import healthy_human_model
from hemasim.biology.myeloid import TRANSIT_ACCELERATION
from hemasim.model.laws import hill_ratio
from hemasim.parameters import healthy_adult_parameters
from hemasim.pharmacology import DrugExposure, load_drug_set


def _flows(model: object) -> dict[str, object]:
    return {f.name: f for m in model.modules for f in m.flows}  # type: ignore[attr-defined]


#: Quartino 2014's exponent (in its own chain; the full model's fitted value is 0, docs): the law at a non-zero exponent
QUARTINO_BETA = 0.234


def test_endogenous_speed_up_is_one_at_the_set_point_and_capped_where_gcsf_saturates() -> None:
    p = healthy_adult_parameters().with_values(neutrophil_transit_gcsf_exponent=QUARTINO_BETA)
    model = healthy_human_model(parameters=p, aging=False).compile()
    ref, c, n = np.asarray(model.fb_params)[model.feedback_names.index(TRANSIT_ACCELERATION), :3]

    def speed_up(relative_anc: float) -> float:
        return float(hill_ratio(0.0, relative_anc * ref, ref, c, n, 0, 0))

    assert speed_up(1.0) == pytest.approx(1.0)  # healthy steady state unchanged
    # Quartino's quasi-steady G-CSF: G/G0 = (1 + a)/(1 + a x), a = kANC ANC0 / ke; speed-up (G/G0)^beta
    a = p.value("gcsf_neutrophil_elimination_rate_per_h_per_anc") * p.value("anc_setpoint_1e9_per_L") \
        / p.value("gcsf_renal_elimination_rate_per_h")
    beta = p.value("neutrophil_transit_gcsf_exponent")
    for x in (0.0, 0.02, 0.2, 0.5, 3.0, 8.0):
        assert speed_up(x) == pytest.approx(((1.0 + a) / (1.0 + a * x)) ** beta, rel=0.13)
    assert speed_up(0.0) == pytest.approx((1.0 + a) ** beta)  # the maximum is matched exactly
    assert 2.0 < speed_up(0.0) < 3.0  # 5.8 d towards ~2.4 d, the order Price 1996 measured under G-CSF (6.4 -> 2.9 d)
    assert speed_up(2.0) < 1.0  # a high ANC lowers G-CSF: slower


def test_no_exponent_no_speed_up() -> None:
    params = healthy_adult_parameters().with_values(neutrophil_transit_gcsf_exponent=0.0)
    model = healthy_human_model(parameters=params, aging=False).compile()
    ref, c, n = np.asarray(model.fb_params)[model.feedback_names.index(TRANSIT_ACCELERATION), :3]
    assert c == 0.0 and np.isfinite(n)
    for x in (0.0, 0.1, 1.0, 5.0):  # the law's limit: a factor of 1 at any ANC
        assert float(hill_ratio(0.0, x * ref, ref, c, n, 0, 0)) == pytest.approx(1.0, abs=1e-12)
    # the exponent grows the speed-up monotonically from that limit (ANC at 10% of the set point)
    ups = []
    for beta in (0.0, 0.05, QUARTINO_BETA, 0.5):
        m = healthy_human_model(parameters=params.with_values(neutrophil_transit_gcsf_exponent=beta),
                                aging=False).compile()
        r, cb, nb = np.asarray(m.fb_params)[m.feedback_names.index(TRANSIT_ACCELERATION), :3]
        ups.append(float(hill_ratio(0.0, 0.1 * r, r, cb, nb, 0, 0)))
    assert ups[0] == pytest.approx(1.0) and ups == sorted(ups) and ups[1] > 1.0


def test_the_exponent_leaves_the_healthy_steady_state_where_it_was() -> None:
    from hemasim.simulation import steady_state

    p = healthy_adult_parameters()
    states = [steady_state(healthy_human_model(parameters=p.with_values(neutrophil_transit_gcsf_exponent=b),
                                               aging=False).compile()) for b in (0.0, QUARTINO_BETA, 1.0)]
    for x in states[1:]:
        np.testing.assert_allclose(x, states[0], rtol=1e-9, atol=1e-12)


def _stages() -> int:
    from hemasim.parameters import healthy_adult_parameters

    return int(healthy_adult_parameters().value("neutrophil_maturation_stages"))


def test_only_the_post_mitotic_chain_is_accelerated() -> None:
    flows = _flows(healthy_human_model(aging=False))
    accelerated = {n for n, f in flows.items() if TRANSIT_ACCELERATION in f.feedbacks}  # type: ignore[attr-defined]
    n = _stages()
    assert accelerated == {*(f"neutrophil_maturing_{i}_to_neutrophil_maturing_{i + 1}" for i in range(1, n)),
                           f"neutrophil_maturing_{n}_out"}


def test_filgrastim_speeds_the_same_chain() -> None:
    ds = load_drug_set("filgrastim_wang2001")
    flows = _flows(healthy_human_model(aging=False, extensions=[DrugExposure(ds)]))
    speed = "filgrastim_effect_1_maturation_speed"
    assert speed in flows[f"neutrophil_maturing_{_stages()}_out"].feedbacks  # type: ignore[attr-defined]
    assert speed not in flows["neutrophil_progenitor_to_precursors"].feedbacks  # type: ignore[attr-defined]
