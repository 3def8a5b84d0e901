"""Fit of the age trend of the red-cell and platelet set points (docs/model.md, "Age trend of the red-cell and
platelet set points"; issue 17, targets R3/R8 left out of the fit).

Law: the set point of a patient aged ``a`` years is the reference adult's (35 y) times

    f(a) = exp(-k * max(0, a - 35))

with one rate ``k`` (1/year) for platelets (both sexes) and one per sex for red cells. A class of people whose ages
spread uniformly over [lo, hi] has the mean log factor -k * E(lo, hi), E the class mean of max(0, a - 35); two
classes of a source give the contrast y = ln(centre_old / centre_young) = -k * (E_old - E_young). The rates are
weighted least squares over the contrasts (weights 1/SE^2 of y).

Data (docs/agetrend_data.csv; no validation target's source): platelet 2.5th/97.5th percentiles of Italian adults
15-64 y and >64 y by sex (Biino 2013), the class centre their geometric mean (the median of a log-normal); the 5th
percentiles of NHANES III haemoglobin in white men and women under and over 60 (Beutler & Waalen 2006), read as an
additive shift of the distribution (a percentile moves as the mean when the spread stays), relative to the model's
reference Hb of that sex (MCH x RBC set point: 15.6 g/dL men, 13.8 women).

Standard errors (per class): haemoglobin values are given to 0.1 g/dL (rounding, sd 0.1/sqrt(12)) and a 5th
percentile of n values has sd sqrt(p(1-p)/n) / phi(z_p) * sd_Hb (sd_Hb = 0.069 x Hb: the CV of the Merck RBC
interval already in the parameter set); platelet log-percentiles likewise with the log-sd of the class's own
interval. n per class is not in the abstracts: 1,000 (NHANES III) and 2,000 (Biino, per sex and class; 40,987 in
all) are assumed as lower bounds, so the intervals are wider than the sources' sampling error.

95% interval: the envelope, over the choices the abstracts leave open (the open old class ending at 80, 90 or 100 y;
platelet centre geometric or arithmetic midpoint; the young Hb class 20-59 y or all adults 20-90; Hb shift additive
or proportional), of estimate +- 1.96 SE. The central fit takes 90 y, geometric, 20-59 y, additive.

    python docs/agetrend_fit.py          # prints the fitted rates and intervals
"""

from __future__ import annotations

import csv
import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist

DATA = Path(__file__).with_name("agetrend_data.csv")
REFERENCE_AGE_YEARS = 35.0  # the reference adult's age (hemasim.biology.body.REFERENCE_ADULT): f = 1 there
HB_REFERENCE_G_PER_DL = {"male": 15.6, "female": 13.8}  # MCH 30 pg x RBC set point 5.2 / 4.6 e12/L (Merck)
HB_CV = 0.069  # CV of the log-normal whose 95% interval is the Merck RBC interval (men 4.5-5.9: 0.0687)
ASSUMED_N = {"hemoglobin": 1000, "platelets": 2000}  # people per class (and sex): not in the abstracts
_Z = NormalDist()
_Z95 = _Z.inv_cdf(0.975)


@dataclass(frozen=True)
class Row:
    quantity: str
    sex: str
    age_low: float
    age_high: float
    open_class: bool  # the class's upper end is not in the source
    statistic: str
    value: float


def read_rows(path: Path = DATA) -> list[Row]:
    lines = [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
    rows = []
    for r in csv.DictReader(lines):
        high = r["age_high"]
        rows.append(Row(r["quantity"], r["sex"], float(r["age_low"]), float(high.rstrip("*")), high.endswith("*"),
                        r["statistic"], float(r["value"])))
    return rows


def exposure_years(low: float, high: float, reference: float = REFERENCE_AGE_YEARS) -> float:
    """Mean of max(0, a - reference) over ages spread uniformly on [low, high]."""
    if high <= reference:
        return 0.0
    start = max(low, reference)
    return (high - start) ** 2 / 2.0 / (high - low) + (start - reference) * (high - start) / (high - low)


def _percentile_sd(p: float, n: int, sd: float) -> float:
    """Sampling sd of an empirical p-quantile of n normal values with sd ``sd``."""
    return math.sqrt(p * (1.0 - p) / n) / _Z.pdf(_Z.inv_cdf(p)) * sd


def _classes(rows: list[Row], quantity: str, sex: str, open_end: float) -> list[tuple[float, dict[str, float]]]:
    """(exposure, {statistic: value}) of each age class of a quantity and sex, young first."""
    by_class: dict[tuple[float, float], dict[str, float]] = {}
    for r in rows:
        if r.quantity == quantity and r.sex == sex:
            high = open_end if r.open_class else r.age_high
            by_class.setdefault((r.age_low, high), {})[r.statistic] = r.value
    return [(exposure_years(lo, hi), stats) for (lo, hi), stats in sorted(by_class.items())]


@dataclass(frozen=True)
class Contrast:
    y: float  # ln(centre_old / centre_young)
    d: float  # exposure difference, years
    se: float  # standard error of y


def platelet_contrasts(rows: list[Row], open_end: float = 90.0, centre: str = "geometric") -> list[Contrast]:
    out = []
    for sex in ("male", "female"):
        (e_young, young), (e_old, old) = _classes(rows, "platelets", sex, open_end)
        centres, ses = [], []
        for stats in (young, old):
            lo, hi = stats["p2.5"], stats["p97.5"]
            centres.append(math.sqrt(lo * hi) if centre == "geometric" else (lo + hi) / 2.0)
            sd_log = math.log(hi / lo) / (2.0 * _Z95)
            ses.append(_percentile_sd(0.025, ASSUMED_N["platelets"], sd_log) / math.sqrt(2.0))
        out.append(Contrast(math.log(centres[1] / centres[0]), e_old - e_young, math.hypot(*ses)))
    return out


def hemoglobin_contrast(rows: list[Row], sex: str, open_end: float = 90.0, young_all_adults: bool = False,
                        shift: str = "additive") -> Contrast:
    (e_young, young), (e_old, old) = _classes(rows, "hemoglobin", sex, open_end)
    if young_all_adults:  # the younger value read as that of the whole adult distribution, 20 y to the open end
        e_young = exposure_years(20.0, open_end)
    hb_ref = HB_REFERENCE_G_PER_DL[sex]
    delta = old["p5"] - young["p5"]
    y = math.log1p(delta / hb_ref) if shift == "additive" else math.log(old["p5"] / young["p5"])
    per_class = math.hypot(0.1 / math.sqrt(12.0), _percentile_sd(0.05, ASSUMED_N["hemoglobin"], HB_CV * hb_ref))
    return Contrast(y, e_old - e_young, math.sqrt(2.0) * per_class / hb_ref)


def weighted_rate(contrasts: list[Contrast]) -> tuple[float, float, float]:
    """Rate k (1/year) minimising sum ((y + k d)/se)^2, its standard error and the minimum (the objective)."""
    sw = sum(c.d**2 / c.se**2 for c in contrasts)
    k = -sum(c.y * c.d / c.se**2 for c in contrasts) / sw + 0.0  # + 0.0: no negative zero
    objective = sum(((c.y + k * c.d) / c.se) ** 2 for c in contrasts) / 2.0
    return k, 1.0 / math.sqrt(sw), objective


@dataclass(frozen=True)
class RateFit:
    rate_per_year: float
    standard_error: float
    objective: float
    interval: tuple[float, float]


def _envelope(central: tuple[float, float, float], variants: list[tuple[float, float, float]]) -> RateFit:
    lows = [k - _Z95 * se for k, se, _ in variants]
    highs = [k + _Z95 * se for k, se, _ in variants]
    return RateFit(central[0], central[1], central[2], (min(lows), max(highs)))


def fit(rows: list[Row] | None = None) -> dict[str, RateFit]:
    """The three rates: ``platelets``, ``hemoglobin_male``, ``hemoglobin_female``."""
    rows = read_rows() if rows is None else rows
    ends = (80.0, 90.0, 100.0)
    plt_variants = [weighted_rate(platelet_contrasts(rows, end, centre))
                    for end, centre in itertools.product(ends, ("geometric", "arithmetic"))]
    out = {"platelets": _envelope(weighted_rate(platelet_contrasts(rows)), plt_variants)}
    for sex in ("male", "female"):
        variants = [weighted_rate([hemoglobin_contrast(rows, sex, end, young_all, shift)])
                    for end, young_all, shift in itertools.product(ends, (False, True), ("additive", "ratio"))]
        out[f"hemoglobin_{sex}"] = _envelope(weighted_rate([hemoglobin_contrast(rows, sex)]), variants)
    return out


def age_factor(age_years: float, rate_per_year: float) -> float:
    return math.exp(-rate_per_year * max(0.0, age_years - REFERENCE_AGE_YEARS))


def main() -> None:
    for name, r in fit().items():
        lo, hi = r.interval
        print(f"{name:18s} k = {r.rate_per_year:.5f}/year (SE {r.standard_error:.5f}; 95% envelope {lo:.5f} to "
              f"{hi:.5f}); objective {r.objective:.4g}; factor at 60/80/90 y: "
              + ", ".join(f"{age_factor(a, r.rate_per_year):.4f}" for a in (60.0, 80.0, 90.0)))


if __name__ == "__main__":
    main()
