"""The peak plasma concentration endpoints (``<drug>_cmax_ng_per_mL``, ``<drug>_cmax_day``): the drug's PK
re-integrated alone from the doses the run's administration log gives (hemasim.pharmacology.peak), checked against
the analytic peak of a one-compartment infusion, against each set's own typical profile (the PK-only model of
DrugExposure, drawn on a one-second grid) for docetaxel and the saturable nab-paclitaxel, through a single run and
a cohort, and against the units the drug endpoints declare."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from hemasim.biology import Covariates
from hemasim.biology.body import body_surface_area_m2
from hemasim.biology.builder import BuildContext
from hemasim.model.core import Model
from hemasim.model.info import ModelInfo
from hemasim.parameters import ParameterSet
from hemasim.pharmacology import Administration, DrugExposure, load_drug_set
from hemasim.pharmacology.drug_sets import HOURS_PER_DAY
from hemasim.pharmacology.peak import plasma_peaks
from hemasim.simulation import Simulation
from hemasim.solvers import DormandPrince

from .conftest import EXAMPLES

PATIENT = Covariates(55.0, "female", 70.0, 165.0)


def _given(day: float, drug: str, route: str, ug: float | np.ndarray, hours: float = 0.0, f: float = 1.0) -> dict:
    return {"day": day, "drug": drug, "route": route, "action": "given", "planned_ug": ug, "given_ug": ug,
            "duration_days": hours / HOURS_PER_DAY, "bioavailability": f}


def test_one_compartment_infusion_peaks_at_its_end_as_the_closed_form_says():
    """C_end = R / CL (1 - exp(-k T)), k = CL / V, at the end of the infusion (cyclophosphamide: one compartment)."""
    ds = load_drug_set("cyclophosphamide_ahmed2020")
    cl, v = ds.get("pk.clearance_L_per_h"), ds.get("pk.central_volume_L")
    dose_ug, hours = 1_000_000.0, 2.0
    cmax, day = plasma_peaks(ds, PATIENT, [_given(3.0, ds.drug, "iv_infusion", dose_ug, hours)], 1, 10.0)
    exact = dose_ug / hours / cl * (1.0 - np.exp(-cl / v * hours))  # ug/L = ng/mL
    assert cmax[0] == pytest.approx(exact, rel=1e-6)
    assert day[0] == pytest.approx(3.0 + hours / HOURS_PER_DAY, abs=1e-9)
    # a bolus: the peak is the dose over the volume, at the dose
    cmax, day = plasma_peaks(ds, PATIENT, [_given(1.0, ds.drug, "iv_bolus", dose_ug)], 1, 10.0)
    assert cmax[0] == pytest.approx(dose_ug / v, rel=1e-9) and day[0] == 1.0


def _typical_profile(name: str, dose_ug: float, hours: float) -> tuple[float, float]:
    """Peak and its hour of the set's own PK-only model (DrugExposure without effects) on a one-second grid."""
    ds = load_drug_set(name)
    ctx = BuildContext(params=ParameterSet.from_records("none", []), patient=PATIENT, blood_volume_L=5.0, aging=False)
    module, _ = DrugExposure(ds, lineages=()).extend(ctx)
    model = Model([module], ParameterSet.from_records("pk", ctx.extra_parameters), info=ModelInfo(blood_volume_L=5.0))
    events = Administration(0.0, ds.drug, "iv_infusion", dose_ug, hours / HOURS_PER_DAY).expand()
    r = Simulation(model, solver=DormandPrince(rtol=1e-10), events=events).run(0.1, 1.0 / 86400.0)
    c = r.observable(f"{ds.drug}_concentration_ng_per_mL")
    k = int(np.argmax(c))
    return float(c[k]), float(r.times[k]) * HOURS_PER_DAY


@pytest.mark.parametrize(("name", "mg_per_m2", "hours"), [("docetaxel_kloft2006", 100.0, 1.0),
                                                           ("nab_paclitaxel_chen2014", 260.0, 0.5)])
def test_the_peak_is_the_typical_profile_peak_of_the_set(name, mg_per_m2, hours):
    """Docetaxel 100 mg/m2 over 1 h (linear, three compartments) and nab-paclitaxel 260 mg/m2 over 30 min
    (saturable distribution and elimination): the set's own model drawn every second peaks where the endpoint says."""
    ds = load_drug_set(name)
    dose_ug = mg_per_m2 * float(body_surface_area_m2(PATIENT)) * 1000.0
    peak, hour = _typical_profile(name, dose_ug, hours)
    cmax, day = plasma_peaks(ds, PATIENT, [_given(0.0, ds.drug, "iv_infusion", dose_ug, hours)], 1, 21.0)
    assert cmax[0] == pytest.approx(peak, rel=1e-6)
    assert day[0] * HOURS_PER_DAY == pytest.approx(hour, abs=2.0 / 3600.0)
    if name.startswith("docetaxel"):  # ~2.8 ug/mL (Kloft 2006 typical values), not the ~40 ng/mL a 6-h sample shows
        assert 2000.0 < cmax[0] < 4000.0


def test_the_peak_follows_the_doses_given():
    """The log decides: a reduced dose gives a lower peak, a dose never given none; the later of two equal
    doses peaks higher (drug left from the first) and its day is reported."""
    ds = load_drug_set("docetaxel_kloft2006")
    full = 170_000.0
    one, _ = plasma_peaks(ds, PATIENT, [_given(0.0, ds.drug, "iv_infusion", full, 1.0)], 1, 30.0)
    log = [_given(0.0, ds.drug, "iv_infusion", np.array([full, full, 0.0]), 1.0),
           _given(0.5, ds.drug, "iv_infusion", np.array([full, 0.75 * full, 0.0]), 1.0)]
    cmax, day = plasma_peaks(ds, PATIENT, log, 3, 30.0)
    assert cmax[0] > one[0] and day[0] == pytest.approx(0.5 + 1.0 / HOURS_PER_DAY)
    assert cmax[1] == pytest.approx(one[0], rel=1e-9) and day[1] == pytest.approx(1.0 / HOURS_PER_DAY)
    assert cmax[2] == 0.0 and np.isnan(day[2])


def test_equal_cycles_give_the_first_cycles_peak_day():
    """Three equal docetaxel doses three weeks apart: the later peaks are higher only by the residue of the earlier
    cycles (under 1e-3 relative), so the day is the first cycle's (a user reads "Cmax on day 21" as a surprise);
    the height is still the highest one."""
    ds = load_drug_set("docetaxel_kloft2006")
    dose = 170_000.0
    log = [_given(day, ds.drug, "iv_infusion", dose, 1.0) for day in (0.0, 21.0, 42.0)]
    cmax, day = plasma_peaks(ds, PATIENT, log, 1, 63.0)
    one, one_day = plasma_peaks(ds, PATIENT, log[:1], 1, 63.0)
    assert day[0] == pytest.approx(one_day[0]) == pytest.approx(1.0 / HOURS_PER_DAY)
    assert one[0] <= cmax[0] < one[0] * (1.0 + 1e-3)


def test_a_pk_that_depends_on_the_cells_has_no_peak_here():
    """G-CSF's neutrophil-mediated clearance depends on the ANC: NaN rather than a value without the cells."""
    ds = load_drug_set("pegfilgrastim_melhem2017")
    cmax, day = plasma_peaks(ds, PATIENT, [_given(1.0, ds.drug, "subcutaneous", 6000.0, f=0.5)], 1, 21.0)
    assert np.isnan(cmax[0]) and np.isnan(day[0])


@pytest.mark.slow
def test_a_run_reports_the_peak_beside_the_auc_with_declared_units():
    from hemasim.assembly import run_scenario, scenario_endpoint_columns, scenario_endpoint_units
    from hemasim.scenario import parse_scenario

    data = yaml.safe_load((EXAMPLES / "docetaxel_q3w.yaml").read_text())
    data["duration_days"], data["interventions"][0]["schedule"]["cycles"] = 21, 1
    scenario = parse_scenario(data)
    result = run_scenario(scenario)
    cols = {c.name: c for c in scenario_endpoint_columns(scenario, result)}
    units = scenario_endpoint_units(scenario)
    for name in ("docetaxel_cmax_ng_per_mL", "docetaxel_cmax_day"):
        assert units[name] == cols[name].unit
    sampled = float(np.max(result.observable("docetaxel_concentration_ng_per_mL")))
    cmax = float(cols["docetaxel_cmax_ng_per_mL"].values[0])
    assert cmax > 10.0 * sampled  # the 0.25-day samples miss the 1-h infusion's peak
    assert float(cols["docetaxel_cmax_day"].values[0]) == pytest.approx(1.0 / HOURS_PER_DAY)
    from hemasim.interventions.dosed import peak_text  # the report's Drugs section: one line beside the AUC

    line = peak_text(result)
    # the day below one to three digits, its hour beside it (it read "day 0.04167"; leftovers27)
    assert f"docetaxel Cmax {cmax:.4g} ng/mL on day 0.0417, 1 h after the dose of day 0" in line
    assert "cumulative AUC" in line


@pytest.mark.slow
def test_a_cohort_has_one_peak_per_patient_with_its_own_clearance_and_body_size():
    from hemasim.cohort import simulate_partition

    data = yaml.safe_load((EXAMPLES / "cohort_docetaxel.yaml").read_text())
    data["duration_days"], data["interventions"][0]["schedule"]["cycles"] = 20, 1
    ep = simulate_partition(data, 0, 0, 4, 3, None, False).endpoints
    cmax = ep["docetaxel_cmax_ng_per_mL"].to_numpy()
    assert cmax.shape == (4,) and np.all(np.isfinite(cmax)) and len(set(np.round(cmax, 6))) == 4
    ds = load_drug_set("docetaxel_kloft2006")
    for i in range(4):
        cov = Covariates(float(ep["age_years"][i]), str(ep["sex"][i]), float(ep["weight_kg"][i]),
                         float(ep["height_cm"][i]))
        dose_ug = 100.0 * float(body_surface_area_m2(cov)) * 1000.0
        own = {"pk.clearance_L_per_h_per_m2": float(ep["param_docetaxel_kloft2006__pk_clearance_L_per_h_per_m2"][i])}
        alone, _ = plasma_peaks(ds, cov, [_given(0.0, ds.drug, "iv_infusion", dose_ug, 1.0)], 1, 20.0, own)
        assert cmax[i] == pytest.approx(alone[0], rel=1e-9)


@pytest.mark.parametrize("name", ["docetaxel_kloft2006", "epirubicin_sandstrom2006", "cyclophosphamide_ahmed2020"])
def test_the_exact_linear_path_agrees_with_the_stiff_integrator(name):
    """Linear sets take the exact (eigen-decomposition) path; the LSODA path on the same doses (infusions, a bolus,
    doses close enough to accumulate) gives the same peak and day."""
    ds = load_drug_set(name)
    log = [_given(0.0, ds.drug, "iv_infusion", 150_000.0, 3.0), _given(0.6, ds.drug, "iv_bolus", 40_000.0),
           _given(1.0, ds.drug, "iv_infusion", 150_000.0, 0.5)]
    exact, day = plasma_peaks(ds, PATIENT, log, 1, 5.0)
    ode, ode_day = plasma_peaks(ds, PATIENT, log, 1, 5.0, linear_exact=False)
    assert exact[0] == pytest.approx(ode[0], rel=1e-6) and day[0] == pytest.approx(ode_day[0], abs=1e-6)


@pytest.mark.parametrize("linear_exact", [True, False])
def test_an_oral_dose_peaks_inside_the_interval_at_the_bateman_maximum(linear_exact):
    """A first-order absorption (a set with ka = 1/h, F = 0.8 added) peaks between doses, at
    t_max = ln(ka / k) / (ka - k), C_max = F D / V ka / (ka - k) (exp(-k t_max) - exp(-ka t_max)): found as the
    root of dC/dt by both paths, not at a grid point."""
    from hemasim.pharmacology.drug_sets import Absorption, Value

    base = load_drug_set("cyclophosphamide_ahmed2020")
    assert base.pk is not None
    absorption = Absorption(rate_per_h=Value(value=1.0, assumed="test"),
                            bioavailability=Value(value=0.8, assumed="test"))
    ds = base.model_copy(update={"pk": base.pk.model_copy(update={"absorption": absorption})})
    cl, v = ds.get("pk.clearance_L_per_h"), ds.get("pk.central_volume_L")
    ka, k, dose = 1.0, cl / v, 500_000.0
    t_max = np.log(ka / k) / (ka - k)
    c_max = 0.8 * dose / v * ka / (ka - k) * (np.exp(-k * t_max) - np.exp(-ka * t_max))
    cmax, day = plasma_peaks(ds, PATIENT, [_given(2.0, ds.drug, "oral", dose, f=0.8)], 1, 10.0,
                             linear_exact=linear_exact)
    assert cmax[0] == pytest.approx(c_max, rel=1e-7)
    assert (day[0] - 2.0) * HOURS_PER_DAY == pytest.approx(t_max, abs=1e-4)
