"""The IMEX additive Runge-Kutta solver (AdditiveRungeKutta): tableau, convergence order on an analytic problem,
the implicit split, agreement with Dormand-Prince, non-negativity and the steady state, one patient and cohorts."""

import itertools

import numpy as np
import pytest

from hemasim.model import Feedback, FeedbackKind, Model, Module, Observable, Signal
from hemasim.parameters import ParameterSet
from hemasim.solvers import AdditiveRungeKutta, DormandPrince
from hemasim.solvers import _ark as ark
from hemasim.solvers.split import implicit_split

CHAIN_STAGES, CHAIN_RATE, INFLOW = 6, 8.0, 40.0  # stages, 1/day per stage, cells/day
GROWTH, DEATH, CAPACITY, P0 = 1.0, 0.4, 100.0, 5.0  # logistic self-renewal (explicit) with a death flow (implicit)


def _analytic_model(per_patient=None):
    """A transit chain fed at a constant rate (implicit: linear flows) beside a logistic population (explicit
    self-renewal, implicit death), both with closed-form solutions."""
    scale = 1.0 if per_patient is None else per_patient
    m = Module("analytic")
    stages = m.chain("stage", "chain", CHAIN_STAGES, CHAIN_STAGES / CHAIN_RATE, 0.0, None)
    m.flow("inflow", "production", None, stages[0], INFLOW * scale)
    m.compartment("p", "logistic", P0 * scale)
    m.signals.append(Signal("p_signal", {"p": 1.0}))
    m.feedbacks.append(Feedback("crowding", FeedbackKind.LINEAR_INHIBITION, (1.0 / CAPACITY,), signal="p_signal"))
    m.flow("p_renewal", "self_renewal", "p", "p", GROWTH, consume=0.0, feedbacks=["crowding"])
    m.flow("p_death", "death", "p", None, DEATH)
    return Model([m], ParameterSet("empty", {})).compile()


def _exact(t, scale=1.0):
    from scipy.special import gammainc

    chain = [INFLOW * scale / CHAIN_RATE * gammainc(j, CHAIN_RATE * t) for j in range(1, CHAIN_STAGES + 1)]
    rate, cap = GROWTH - DEATH, CAPACITY * (GROWTH - DEATH) / GROWTH  # dp/dt = rate p (1 - p / cap)
    p0 = P0 * scale
    return np.array([*chain, cap / (1.0 + (cap / p0 - 1.0) * np.exp(-rate * t))])


def test_tableau_meets_the_order_conditions_of_an_additive_method():
    explicit = ark.EXPLICIT_A
    implicit = ark.IMPLICIT_A + ark.GAMMA * np.diag([0.0, 1, 1, 1, 1, 1])
    c, b, d = ark.STAGE_TIME, ark.WEIGHTS, ark.EMBEDDED_WEIGHTS
    np.testing.assert_allclose(explicit.sum(axis=1), c, atol=1e-15)
    np.testing.assert_allclose(implicit.sum(axis=1), c, atol=1e-15)

    def residuals(w, order):
        res = [w.sum() - 1, w @ c - 1 / 2]
        if order >= 3:
            res += [w @ c**2 - 1 / 3, *(w @ (a @ c) - 1 / 6 for a in (explicit, implicit))]
        if order >= 4:  # every coupling of the two tableaux
            res += [w @ c**3 - 1 / 4, *(w @ (c * (a @ c)) - 1 / 8 for a in (explicit, implicit)),
                    *(w @ (a @ c**2) - 1 / 12 for a in (explicit, implicit)),
                    *(w @ (a1 @ (a2 @ c)) - 1 / 24 for a1, a2 in itertools.product((explicit, implicit), repeat=2))]
        return np.abs(res)

    assert residuals(b, 4).max() < 1e-14
    assert residuals(d, 3).max() < 1e-14
    np.testing.assert_allclose(implicit[-1], b, atol=1e-15)  # stiffly accurate


def test_split_puts_the_chain_and_the_death_implicit_and_the_self_renewal_explicit():
    model = _analytic_model()
    split = implicit_split(model)
    implicit = {model.flow_names[f] for f in split.flow}
    assert "p_renewal" not in implicit and "inflow" not in implicit
    assert {"p_death", *(f for f in model.flow_names if f.startswith("stage"))} <= implicit
    position = np.empty(model.n_states, dtype=np.int64)
    position[split.order] = np.arange(model.n_states)
    for f in split.flow:  # sources before targets: the forward substitution's order
        if model.dst[f] >= 0:
            assert position[model.src[f]] < position[model.dst[f]]


def test_a_pools_bounded_self_renewal_is_folded_into_l_and_an_unbounded_one_stays_explicit():
    """A progenitor pool's self-renewal (a Hill ratio, at most r (1 + c) < 1 of its exit) is implicit, on the diagonal
    (the fast erythroid pool of branch donation: explicit, its 5/day self-renewal held the steady state to 3e-6 at
    rtol 1e-8); the HSCs' (not bounded by a plain exit) and the analytic model's logistic growth stay explicit."""
    from hemasim.biology import Covariates, healthy_human_model

    model = healthy_human_model(Covariates(45.0, "male", 75.0, 178.0), aging=False).compile()
    split = implicit_split(model)
    implicit = {model.flow_names[f] for f in split.flow}
    own = {model.flow_names[f] for f in range(len(model.flow_names)) if model.src[f] == model.dst[f] >= 0}
    pools = {f"{k}_progenitor_proliferation" for k in ("neutrophil", "monocyte", "erythroid", "megakaryocyte")}
    assert pools <= implicit & own
    assert own - implicit  # some self-renewal is not bounded by its exits (the stem and T-cell pools)
    position = np.empty(model.n_states, dtype=np.int64)
    position[split.order] = np.arange(model.n_states)
    for f in split.flow:  # sources before targets, but for a small block's own cycle (mpp <-> blood_hspc)
        s, d = model.src[f], model.dst[f]
        if d >= 0 and split.block_of[d] != split.block_of[s]:
            assert position[s] < position[d]
    analytic = _analytic_model()
    assert "p_renewal" not in {analytic.flow_names[f] for f in implicit_split(analytic).flow}


@pytest.mark.parametrize(("c", "n", "renewal", "folded"), [(0.5, 1.0, 0.4, True), (0.5, 1.0, 0.7, False),
                                                           (-0.5, 1.0, 0.4, False), (0.5, -1.0, 0.4, False)],
                         ids=["bounded", "above_the_exit", "negative_c", "negative_n"])
def test_a_self_renewal_is_folded_only_where_its_hill_ratio_bounds_it_below_the_exit(c, n, renewal, folded):
    """r (1 + c) below the plain exit (1/day) folds the self-renewal into L; so does no law whose bound is not 1 + c:
    with c < 0 the ratio (1 + c) / (1 + c u^n) rises without limit (here 5 r at u = 1.8, beyond any bound as u nears 2), and with
    n < 0 it rises with the pool, so its derivative by the pool (self-read) exceeds r (1 + c)."""
    m = Module("pool")
    m.compartment("p", "pool", 10.0)
    m.signals.append(Signal("p_signal", {"p": 1.0}))
    m.feedbacks.append(Feedback("brake", FeedbackKind.HILL_RATIO, (10.0, c, n), signal="p_signal"))
    m.flow("p_renewal", "self_renewal", "p", "p", renewal, consume=0.0, feedbacks=["brake"])
    m.flow("p_exit", "death", "p", None, 1.0)
    model = Model([m], ParameterSet("empty", {})).compile()
    implicit = {model.flow_names[f] for f in implicit_split(model).flow}
    assert "p_exit" in implicit
    assert ("p_renewal" in implicit) == folded


@pytest.mark.parametrize(("renewal", "offset", "folded"), [(0.3, 0.0, True), (0.4, 0.0, False), (0.3, -0.2, False)],
                         ids=["sum_below_the_exit", "sum_above_the_exit", "negative_offset"])
def test_two_self_renewals_of_one_pool_are_bounded_together(renewal, offset, folded):
    """Both lower the pool's one rate of leaving: each at most 1.5 r is below the exit (1/day) for r = 0.4, but their
    sum is not, so neither is folded. A negative offset makes a multiplier negative at a small signal, and a product
    of two such is positive: no bound, kept explicit."""
    m = Module("pool")
    m.compartment("p", "pool", 10.0)
    m.signals.append(Signal("p_signal", {"p": 1.0}))
    m.feedbacks.append(Feedback("brake", FeedbackKind.HILL_RATIO, (10.0, 0.5, 1.0), signal="p_signal", offset=offset))
    for name in ("p_renewal_a", "p_renewal_b"):
        m.flow(name, "self_renewal", "p", "p", renewal, consume=0.0, feedbacks=["brake"])
    m.flow("p_exit", "death", "p", None, 1.0)
    model = Model([m], ParameterSet("empty", {})).compile()
    implicit = {model.flow_names[f] for f in implicit_split(model).flow}
    assert ({"p_renewal_a", "p_renewal_b"} <= implicit) == folded
    assert not ({"p_renewal_a", "p_renewal_b"} & implicit) or folded


def test_a_self_renewal_whose_exit_stays_explicit_is_not_folded():
    """The pool's plain exit p -> q would close an amplifying cycle with the faster q -> p (yield 2), so it stays
    explicit; L's rate of leaving p then lacks it, and the self-renewal folded in would make that rate negative."""
    m = Module("pool")
    m.compartment("p", "pool", 10.0)
    m.compartment("q", "other", 1.0)
    m.signals.append(Signal("p_signal", {"p": 1.0}))
    m.feedbacks.append(Feedback("brake", FeedbackKind.HILL_RATIO, (10.0, 0.5, 1.0), signal="p_signal"))
    m.flow("p_renewal", "self_renewal", "p", "p", 0.4, consume=0.0, feedbacks=["brake"])
    m.flow("p_exit", "maturation", "p", "q", 1.0)
    m.flow("q_back", "proliferation", "q", "p", 2.0, yield_=2.0)
    m.flow("q_death", "death", "q", None, 3.0)
    model = Model([m], ParameterSet("empty", {})).compile()
    implicit = {model.flow_names[f] for f in implicit_split(model).flow}
    assert "q_back" in implicit and "p_exit" not in implicit
    assert "p_renewal" not in implicit


def test_fixed_steps_converge_at_fourth_order_on_the_analytic_problem():
    model = _analytic_model()
    t_end = 3.0
    exact = _exact(t_end)
    errs = []
    for h in (0.1, 0.05, 0.025):
        x = AdditiveRungeKutta(fixed_step_days=h).integrate(model, model.x0, 0.0, np.array([t_end]))[0]
        errs.append(np.max(np.abs(x - exact) / np.maximum(np.abs(exact), 1.0)))
    orders = np.log2(np.array(errs[:-1]) / np.array(errs[1:]))
    assert np.all(orders > 3.5) and np.all(orders < 5.0), (errs, orders)


def test_adaptive_steps_meet_the_tolerance_on_the_analytic_problem():
    model = _analytic_model()
    t = np.linspace(0.0, 20.0, 81)
    x = AdditiveRungeKutta(rtol=1e-8).integrate(model, model.x0, 0.0, t)
    exact = np.array([_exact(tt) for tt in t])
    np.testing.assert_allclose(x, exact, rtol=2e-6, atol=1e-7)


def _scaled_difference(a, b):
    """max |a - b| / max(|b|, |b at the start|): the solvers' own error scale (atol = rtol x the healthy size). A
    state that starts at 0 (a drug's compartments: no healthy size) is scaled by its largest value over the run
    instead: its washout tail near 1e-10 is at the absolute tolerance, not a relative error of the solver."""
    start = np.abs(b[:1])
    start = np.where(start > 0.0, start, np.abs(b).max(axis=0, keepdims=True))
    return float(np.max(np.abs(a - b) / np.maximum(np.maximum(np.abs(b), start), 1e-300)))


def _docetaxel_two_cycles():
    import yaml

    from hemasim.scenario import parse_scenario

    from .conftest import EXAMPLES

    data = yaml.safe_load((EXAMPLES / "docetaxel_q3w.yaml").read_text())
    data["duration_days"] = 42.0
    data["interventions"][0]["schedule"]["cycles"] = 2
    return parse_scenario(data)


@pytest.mark.slow  # ~5 s: the references at rtol 1e-10
def test_agrees_with_dormand_prince_on_the_healthy_adult_and_under_chemotherapy():
    from hemasim.assembly import run_scenario
    from hemasim.scenario import load_scenario

    from .conftest import EXAMPLES

    for scenario, bound in ((load_scenario(EXAMPLES / "healthy_adult.yaml"), 1e-6), (_docetaxel_two_cycles(), 1e-4)):
        reference = run_scenario(scenario, DormandPrince(rtol=1e-10))
        ours, theirs = (run_scenario(scenario, s(rtol=1e-6)) for s in (AdditiveRungeKutta, DormandPrince))
        errors = [_scaled_difference(r.states, reference.states) for r in (ours, theirs)]
        # healthy adult (2 years): 1.6e-10 (Dormand-Prince 1.5e-5); docetaxel: ~3e-5 at the nadir's transit-chain
        # wave (Dormand-Prince ~1e-5; docs/performance.md, the IMEX solver)
        assert errors[0] < bound, errors
        assert _scaled_difference(ours.states, theirs.states) < bound + errors[1]
        numbers = [c for c in ours.observables.columns if ours.observables[c].dtype.kind == "f"]
        assert _scaled_difference(ours.observables[numbers].to_numpy(),
                                  reference.observables[numbers].to_numpy()) < bound
        assert ours.states.min() >= 0.0  # non-negative, through the nadir and the drug's decay to ~0


def test_holds_the_steady_state():
    from hemasim.biology import Covariates, healthy_human_model
    from hemasim.simulation import steady_state

    model = healthy_human_model(Covariates(45.0, "male", 75.0, 178.0), aging=False).compile()
    fixed_point = steady_state(model)
    t = np.linspace(0.0, 2000.0, 21)
    x = AdditiveRungeKutta(rtol=1e-8).integrate(model, fixed_point, 0.0, t)
    assert np.max(np.abs(x - fixed_point) / np.maximum(np.abs(fixed_point), 1.0)) < 1e-8


def test_a_deep_depletion_stays_non_negative_and_close_to_dormand_prince():
    from hemasim.biology import Covariates, healthy_human_model
    from hemasim.events import CellDepletion

    model = healthy_human_model(Covariates(45.0, "male", 75.0, 178.0), aging=False).compile()
    x0 = CellDepletion(0.0, ("marrow",), 1e-3, ("hsc",)).apply(model, model.x0, np.random.default_rng(0))
    t = np.linspace(0.0, 120.0, 121)
    ours = AdditiveRungeKutta(rtol=1e-6).integrate(model, x0, 0.0, t)
    theirs = DormandPrince(rtol=1e-6).integrate(model, x0, 0.0, t)
    assert ours.min() >= 0.0
    assert np.max(np.abs(ours - theirs) / np.maximum(np.abs(theirs), np.abs(model.x0))) < 1e-4


def test_cohort_lockstep_equals_the_single_patient_kernel_at_tolerance():
    scale = np.array([0.7, 1.0, 1.4])
    cohort = _analytic_model(per_patient=scale)
    t = np.linspace(0.0, 10.0, 41)
    solver = AdditiveRungeKutta(rtol=1e-8)
    together = solver.solve(cohort, cohort.x0, 0.0, t)
    for i in range(len(scale)):
        alone = solver.integrate(cohort.patient(i), cohort.x0[i], 0.0, t)
        exact = np.array([_exact(tt, scale[i]) for tt in t])
        np.testing.assert_allclose(together.states[i], exact, rtol=2e-6, atol=1e-7)
        np.testing.assert_allclose(together.states[i], alone, rtol=2e-6, atol=1e-7)


def test_cohorts_refuse_fixed_steps():
    cohort = _analytic_model(per_patient=np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match="fixed_step_days is for one patient"):
        AdditiveRungeKutta(fixed_step_days=0.1).solve(cohort, cohort.x0, 0.0, np.array([0.0, 1.0]))


def test_a_scenario_chooses_the_imex_solver_and_bad_settings_are_named():
    """``solver: {kind: additive_runge_kutta}`` builds the IMEX solver with the scenario's settings."""
    from hemasim.scenario import parse_scenario
    from hemasim.solvers import AdditiveRungeKutta

    patient = {"age_years": 45, "sex": "female", "weight_kg": 70, "height_cm": 165}
    data = {"name": "imex", "duration_days": 30, "patient": patient}
    scenario = parse_scenario({**data, "solver": {"kind": "additive_runge_kutta", "rtol": 1e-6}})
    solver = scenario.solver.build()
    assert isinstance(solver, AdditiveRungeKutta) and solver.rtol == 1e-6 and solver.max_step_days == 7.0
    with pytest.raises(ValueError, match="solver.rtol"):
        parse_scenario({**data, "solver": {"kind": "additive_runge_kutta", "rtol": 0.5}})
    with pytest.raises(ValueError, match="solver.max_step_days"):
        parse_scenario({**data, "solver": {"kind": "additive_runge_kutta", "max_step_days": 1e-6}})
    assert solver.unread_states == "own"
    passed_on = parse_scenario({**data, "solver": {"kind": "additive_runge_kutta", "unread_states": "passed_on"}})
    assert passed_on.solver.build().unread_states == "passed_on"
    with pytest.raises(ValueError, match="solver.unread_states: Input should be .own. or .passed_on."):
        parse_scenario({**data, "solver": {"kind": "additive_runge_kutta", "unread_states": "chain"}})
    # from Python (or a bench's "additive_runge_kutta:unread_states=..." string) a misspelt setting is refused too,
    # naming the allowed values: before, it fell silently to another branch of atol ("own", or "pool" for a chain)
    for setting, value in (("unread_states", "passed-on"), ("chain_tolerance", "chains")):
        with pytest.raises(ValueError, match=f"AdditiveRungeKutta.{setting}: one of .* \\(got '{value}'\\)"):
            AdditiveRungeKutta(**{setting: value})


def test_the_chain_tolerance_measures_the_long_maturation_chain_by_its_total():
    """``chain_tolerance="chain"`` (branch solvers, opt-in): the neutrophil maturation's 80 stages share one
    absolute tolerance, rtol times the chain's healthy total; every other state keeps its own."""
    from hemasim.biology import Covariates, healthy_human_model
    from hemasim.solvers.split import transit_chains

    model = healthy_human_model(Covariates(35.0, "male", 70.0, 175.0)).compile()
    chains = transit_chains(model)
    assert [(model.state_names[c[0]], model.state_names[c[-1]], len(c)) for c in chains] == [
        ("neutrophil_maturing_1", "neutrophil_maturing_80", 80)]
    per_stage = AdditiveRungeKutta(rtol=1e-6).atol(model)
    per_chain = AdditiveRungeKutta(rtol=1e-6, chain_tolerance="chain").atol(model)
    chain = chains[0]
    others = np.setdiff1d(np.arange(model.n_states), chain)
    np.testing.assert_array_equal(per_chain[others], per_stage[others])
    np.testing.assert_allclose(per_chain[chain], per_stage[chain].sum(), rtol=1e-12)


def test_the_pool_tolerance_measures_the_chain_stages_by_the_pool_they_empty_into():
    """``chain_tolerance="pool"`` (branch cohort20, opt-in): the neutrophil maturation's stages take the absolute
    tolerance of the blood neutrophils, the pool the chain empties into; a cohort's patients each their own."""
    from hemasim.biology import Covariates, healthy_human_model
    from hemasim.solvers.split import transit_chains_and_pools

    model = healthy_human_model(Covariates(35.0, "male", 70.0, 175.0)).compile()
    [(chain, pool)] = transit_chains_and_pools(model)
    assert model.state_names[pool] == "neutrophil_blood_1"
    per_stage = AdditiveRungeKutta(rtol=1e-6).atol(model)
    per_pool = AdditiveRungeKutta(rtol=1e-6, chain_tolerance="pool").atol(model)
    others = np.setdiff1d(np.arange(model.n_states), chain)
    np.testing.assert_array_equal(per_pool[others], per_stage[others])
    np.testing.assert_array_equal(per_pool[chain], per_stage[pool])
    # looser than each stage's own size, tighter than the chain's total (healthy: 0.175 of it)
    assert per_stage[chain].max() < per_pool[chain[0]] < per_stage[chain].sum()


def test_the_pool_tolerance_takes_fewer_steps_and_keeps_the_anc_within_its_measure():
    """A marrow depletion (the cohort bench's 80 % kill) and 60 days of recovery, one patient: "pool" takes fewer
    steps than "stage" (measured 184 against 414), its ANC stays within 5e-5 of its value against Dormand-Prince at
    rtol 1e-10 (measured 4.9e-6; "stage" 3.7e-7), and the neutrophil production, which reads the chain's last stage
    directly, within 1e-4 (measured 3.2e-5: the stage's error is now measured against the blood pool, 14 times its
    size)."""
    from hemasim.biology import Covariates, healthy_human_model
    from hemasim.parameters import healthy_adult_parameters

    # with the endogenous G-CSF speed-up on (Quartino's exponent 0.234; the shipped, fitted exponent is 0): the chain's
    # rates then move with ANC, which is where the pool tolerance saves steps (at the shipped 0 both settings take
    # the same 94 steps, fewer than either here)
    params = healthy_adult_parameters().with_values(neutrophil_transit_gcsf_exponent=0.234)
    model = healthy_human_model(Covariates(50.0, "male", 75.0, 172.0), params).compile()
    x0, t, exact = _marrow_depletion(model)
    runs = {}
    for setting in ("stage", "pool"):
        solution = AdditiveRungeKutta(rtol=1e-6, chain_tolerance=setting).solve(model, x0, 0.0, t)
        runs[setting] = (model.observables(t, solution.states[0]), solution.stats.steps_accepted)
    assert runs["pool"][1] < 0.8 * runs["stage"][1], runs
    anc, production = (model.observable_names.index(o) for o in ("anc_1e9_per_L", "neutrophil_production_per_day"))
    errors = {s: np.abs(obs - exact) / np.maximum(np.abs(exact), 1e-300) for s, (obs, _) in runs.items()}
    assert errors["pool"][:, anc].max() < 5e-5
    assert errors["stage"][:, anc].max() < errors["pool"][:, anc].max()
    assert errors["pool"][:, production].max() < 1e-4


def test_the_dense_outputs_quintic_weights_reproduce_every_quintic():
    """The dense output's quintic Hermite (nodes: the previous step's start, -r, and this step's ends, 0 and 1, in
    units of this step h; values and slopes at each) is exact on quintics, for previous steps shorter and longer."""
    rng = np.random.default_rng(3)
    w = np.empty(6)
    for r in (ark.HISTORY_RATIO_MIN, 0.5, 1.0, 3.0, ark.HISTORY_RATIO_MAX):
        p = np.polynomial.Polynomial(rng.normal(size=6))
        slope = p.deriv()
        t0, h = 1.3, 0.37
        for theta in (0.0, 0.1, 0.5, 0.93, 1.0):
            ark.quintic_weights.py_func(theta, r, w)
            value = ark.quintic_value.py_func(w, h, p(t0 - r * h), slope(t0 - r * h), p(t0), p(t0 + h), slope(t0),
                                              slope(t0 + h))
            exact = p(t0 + theta * h)
            assert abs(value - max(exact, 0.0)) < 1e-12 * max(1.0, abs(exact)), (r, theta)


def test_the_anc_between_the_steps_after_a_marrow_depletion_is_as_accurate_as_the_steps():
    """Four patients of the marrow-depletion cohort (they share their steps, a lock-step chunk) for three days after
    the depletion, outputs every 0.05 day at rtol 3e-6: the ANC falls by 70 % in a day at the blood neutrophils'
    ~2/day, and the cubic Hermite between the step's ends (the dense output until the tenth session) was 1.1e-4 off
    it between the steps (5.1e-5 now, the steps' own error 2-5e-5; docs/performance.md, goal 2, eighth round)."""
    from hemasim.biology import healthy_human_model
    from hemasim.cohort.sampling import draw_patients
    from hemasim.events import CellDepletion
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.scenario import load_scenario
    from hemasim.simulation import steady_state

    from .conftest import EXAMPLES

    scenario = load_scenario(EXAMPLES / "cohort_marrow_depletion.yaml")
    params = healthy_adult_parameters()
    patients = draw_patients(scenario.population, scenario.patient, params, 148, 152, 0)
    model = healthy_human_model(patients.covariates, params, aging=scenario.aging,
                                per_patient=patients.parameters).compile()
    x0 = CellDepletion(0.0, ("marrow",), 0.2, ("hsc",)).apply(model, steady_state(model), np.random.default_rng(0))
    t = np.linspace(0.0, 3.0, 61)
    exact = AdditiveRungeKutta(rtol=1e-10).solve(model, x0, 0.0, t, observe=["anc_1e9_per_L"]).values
    ours = AdditiveRungeKutta(rtol=3e-6).solve(model, x0, 0.0, t, observe=["anc_1e9_per_L"]).values
    assert np.abs(ours / exact - 1.0).max() < 7e-5


def _pool_model(exit_rate=10.0, signal_on_first_stage=False):
    """A fed progenitor pool (self-renewal 5/day folded into an exit of ``exit_rate``: each cell passes
    exit / (exit - 5) on) emptying into a two-stage maturation and a long-lived blood pool that an observable reads,
    the last stage's outflow read as a production; a side state with two successors."""
    m = Module("pool")
    m.compartment("pool", "progenitors", 2.0)
    m.flow("feed", "production", None, "pool", 10.0)
    m.flow("pool_renewal", "self_renewal", "pool", "pool", 5.0, consume=0.0)
    stages = m.chain("stage", "maturing", 2, 2.0, 20.0, "blood")
    m.flow("pool_exit", "differentiation", "pool", stages[0], exit_rate)
    m.compartment("blood", "blood cells", 1000.0)
    m.flow("blood_death", "death", "blood", None, 0.02)
    m.compartment("side", "two ways out", 3.0)
    m.flow("side_to_blood", "maturation", "side", "blood", 1.0)
    m.flow("side_to_pool", "maturation", "side", "pool", 1.0)
    m.observables.append(Observable("blood_count", "cells", "blood", compartments={"blood": 1.0}))
    m.observables.append(Observable("production", "cells/day", "into blood", fluxes={"stage_2_out": 1.0}))
    if signal_on_first_stage:  # a feedback reads the first stage: the pool is measured against it
        m.signals.append(Signal("first", {"stage_1": 1.0}))
        m.feedbacks.append(Feedback("crowding", FeedbackKind.LINEAR_INHIBITION, (1e-9,), signal="first"))
        m.flow("stage_1_death", "death", "stage_1", None, 1e-6, feedbacks=["crowding"])
    return Model([m], ParameterSet("empty", {})).compile()


def test_passed_on_measures_a_state_nothing_reads_by_the_first_read_state_downstream():
    """``unread_states="passed_on"`` (opt-in): the pool's absolute tolerance is rtol times the blood pool's healthy
    size over the two cells each pool cell becomes there (1000 / 2), the first maturation stage's rtol times the
    blood pool's; the last stage (its outflow read), the blood pool (read), the side state (two successors) keep
    their own; where a feedback reads the first stage, the pool's path stops there (20 / 2) and the stage keeps its
    own."""
    rtol = 1e-6
    model = _pool_model()
    own = AdditiveRungeKutta(rtol=rtol).atol(model)
    passed = AdditiveRungeKutta(rtol=rtol, unread_states="passed_on").atol(model)
    expected = {"pool": 500.0, "stage_1": 1000.0, "stage_2": 20.0, "blood": 1000.0, "side": 3.0}
    assert {s: passed[model.index(s)] / rtol for s in expected} == pytest.approx(expected, rel=1e-12)
    np.testing.assert_array_equal(own, rtol * np.maximum(model.x0, 1.0))
    read_first = _pool_model(signal_on_first_stage=True)
    passed = AdditiveRungeKutta(rtol=rtol, unread_states="passed_on").atol(read_first)
    assert passed[read_first.index("pool")] == pytest.approx(rtol * 20.0 / 2.0, rel=1e-12)
    assert passed[read_first.index("stage_1")] == pytest.approx(rtol * 20.0, rel=1e-12)


def test_the_sizes_kept_for_a_compiled_model_leave_with_it():
    """read_out_sizes keeps its result by the model's id, read-only (shared by every solve of the model): the entry
    must leave when the model does, or a later model at the same address would get another model's sizes."""
    import gc

    from hemasim.solvers import tolerance

    model = _pool_model()
    key = id(model)
    first = tolerance.read_out_sizes(model)
    assert tolerance.read_out_sizes(model) is first and key in tolerance._READ_OUT_SIZES
    for shared in first:  # every later solve of the model reads them: no caller may change them
        with pytest.raises(ValueError, match="read-only"):
            shared[...] = 0
    del model, first
    gc.collect()
    assert key not in tolerance._READ_OUT_SIZES


def test_passed_on_takes_each_patients_own_rates_and_sizes():
    """A cohort: the cells a pool cell passes on follow each patient's exit (10/day: 2, 20/day: 4/3)."""
    rtol = 1e-6
    model = _pool_model(exit_rate=np.array([10.0, 20.0]))
    passed = AdditiveRungeKutta(rtol=rtol, unread_states="passed_on").atol(model)
    assert passed.shape == (2, model.n_states)
    np.testing.assert_allclose(passed[:, model.index("pool")], rtol * 1000.0 / np.array([2.0, 4.0 / 3.0]), rtol=1e-12)


def test_passed_on_takes_fewer_steps_and_keeps_every_read_out_within_its_bound():
    """A marrow depletion (the cohort bench's 80 % kill) and 60 days of recovery, one patient, rtol 1e-6: "passed_on"
    takes fewer than half the steps of "own" (measured 72 against 180), and every observable stays within 2e-5
    (20 rtol) of Dormand-Prince at rtol 1e-10: measured 1.1e-5 at most (the neutrophil production, read from the
    outflow of a stage now measured against the blood pool), the ANC, hemoglobin and platelets 9.7e-6; "own" within
    3e-6 (measured 1.9e-6)."""
    from hemasim.biology import Covariates, healthy_human_model

    model = healthy_human_model(Covariates(50.0, "male", 75.0, 172.0)).compile()
    x0, t, exact = _marrow_depletion(model)
    runs = {}
    for setting in ("own", "passed_on"):
        solution = AdditiveRungeKutta(rtol=1e-6, unread_states=setting).solve(model, x0, 0.0, t)
        error = np.abs(model.observables(t, solution.states[0]) - exact) / np.maximum(np.abs(exact), 1e-300)
        runs[setting] = (error.max(), solution.stats.steps_accepted + solution.stats.steps_rejected)
    assert runs["passed_on"][1] < 0.5 * runs["own"][1], runs
    assert runs["own"][0] < 3e-6, runs
    assert runs["passed_on"][0] < 2e-5, runs


def test_a_cohort_models_fluxes_are_each_patients_own():
    """``CompiledModel.fluxes`` of a cohort model, one state per patient at one time (what ``read_out_sizes`` reads
    for the healthy rates), equals each patient's single-patient fluxes, feedbacks and ageing laws included."""
    from hemasim.biology import Covariates, healthy_human_model

    ages = np.array([25.0, 50.0, 80.0])
    model = healthy_human_model(Covariates(ages, np.array(["male", "female", "male"]), np.array([60.0, 75.0, 90.0]),
                                           np.array([160.0, 170.0, 185.0]))).compile()
    x = model.x0 * np.array([[1.0], [0.5], [2.0]])  # off the steady state: the feedbacks move
    cohort = model.fluxes(3.0, x)
    for i in range(3):
        np.testing.assert_allclose(cohort[i], model.patient(i).fluxes(3.0, x[i])[0], rtol=1e-13)
    for j in (0, len(model.src) // 2, len(model.src) - 1):  # one flow's flux of a cohort: its column, per patient
        np.testing.assert_array_equal(model.flux(j, 3.0, x), cohort[:, j])


def _marrow_depletion(model):
    """80 % of the marrow's cells killed on day 0 (the cohort bench's depletion), 60 days of daily output, and the
    observables by Dormand-Prince at rtol 1e-10: (x0, times, exact observables)."""
    from hemasim.events import CellDepletion

    x0 = CellDepletion(0.0, ("marrow",), 0.2, ("hsc",)).apply(model, model.x0, np.random.default_rng(0))
    t = np.linspace(0.0, 60.0, 61)
    return x0, t, model.observables(t, DormandPrince(rtol=1e-10).integrate(model, x0, 0.0, t))


def _filgrastim_course():
    """300 ug filgrastim s.c. on days 0-4 (the shipped set with the endogenous G-CSF turnover), 30 days: the course
    bench/gcsf_endogenous_steps.py measures."""
    from pathlib import Path

    from tests._scripts import load_script

    bench = load_script(Path(__file__).resolve().parents[1] / "bench" / "gcsf_endogenous_steps.py")
    return bench.course("filgrastim_wang2001")


@pytest.mark.slow
def test_a_linear_multipliers_read_states_enter_l_and_free_the_steps_of_the_endogenous_gcsf(monkeypatch):
    """G-CSF's neutrophil-mediated elimination k_ANC ANC G is implicit in G, its multiplier frozen at the step's start;
    without L's entry by the blood neutrophils, the multiplier's change within a step (k_ANC dANC, scaled by G's
    turnover of ~4,000/day at ANC 30) is explicit and G's error estimate held the steps to ~0.002 days. With it the
    run agrees with Dormand-Prince at 1e-10 within the tolerance, in a fraction of the steps."""
    from hemasim.assembly import run_scenario
    from hemasim.solvers import split

    scenario = _filgrastim_course()
    reference = run_scenario(scenario, DormandPrince(rtol=1e-10))
    ours = run_scenario(scenario, AdditiveRungeKutta(rtol=1e-8))
    g = reference.model.index("filgrastim_endogenous")
    blood = reference.model.index("neutrophil_blood_1")
    crossed = implicit_split(reference.model)
    read = np.searchsorted(crossed.cross_ptr, np.arange(len(crossed.cross_entry)), side="right") - 1
    sources = reference.model.src[crossed.flow[crossed.cross_entry]]
    assert (blood, g) in set(zip(read.tolist(), sources.tolist(), strict=True))
    assert crossed.block_of[blood] < crossed.block_of[g]  # the neutrophils are solved before G
    others = np.arange(reference.model.n_states) != g
    assert _scaled_difference(ours.states[:, others], reference.states[:, others]) < 1e-6
    anc = (r.observable("anc_1e9_per_L") for r in (ours, reference))
    np.testing.assert_allclose(*anc, rtol=1e-7)
    # G at the steps' ends is within its tolerance (atol 1e-8 ng/mL); between them the dense output's slopes carry
    # G's turnover times its error (~4,000/day x 1e-8), ~1e-4 of G at a few outputs (docs/performance.md)
    assert _scaled_difference(ours.states[:, g], reference.states[:, g]) < 3e-4
    assert abs(ours.final_states[g] - reference.final_states[g]) < 1e-7
    reads = split._reads
    monkeypatch.setattr(split, "_reads", lambda model: (reads(model)[0], tuple(() for _ in model.flow_names)))
    frozen = run_scenario(scenario, AdditiveRungeKutta(rtol=1e-8))
    assert _scaled_difference(frozen.states, reference.states) < 1e-5
    # 2,225 steps with L's entries, 14,173 without (Dormand-Prince at 1e-8: 12,103)
    assert ours.record.solver_stats.steps_accepted < frozen.record.solver_stats.steps_accepted / 3


def test_state_scales_measure_a_named_state_against_its_size():
    """``state_scales`` (opt-in): a named state's absolute tolerance is rtol times the larger of its own and the
    given size (a drug's central amount, 0 at health: the size at which its effect is 1); every other state keeps
    its own; a name the model lacks is refused."""
    from hemasim.biology import healthy_human_model
    from hemasim.pharmacology import DrugExposure, load_drug_set

    model = healthy_human_model(extensions=[DrugExposure(load_drug_set("nab_paclitaxel_chen2014"))]).compile()
    central = model.state_names.index("nab_paclitaxel_central")
    own = AdditiveRungeKutta(rtol=1e-6).atol(model)
    scaled = AdditiveRungeKutta(rtol=1e-6, state_scales=(("nab_paclitaxel_central", 1.0e4),)).atol(model)
    assert own[central] == pytest.approx(1e-6) and scaled[central] == pytest.approx(1e-2)
    assert np.array_equal(np.delete(own, central), np.delete(scaled, central))
    with pytest.raises(ValueError, match="no state 'nab_paclitaxel_centre'"):
        AdditiveRungeKutta(state_scales=(("nab_paclitaxel_centre", 1.0),)).atol(model)
