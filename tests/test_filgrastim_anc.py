"""Filgrastim's neutrophil response (drug set filgrastim_wang2001; docs/mobilisation.md, "The neutrophil response
to filgrastim" and "Exogenous G-CSF on top of endogenous G-CSF"): the calibration course of Melhem 2017 as
transcribed in docs/fit_filgrastim_anc.py, the adopted fit against it (the rule's bar), where the speed-up acts, and
the receptor shared with endogenous G-CSF."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from hemasim.biology import healthy_human_model
from hemasim.pharmacology import DrugExposure, load_drug_set
from hemasim.pharmacology.drug_sets import parse_drug_set
from hemasim.pharmacology.pkpd import emax_law, shared_receptor_factor
from tests._scripts import load_script

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "fit_filgrastim_anc.py"
SBML = Path(__file__).resolve().parents[1] / "data" / "biomodels" / "MODEL2211040001.xml"  # CC0, data/biomodels/README.md


@pytest.fixture(scope="module")
def fit() -> ModuleType:
    return load_script(SCRIPT)


def test_the_transcription_follows_melhems_sbml(fit: ModuleType) -> None:
    """The Python transcription of Melhem's model against the BioModels file itself (libRoadRunner), docetaxel and
    corticoid doses of the file's default scenario set to 0; the file doses at t = 0 and then daily at hour 1."""
    from .conftest import roadrunner_trajectory
    libsbml = pytest.importorskip("libsbml", reason="python-libsbml is not installed")
    if not SBML.exists():
        pytest.skip(f"{SBML} is not in this checkout")
    doc = libsbml.readSBML(str(SBML))
    for name in ("dosisChemo", "dosisCorticoids"):
        doc.getModel().getRule(name).setMath(libsbml.parseL3Formula("0"))
    # the published file at libRoadRunner's own tolerances (its time in seconds)
    res = roadrunner_trajectory(libsbml.writeSBMLToString(doc), 4.75 * 86400, 4001, ["time", "Rb"], atol=None,
                                rtol=None)
    times = fit.TIMES[fit.TIMES <= 4.75]
    sbml = np.interp(times, res[:, 0] / 86400, res[:, 1] / res[0, 1])
    ours = fit.melhem_fold(dose_days=(0.0, *(d + 1 / 24 for d in range(1, 5))), times=times)
    np.testing.assert_allclose(ours, sbml, rtol=0.01)


def test_the_shipped_set_meets_the_rules_bar_on_the_calibration_course(fit: ModuleType) -> None:
    """The rule's bar (1): RMS log error <= 0.25 against Melhem's fold course, highest fold on days 0-5 within
    +-30% of Melhem's; the course rises within hours (the marrow's content released) and falls after the last dose."""
    target = fit.melhem_fold()
    fold = fit.model_fold("filgrastim_wang2001")
    assert float(np.sqrt(np.mean((np.log(fold) - np.log(target)) ** 2))) <= 0.25
    early = fit.TIMES <= 5
    assert abs(fold[early].max() / target[early].max() - 1.0) <= 0.30
    assert fold[fit.TIMES == 0.5][0] > 3.0  # within 12 h of the first dose
    assert fold[-1] < 0.5 * fold[early].max()  # back down five days after the last dose


def test_the_fit_problem_reproduces_the_shipped_values(fit: ModuleType) -> None:
    """The objective at the shipped values (candidate A2: one receptor with endogenous G-CSF) is the recorded one,
    and the production E_max is the one derived from Wang's 12.7-fold over rest (a changed model or course shows up
    here)."""
    ds = load_drug_set("filgrastim_wang2001")
    prod, speed = ds.effects
    assert ds.endogenous_ligand is not None
    assert prod.emax is not None and prod.emax.value == pytest.approx(
        fit.a2_production_emax(prod.ec50_ng_per_mL.value), rel=1e-4)  # type: ignore[union-attr]
    p = np.log([speed.emax.value, speed.ec50_ng_per_mL.value, prod.ec50_ng_per_mL.value])  # type: ignore[union-attr]
    sse = fit.candidate_objective(p, "A2", fit.melhem_fold())
    assert sse == pytest.approx(speed.emax.fitted.objective, rel=0.02)  # type: ignore[union-attr]


def test_the_set_before_the_shared_receptor_stays_loadable_with_its_fit(fit: ModuleType) -> None:
    """filgrastim_wang2001_v1 (the drug as the only G-CSF, candidate C3) keeps its recorded objective."""
    ds = load_drug_set("filgrastim_wang2001_v1")
    prod, speed = ds.effects
    assert ds.endogenous_ligand is None and prod.emax is not None and prod.emax.value == fit.WANG_PRODUCTION_EMAX
    p = np.log([speed.emax.value, speed.ec50_ng_per_mL.value, prod.ec50_ng_per_mL.value])  # type: ignore[union-attr]
    sse = fit.candidate_objective(p, "C3", fit.melhem_fold())
    assert sse == pytest.approx(speed.emax.fitted.objective, rel=0.02)  # type: ignore[union-attr]


def _flows(model: object) -> dict[str, object]:
    return {f.name: f for m in model.modules for f in m.flows}  # type: ignore[attr-defined]


def test_filgrastim_speeds_the_divisions_and_the_post_mitotic_chain_only() -> None:
    ds = load_drug_set("filgrastim_wang2001")
    flows = _flows(healthy_human_model(aging=False, extensions=[DrugExposure(ds)]))
    speed = "filgrastim_effect_1_maturation_speed"
    sped = {n for n, f in flows.items() if speed in f.feedbacks}  # type: ignore[attr-defined]
    divisions = {n for n in flows if n.startswith("neutrophil_precursor_") and n.endswith("_division")}
    post_mitotic = {n for n in flows if n.startswith("neutrophil_maturing_") and ("_to_" in n or n.endswith("_out"))}
    assert divisions and post_mitotic and sped == divisions | post_mitotic
    # the committed progenitors' input is stimulated, their exit and self-renewal are not sped
    assert "filgrastim_effect_0_production" in flows["mpp_to_neutrophil_progenitor"].feedbacks  # type: ignore[attr-defined]
    assert not sped & {"neutrophil_progenitor_to_precursors", "neutrophil_progenitor_proliferation"}


def test_without_divisions_only_the_post_mitotic_chain_is_sped() -> None:
    data = load_drug_set("filgrastim_wang2001").model_dump(exclude_none=True)
    data["effects"][1]["divisions"] = False
    ds = parse_drug_set(data, "test")
    flows = _flows(healthy_human_model(aging=False, extensions=[DrugExposure(ds)]))
    sped = {n for n, f in flows.items() if "filgrastim_effect_1_maturation_speed" in f.feedbacks}  # type: ignore[attr-defined]
    assert sped and all(n.startswith("neutrophil_maturing_") for n in sped)


def test_divisions_belong_to_a_maturation_speed_effect() -> None:
    data = load_drug_set("filgrastim_wang2001").model_dump(exclude_none=True)
    data["effects"][0]["divisions"] = True
    with pytest.raises(ValueError, match="divisions: only a maturation_speed effect"):
        parse_drug_set(data, "test")


def test_a_shared_receptor_changes_nothing_without_drug() -> None:
    """With an endogenous ligand and no dose, S(G + C)/S(G) is 1: the healthy steady state holds, and G sits at
    Quartino's steady state for the set-point ANC, k_in / (k_e + k_ANC ANC0); the turnover's rates are per day (the
    parameters are per hour: a ratio alone would not see a lost conversion)."""
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.simulation import Simulation

    ds = load_drug_set("filgrastim_wang2001")
    model = healthy_human_model(aging=False, extensions=[DrugExposure(ds)])
    r = Simulation(model).run(20.0, 1.0, observe=["anc_1e9_per_L", "filgrastim_endogenous_ng_per_mL"])
    anc, g = r.observable("anc_1e9_per_L"), r.observable("filgrastim_endogenous_ng_per_mL")
    np.testing.assert_allclose(anc, anc[0], rtol=1e-7)
    p = healthy_adult_parameters()
    ke, k_anc = (p.value(n) for n in ("gcsf_renal_elimination_rate_per_h",
                                      "gcsf_neutrophil_elimination_rate_per_h_per_anc"))  # Quartino 2014, per hour
    assert ds.endogenous_ligand is not None
    g_ref, anc_ref = ds.endogenous_ligand.baseline_ng_per_mL.value, ds.endogenous_ligand.reference_anc_1e9_per_L.value
    np.testing.assert_allclose(g, g_ref * (ke + k_anc * anc_ref) / (ke + k_anc * anc[0]), rtol=1e-6)
    flows, hours_per_day = _flows(model), 24.0
    assert flows["filgrastim_endogenous_renal_elimination"].rate == pytest.approx(ke * hours_per_day, rel=1e-12)  # type: ignore[attr-defined]
    assert flows["filgrastim_endogenous_production"].rate == pytest.approx(  # type: ignore[attr-defined]
        g_ref * (ke + k_anc * anc_ref) * hours_per_day, rel=1e-12)  # ng/mL/day


def test_the_drug_adds_less_where_endogenous_g_csf_is_high() -> None:
    """The factor on a flow is S(G + C)/S(G): at a drug concentration C it is smaller where the endogenous ligand G
    is higher (aplasia) than at rest, and it tends to 1 as G saturates the receptor."""
    model = healthy_human_model(aging=False, extensions=[DrugExposure(load_drug_set("filgrastim_wang2001"))])
    fbs = {f.name: f for m in model.modules for f in m.feedbacks}
    total = fbs["filgrastim_effect_0_production"]
    share = fbs["filgrastim_effect_0_production_endogenous_share"]

    c = 1.0  # ng/mL of drug
    factor = [emax_law(g + c, *total.params) * emax_law(g, *share.params) for g in (0.0182, 0.841, 1e4)]
    assert factor[0] > factor[1] > factor[2] and factor[2] == pytest.approx(1.0, abs=1e-3)
    e, k, _ = total.params
    assert emax_law(0.5, *total.params) * emax_law(0.5, *share.params) == pytest.approx(1.0, rel=1e-12)  # C = 0
    assert factor[0] == pytest.approx(shared_receptor_factor(0.0182, c, e, k, 1.0), rel=1e-12)


def test_a_shared_receptor_takes_emax_stimulation_only(fit: ModuleType) -> None:
    data = load_drug_set("docetaxel_friberg2002").model_dump(exclude_none=True)
    data["references"]["Quartino2014"] = fit.QUARTINO
    data["endogenous_ligand"] = fit.ENDOGENOUS
    with pytest.raises(ValueError, match="endogenous_ligand: effects.0 is a linear proliferation effect"):
        parse_drug_set(data, "test")


@pytest.mark.parametrize("emax", [-1.0, -0.5, 0.0])
def test_a_shared_receptor_refuses_a_non_stimulating_emax(emax: float) -> None:
    """E_max = -1 would divide by zero in the endogenous share's law (E' = -E/(1 + E)); any E_max <= 0 has no
    stimulation to share: refused on load, naming the field."""
    data = load_drug_set("filgrastim_wang2001").model_dump(exclude_none=True)
    data["effects"][1]["emax"]["value"] = emax
    with pytest.raises(ValueError, match=r"effects\.1\.emax\.value: .*emax > 0"):
        parse_drug_set(data, "test")


def test_the_fold_over_rest_reads_an_ec50_given_in_nmol_per_L() -> None:
    """stimulation_over_rest converts an EC50 in nmol/L through the molar mass, as the model does: the same EC50
    given either way gives the same fold."""
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.pharmacology.pkpd import stimulation_over_rest

    p = healthy_adult_parameters()
    rates = (p.value("gcsf_renal_elimination_rate_per_h"), p.value("gcsf_neutrophil_elimination_rate_per_h_per_anc"),
             p.value("anc_setpoint_1e9_per_L"))
    data = load_drug_set("filgrastim_wang2001").model_dump(exclude_none=True)
    ec50 = data["effects"][0].pop("ec50_ng_per_mL")
    data["effects"][0]["ec50_nmol_per_L"] = {**ec50, "value": ec50["value"] / data["molar_mass_g_per_mol"]["value"] * 1e3}
    ds = parse_drug_set(data, "test")
    assert stimulation_over_rest(ds, 0, *rates) == pytest.approx(
        stimulation_over_rest(load_drug_set("filgrastim_wang2001"), 0, *rates), rel=1e-12)
