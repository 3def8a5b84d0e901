"""How slowly can antibody wane months after ONE dose while the IgG half-life read over days 35-63 stays in I2's band?

A bound that holds for every plasma-cell structure, not a model run (docs/immunity.md, "Plasma cells: three time
scales"). After one dose the model's antibody obeys d IgG/dt = S(t) - k IgG with k = ln 2 / 21 d (the textbook IgG
half-life, igg_half_life_days) and S(t) >= 0 the secretion of all antibody-secreting cells; once the response is over
(its antigen has a 2-day half-life, so plasmablasts are gone within about three weeks) no new cells are made and S can
only fall: S is non-increasing from day 30 on. And the antibody has peaked by day 30 (the model's peaks about two
weeks after the dose; Y1's vaccinees' falls from month 1 to 2): S(30) <= k IgG(30), so IgG falls from day 30 on. With S piecewise constant on a 0.5-day grid the read-outs are linear in
(IgG(30), S), so linear programming gives the exact extremes:

  (a) the largest month-6 / month-1 ratio (Y1's read-out) and the longest month 1-12 half-life (P5's) when the
      half-life read over days 35-63 (I2's window, two-point) is at most 30 d, I2's upper bound;
  (b) the shortest days 35-63 half-life when the month-6 / month-1 ratio is at least 0.337 (Y1's lower bound).

    python bench/antibody_waning_bound.py [--out bench/results/antibody_waning_bound.json]
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
from scipy.optimize import linprog

from hemasim.io import write_json_report

K = math.log(2) / 21.0  # 1/day: the textbook IgG half-life (I2's source, igg_half_life_days)
START, END, STEP = 30.0, 370.0, 0.5  # days after the dose: S is non-increasing from START on
MONTH = 30.44


def igg_rows() -> tuple[np.ndarray, np.ndarray]:
    """Times and the matrix A with IgG(times) = A @ (IgG(START), S_0, ..., S_{n-1}) (exact for piecewise-constant S)."""
    times = np.arange(START, END + STEP / 2, STEP)
    n = times.size - 1
    decay, gain = math.exp(-K * STEP), (1.0 - math.exp(-K * STEP)) / K
    rows = np.zeros((times.size, n + 1))
    rows[0, 0] = 1.0
    for i in range(1, times.size):
        rows[i] = rows[i - 1] * decay
        rows[i, i] += gain  # S_{i-1} acts over [t_{i-1}, t_i]
    return times, rows


def at(times: np.ndarray, rows: np.ndarray, day: float) -> np.ndarray:
    """Row of IgG at ``day`` (linear interpolation between grid points, still linear in the unknowns)."""
    i = int(np.searchsorted(times, day)) - 1
    w = (day - times[i]) / STEP
    return (1 - w) * rows[i] + w * rows[i + 1]


def extreme(objective: np.ndarray, constraints: list[np.ndarray], norm: np.ndarray, maximise: bool) -> float:
    """Optimum of objective @ x with constraints c @ x >= 0, norm @ x = 1, S >= 0 non-increasing, IgG falling at
    START (k IgG(START) - S_0 >= 0)."""
    n = objective.size
    falling = np.zeros(n)
    falling[0], falling[1] = K, -1.0
    constraints = [*constraints, falling]
    monotone = np.zeros((n - 2, n))  # S_{j+1} - S_j <= 0
    for j in range(n - 2):
        monotone[j, j + 1], monotone[j, j + 2] = -1.0, 1.0
    a_ub = np.vstack([-np.asarray(constraints), monotone])
    res = linprog(-objective if maximise else objective, A_ub=a_ub, b_ub=np.zeros(a_ub.shape[0]),
                  A_eq=norm[None, :], b_eq=[1.0], bounds=[(0, None)] * n, method="highs")
    if not res.success:
        raise RuntimeError(res.message)
    return float(-res.fun if maximise else res.fun)


def ceilings(i2_upper_days: float) -> tuple[float, float]:
    """The largest month-6 / month-1 ratio and month 1-12 half-life (months) with the days 35-63 half-life (two-point)
    at most ``i2_upper_days``."""
    times, rows = igg_rows()
    d35, d63 = at(times, rows, 35.0), at(times, rows, 63.0)
    m1, m6, m12 = (at(times, rows, m * MONTH) for m in (1.0, 6.0, 12.0))
    i2_ok = 2 ** (-28.0 / i2_upper_days) * d35 - d63  # >= 0: half-life over days 35-63 at most i2_upper_days
    p5_ratio_max = extreme(m12, [i2_ok], m1, maximise=True)
    # no decline possible (a ratio of 1, or 1 plus rounding): the half-life has no ceiling (it came out hugely negative)
    p5_max = math.inf if p5_ratio_max >= 1.0 else 11.0 * math.log(2) / -math.log(p5_ratio_max)
    return extreme(m6, [i2_ok], m1, maximise=True), p5_max


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="bench/results/antibody_waning_bound.json")
    args = parser.parse_args()
    times, rows = igg_rows()
    d35, d63 = at(times, rows, 35.0), at(times, rows, 63.0)
    m1, m6 = at(times, rows, MONTH), at(times, rows, 6.0 * MONTH)
    i2_upper, y1_lower = 30.0, 0.337
    y1_max, p5_half_life_max = ceilings(i2_upper)
    ratio_min = extreme(d63, [m6 - y1_lower * m1], d35, maximise=False)
    report = {"igg_half_life_days": 21.0, "secretion_non_increasing_from_day": START,
              "i2_upper_days": i2_upper, "y1_lower": y1_lower,
              "y1_month6_over_month1_max_with_i2_at_most_30_d": y1_max,
              "p5_half_life_months_1_12_max_with_i2_at_most_30_d": p5_half_life_max,
              "i2_half_life_days_min_with_y1_at_least_0_337": 28.0 * math.log(2) / -math.log(ratio_min)}
    for key, value in report.items():
        print(f"{key}: {value:.4g}" if isinstance(value, float) else f"{key}: {value}")
    write_json_report(report, Path(args.out), echo=False)


if __name__ == "__main__":
    main()
