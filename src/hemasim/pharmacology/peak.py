"""The peak plasma concentration (Cmax) of a drug over a run and its day, from the doses actually given.

A run's concentration observable is sampled at the output interval (0.25 day in the examples), so the peak of a
1-h infusion falls between samples. PK does not depend on the cells (except G-CSF's neutrophil-mediated
clearance, for which no Cmax is computed here), so the drug's PK is integrated again, alone, for each patient:
the same equations as :class:`hemasim.pharmacology.pkpd.DrugExposure` (docs/drugs.md), with the patient's
clearance (per m2 times the body-surface area, or the cohort's drawn value), the doses of the run's administration
log (after dose rules) and a stiff integrator (scipy LSODA, rtol 1e-9) between dose events. Local maxima of the
central amount are located as roots of its derivative (the integrator's event location); the ends of each
segment (the end of an infusion, the instant after a bolus) are candidates too, so a maximum at a kink is exact.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from hemasim.biology.body import Covariates, body_surface_area_m2
from hemasim.pharmacology.drug_sets import HOURS_PER_DAY, DrugSet

__all__ = ["cmax_supported", "course_days", "plasma_course", "plasma_peaks"]

_RTOL = 1e-9


def cmax_supported(ds: DrugSet) -> bool:
    """Whether the set's PK is independent of the cells (not G-CSF's neutrophil-mediated clearance)."""
    return ds.pk is not None and ds.pk.neutrophil_mediated_clearance is None


def _patient(values: Mapping[str, Any], i: int, n: int) -> dict[str, float]:
    return {k: float(np.broadcast_to(np.asarray(v, dtype=np.float64), (n,))[i]) for k, v in values.items()}


def _doses(log: Sequence[Mapping[str, Any]], drug: str, i: int, n: int) -> list[tuple[float, str, float, float, float]]:
    """(day, route, amount ug, duration days, bioavailability) of each dose of ``drug`` patient ``i`` was given."""
    out = []
    for e in log:
        if e.get("drug") != drug or e.get("action") != "given":
            continue
        amount = float(np.broadcast_to(np.asarray(e["given_ug"], dtype=np.float64), (n,))[i])
        if amount <= 0:
            continue
        route = str(e["route"])
        duration = float(e.get("duration_days", 0.0))
        if route == "iv_infusion" and not duration > 0:
            raise ValueError(f"administration log: the {drug} infusion on day {float(e['day']):g} has no duration_days")
        out.append((float(e["day"]), route, amount, duration, float(e.get("bioavailability", 1.0))))
    return out


class _System:
    """A set's PK for one patient: the central volume, the right-hand side of its amounts (ug; central, peripherals,
    saturable peripheral, depot) under the current segment's infusion rate (``rate[0]``, ug/day), and the linear
    system's matrix where the PK is linear (None otherwise). Shared by the peak (:func:`plasma_peaks`) and the
    report's drawn course (:func:`plasma_course`), so the two cannot drift apart."""

    def __init__(self, ds: DrugSet, bsa: float, values: Mapping[str, float]) -> None:
        pk = ds.pk
        assert pk is not None

        def get(path: str) -> float:
            return values.get(path, ds.get(path))

        v1 = get("pk.central_volume_L")
        if pk.clearance_L_per_h_per_m2 is not None:
            cl = get("pk.clearance_L_per_h_per_m2") * bsa * HOURS_PER_DAY
        elif pk.clearance_L_per_h is not None:
            cl = get("pk.clearance_L_per_h") * HOURS_PER_DAY
        else:
            cl = 0.0
        periph = [(get(f"pk.peripheral.{k}.volume_L"),
                   get(f"pk.peripheral.{k}.intercompartmental_clearance_L_per_h") * HOURS_PER_DAY)
                  for k in range(len(pk.peripheral))]
        ka = get("pk.absorption.rate_per_h") * HOURS_PER_DAY if pk.absorption is not None else 0.0
        se = pk.saturable_elimination
        e_vmax = get("pk.saturable_elimination.vmax_ug_per_h") * HOURS_PER_DAY if se is not None else 0.0
        e_km = get("pk.saturable_elimination.km_ng_per_mL") if se is not None else 1.0
        sp = pk.saturable_peripheral
        p_v = get("pk.saturable_peripheral.volume_L") if sp is not None else 1.0
        p_vmax = get("pk.saturable_peripheral.vmax_ug_per_h") * HOURS_PER_DAY if sp is not None else 0.0
        p_km = get("pk.saturable_peripheral.km_ng_per_mL") if sp is not None else 1.0
        n_per = len(periph)
        # states: central, peripherals, saturable peripheral, depot (amounts, ug)
        i_sat, i_depot = 1 + n_per, 2 + n_per
        rate = [0.0]  # infusion rate (ug/day) of the current segment

        def rhs(_t: float, a: np.ndarray) -> np.ndarray:
            c = a[0] / v1
            d = np.zeros_like(a)
            d[0] = rate[0] + ka * a[i_depot] - cl * c - e_vmax * c / (e_km + c)
            for k, (vp, q) in enumerate(periph, start=1):
                flux = q * (c - a[k] / vp)
                d[0] -= flux
                d[k] = flux
            if p_vmax > 0:
                cp = a[i_sat] / p_v
                flux = p_vmax * (c / (p_km + c) - cp / (p_km + cp))
                d[0] -= flux
                d[i_sat] = flux
            d[i_depot] = -ka * a[i_depot]
            return d

        self.v1, self.rhs, self.rate, self.i_depot = v1, rhs, rate, i_depot
        self.a_mat: np.ndarray | None = None
        if se is None and sp is None:  # linear: central, peripherals, the depot (last) when the set absorbs
            m = 1 + n_per + (ka > 0)
            a_mat = np.zeros((m, m))
            a_mat[0, 0] = -cl / v1
            for k, (vp, q) in enumerate(periph, start=1):
                a_mat[0, 0] -= q / v1
                a_mat[0, k], a_mat[k, 0], a_mat[k, k] = q / vp, q / v1, -q / vp
            if ka > 0:
                a_mat[0, -1], a_mat[-1, -1] = ka, -ka
            self.a_mat = a_mat


def _peak_one(ds: DrugSet, bsa: float, values: Mapping[str, float], doses: list[tuple[float, str, float, float, float]],
              end_day: float, linear_exact: bool = True) -> tuple[float, float]:
    """Cmax (ng/mL) and its day for one patient; (0, nan) without doses."""
    from scipy.integrate import solve_ivp

    if not doses:
        return 0.0, float("nan")
    system = _System(ds, bsa, values)
    v1, rhs, rate, i_depot = system.v1, system.rhs, system.rate, system.i_depot

    if linear_exact and system.a_mat is not None:  # linear: exact, segment by segment (the same maxima, ~10x faster)
        return _linear_peak(system.a_mat, v1, doses, end_day)

    def slope(t: float, a: np.ndarray) -> float:
        return float(rhs(t, a)[0])

    slope.direction = -1.0  # type: ignore[attr-defined]  # a maximum: the central amount stops rising

    scale = max(amount for _, _, amount, _, _ in doses)

    def advance(t0: float, t1: float, a: np.ndarray, infusion: float) -> tuple[np.ndarray, list[tuple[float, float]]]:
        rate[0] = infusion
        sol = solve_ivp(rhs, (t0, t1), a, method="LSODA", rtol=_RTOL, atol=1e-12 * scale, events=slope)
        if not sol.success:
            raise RuntimeError(f"{ds.drug} peak concentration: the PK integration failed ({sol.message})")
        return sol.y[:, -1], [(float(ye[0]), float(te)) for te, ye in zip(sol.t_events[0], sol.y_events[0],
                                                                          strict=True)]

    best, best_day = _walk(doses, end_day, i_depot + 1, i_depot, advance)
    return best / v1, best_day


def _edges(doses: list[tuple[float, str, float, float, float]]) -> dict[float, list[tuple[str, float]]]:
    """The dose events (infusion-rate changes, bolus and depot doses) by day."""
    changes: dict[float, list[tuple[str, float]]] = {}
    for day, route, amount, duration, f in doses:
        if route == "iv_infusion":
            changes.setdefault(day, []).append(("rate", amount / duration))
            changes.setdefault(day + duration, []).append(("rate", -amount / duration))
        elif route == "iv_bolus":
            changes.setdefault(day, []).append(("central", amount))
        else:
            changes.setdefault(day, []).append(("depot", f * amount))
    return changes


#: relative margin within which a later peak counts as the same height as an earlier one (the Cmax day's tie rule)
PEAK_DAY_TOLERANCE = 1e-3


def _walk(doses: list[tuple[float, str, float, float, float]], end_day: float, n_states: int, depot: int,
          advance: Callable[[float, float, np.ndarray, float], tuple[np.ndarray, list[tuple[float, float]]]]
          ) -> tuple[float, float]:
    """The highest central amount and its day over the dose events' segments (to ``end_day``): each event edge
    changes the infusion rate or adds a bolus (central, index 0) or an absorbed dose (``depot``); ``advance(t0, t1,
    x, rate)`` carries the amounts over a segment and gives the segment's inner maxima (amount, day). The edges
    themselves (the instant after a bolus, the end of an infusion) are candidates too, so a maximum at a kink is
    exact."""
    changes = _edges(doses)
    edges = sorted(changes)
    stop = max(end_day, edges[-1])
    x = np.zeros(n_states)
    rate = 0.0
    candidates: list[tuple[float, float]] = []  # (amount, day) in time order
    for j, t0 in enumerate(edges):
        for what, v in changes[t0]:
            if what == "rate":
                rate = max(rate + v, 0.0) if v < 0 else rate + v
            else:
                x[0 if what == "central" else depot] += v
        candidates.append((float(x[0]), t0))
        t1 = edges[j + 1] if j + 1 < len(edges) else stop
        if t1 <= t0:
            continue
        x, maxima = advance(t0, t1, x, rate)
        x = np.maximum(x, 0.0)
        candidates.extend(maxima)
        candidates.append((float(x[0]), t1))
    best = max(amount for amount, _ in candidates)
    if best <= 0.0:
        return 0.0, float("nan")
    # the day: the first peak within PEAK_DAY_TOLERANCE of the highest, so repeated equal cycles give the first
    # cycle's day, not the last one's (whose peak is higher only by the previous cycles' residue, ~1e-6 for q3w)
    day = next(d for amount, d in candidates if amount >= best * (1.0 - PEAK_DAY_TOLERANCE))
    return best, day


def _linear_peak(a_mat: np.ndarray, v1: float, doses: list[tuple[float, str, float, float, float]],
                 end_day: float) -> tuple[float, float]:
    """Cmax and its day of a linear system dx/dt = A x + R e_0 (R: the infusion rate of the segment), exactly:
    x(t) = x_ss + V exp(L t) V^-1 (x0 - x_ss) per segment (A's eigenvalues are real and negative for a
    mammillary model), the central amount a sum of exponentials whose maxima inside a segment are the roots of its
    derivative (bracketed on a log-spaced grid from the segment's start, then brentq)."""
    from scipy.optimize import brentq

    lam, vec = np.linalg.eig(a_mat)
    if np.max(np.abs(lam.imag)) > 1e-9 * np.max(np.abs(lam.real)) or np.max(lam.real) >= 0:
        raise ValueError("peak concentration: the linear PK system is not a stable mammillary model")
    lam, vec = lam.real, vec.real
    inv = np.linalg.inv(vec)
    a_inv = np.linalg.inv(a_mat)

    def advance(t0: float, t1: float, x: np.ndarray, rate: float) -> tuple[np.ndarray, list[tuple[float, float]]]:
        b = np.zeros(len(a_mat))
        b[0] = rate
        x_ss = -a_inv @ b
        w = vec[0] * (inv @ (x - x_ss))  # central(t) = x_ss[0] + sum w e^(lam t)

        def central(t: float) -> float:
            return float(x_ss[0]) + float(np.sum(w * np.exp(lam * t)))

        def rising(t: float) -> float:
            return float(np.sum(w * lam * np.exp(lam * t)))

        span = t1 - t0
        grid = np.concatenate([[0.0], np.geomspace(min(1e-7, span / 2), span, 400)])
        d = (w * lam) @ np.exp(np.outer(lam, grid))
        maxima = []
        for k in np.flatnonzero((d[:-1] > 0) & (d[1:] <= 0)):  # a maximum between grid[k] and grid[k + 1]
            tm = brentq(rising, grid[k], grid[k + 1], xtol=1e-14, rtol=1e-13) if d[k + 1] < 0 else grid[k + 1]
            maxima.append((central(tm), t0 + tm))
        return x_ss + vec @ (np.exp(lam * span) * (inv @ (x - x_ss))), maxima

    best, best_day = _walk(doses, end_day, len(a_mat), len(a_mat) - 1, advance)
    return best / v1, best_day


def plasma_peaks(ds: DrugSet, cov: Covariates, log: Sequence[Mapping[str, Any]], n: int, end_day: float,
                 values: Mapping[str, Any] | None = None, linear_exact: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Per patient (``n``; ``cov`` and ``values`` hold one value or one per patient): the highest plasma
    concentration of the set's drug from day 0 to ``end_day`` (ng/mL) and its day, from the doses the
    administration ``log`` gives. ``values``: the patients' own values of the set (dotted path -> values), e.g. a
    cohort's drawn clearance. NaN for a set whose PK depends on the cells; a patient given no dose: 0 and NaN.
    ``linear_exact``: linear PK by its exact solution (False: by the integrator, as nonlinear PK; for checks)."""
    cmax, day = np.full(n, np.nan), np.full(n, np.nan)
    if not cmax_supported(ds):
        return cmax, day
    bsa = np.broadcast_to(np.asarray(body_surface_area_m2(cov), dtype=np.float64), (n,)) \
        if cov.height_cm is not None else np.full(n, np.nan)  # a clearance per m2 needs it (and the dose check asks)
    values = values or {}
    done: dict[tuple[Any, ...], tuple[float, float]] = {}  # patients with the same values and doses share a result
    for i in range(n):
        own, doses = _patient(values, i, n), _doses(log, ds.drug, i, n)
        key = (float(bsa[i]), tuple(sorted(own.items())), tuple(doses))
        if key not in done:
            done[key] = _peak_one(ds, float(bsa[i]), own, doses, end_day, linear_exact)
        cmax[i], day[i] = done[key]
    return cmax, day


#: the report's drawn course: points per dose over its infusion, and from its end, log-spaced, to this many days after
#: it (a 1-h docetaxel infusion's peak and its first hours' fall, which the 0.25-day output grid steps over)
COURSE_POINTS_PER_DOSE = 80
COURSE_SPAN_DAYS = 3.0


def course_days(log: Sequence[Mapping[str, Any]], drug: str, base_days: np.ndarray) -> np.ndarray:
    """The days to draw ``drug``'s concentration at: ``base_days`` (a run's output times) and, around each dose the
    log gives, its start, a few points over its infusion, its end (an infusion's peak, exactly) and
    :data:`COURSE_POINTS_PER_DOSE` log-spaced points over the next :data:`COURSE_SPAN_DAYS` days (an absorbed dose's
    peak, and the fast fall after an infusion), within the base days' range."""
    lo, hi = float(base_days[0]), float(base_days[-1])
    extra = []
    for day, _route, _amount, duration, _f in _doses(log, drug, 0, 1):
        end = day + duration
        extra.append(np.linspace(day, end, 6) if duration > 0 else np.array([day]))
        extra.append(end + np.geomspace(1e-4, COURSE_SPAN_DAYS, COURSE_POINTS_PER_DOSE))
    days = np.concatenate([np.asarray(base_days, dtype=np.float64), *extra])
    return np.unique(days[(days >= lo) & (days <= hi)])


def plasma_course(ds: DrugSet, cov: Covariates, log: Sequence[Mapping[str, Any]], days: np.ndarray,
                  values: Mapping[str, Any] | None = None) -> np.ndarray:
    """One patient's plasma concentration of the set's drug (ng/mL) at ``days``, from the doses the administration
    ``log`` gives: the PK :func:`plasma_peaks` integrates (the same system, the same patient values), evaluated
    where the report draws it (:func:`course_days`), so the drawn peak is the Cmax endpoint's. A dose instant gives the
    value just after the dose (a bolus's peak). NaN everywhere for a set whose PK depends on the cells."""
    from scipy.integrate import solve_ivp

    days = np.asarray(days, dtype=np.float64)
    out = np.zeros(len(days))
    if not cmax_supported(ds):
        return np.full(len(days), np.nan)
    bsa = float(body_surface_area_m2(cov)) if cov.height_cm is not None else float("nan")
    doses = _doses(log, ds.drug, 0, 1)
    if not doses or len(days) == 0:
        return out
    system = _System(ds, bsa, {k: float(np.ravel(np.asarray(v, dtype=np.float64))[0]) for k, v in (values or {}).items()})
    scale = max(amount for _, _, amount, _, _ in doses)

    def advance(t0: float, t1: float, a: np.ndarray, infusion: float) -> tuple[np.ndarray, list[tuple[float, float]]]:
        system.rate[0] = infusion
        inside = np.flatnonzero((days >= t0) & (days <= t1))
        # t1 always evaluated: the next segment starts from the amounts at t1, not at the last requested day (a grid
        # without the dose edges carried an infusion's start state on: 0 ng/mL at every output; review36c)
        at = np.append(days[inside], t1) if not len(inside) or days[inside[-1]] < t1 else days[inside]
        sol = solve_ivp(system.rhs, (t0, t1), a, method="LSODA", rtol=_RTOL, atol=1e-12 * scale, t_eval=at)
        if not sol.success:
            raise RuntimeError(f"{ds.drug} concentration course: the PK integration failed ({sol.message})")
        if len(inside):  # a later segment's start overwrites an edge's day
            out[inside] = np.maximum(sol.y[0, :len(inside)], 0.0) / system.v1
        return sol.y[:, -1], []

    _walk(doses, float(days[-1]), system.i_depot + 1, system.i_depot, advance)
    return out
