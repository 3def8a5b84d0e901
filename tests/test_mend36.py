"""The thirty-first session's leftovers (branch mend36): a reader that closed stdout before a command's output was
complete exits 141 (a shell's SIGPIPE status), never a failure's own code; a closed stderr never stops a command
(progress lines are diagnostics)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from .conftest import EXAMPLES
from .test_mend35f import _hemasim


def test_check_strict_into_a_closed_reader_keeps_its_verdict(tmp_path: Path):
    # a verdict known before the line was printed (--strict with a warning: 1) is the exit, not 141; validate's
    # failed target likewise (tests/test_mend35f.py)
    spec = yaml.safe_load((EXAMPLES / "blood_donation.yaml").read_text(encoding="utf-8"))
    spec["patient"]["weight_kg"] = 250  # implausible: a warning
    scenario = tmp_path / "heavy.yaml"
    scenario.write_text(yaml.safe_dump(spec), encoding="utf-8")
    assert _hemasim(["check", str(scenario), "--strict"], buffered=False).returncode == 1
    assert _hemasim(["check", str(scenario)], buffered=False).returncode == 141


def test_a_cohort_whose_stderr_reader_closed_runs_to_the_end(tmp_path: Path):
    # `hemasim cohort ... 2>&1 | head`: the first progress line met the closed pipe and ended the run with exit 1
    spec = yaml.safe_load((EXAMPLES / "cohort_marrow_depletion.yaml").read_text(encoding="utf-8"))
    spec["duration_days"] = 20
    scenario = tmp_path / "cohort.yaml"
    scenario.write_text(yaml.safe_dump(spec), encoding="utf-8")
    out = tmp_path / "out"
    res = _hemasim(["cohort", str(scenario), "--n", "3", "--partition-size", "1", "--no-report", "--out", str(out)],
                   closed="stderr", timeout=900)
    assert res.returncode == 0, res.stdout.decode()[-2000:]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["n_patients"] == 3
    assert len(json.loads((out / "manifest.json").read_text(encoding="utf-8"))["partitions"]) == 3


def test_drug_variability_draws_stay_within_the_declared_bounds():
    # Kloft 2006's MTT variability (omega^2 0.0192) put ~1.3% of patients' post-mitotic marrow transit outside its
    # bounds [4, 8] days (9.9 days in the C7 cohort), a patient `hemasim run` refuses; the one factor on both
    # transits is clipped so that each stays within its bounds (mend36)
    import numpy as np

    from hemasim.cohort.sampling import NEUTROPHIL_TRANSITS, drug_variability_draws
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.pharmacology import load_drug_set
    from hemasim.pharmacology.drug_sets import value_range

    params = healthy_adult_parameters()
    for name in ("docetaxel_kloft2006", "nab_paclitaxel_chen2014"):
        draws = drug_variability_draws(load_drug_set(name), params, np.random.default_rng(1), 20000)
        for p, v in draws.healthy.items():
            lo, hi = params[p].bounds
            assert lo <= v.min() and v.max() <= hi, (name, p)
        for path, v in draws.drug.items():
            lo, hi = value_range(path)
            assert lo <= v.min() and v.max() <= hi, (name, path)
        transit = draws.healthy[NEUTROPHIL_TRANSITS[1]]
        assert np.isclose(transit.max(), params[NEUTROPHIL_TRANSITS[1]].bounds[1])  # the bound reached: clipped
        ratio = draws.healthy[NEUTROPHIL_TRANSITS[1]] / draws.healthy[NEUTROPHIL_TRANSITS[0]]
        assert np.allclose(ratio, ratio[0])  # still one factor for both stages


def test_drug_variability_draws_clip_only_what_lies_outside():
    # the draws inside the bounds are the published log-normal's, bit for bit (no redraw: every other value of the
    # cohort keeps its place in the generator's stream)
    import numpy as np

    from hemasim.cohort.sampling import drug_variability_draws
    from hemasim.parameters import healthy_adult_parameters
    from hemasim.pharmacology import load_drug_set

    params = healthy_adult_parameters()
    ds = load_drug_set("docetaxel_kloft2006")
    rng = np.random.default_rng(7)
    draws = drug_variability_draws(ds, params, rng, 5000)
    assert ds.friberg is not None
    z = np.random.default_rng(7).normal(0.0, np.sqrt(ds.friberg.iiv_variance["mean_transit_time"].value), 5000)
    raw = params.value("neutrophil_marrow_transit_days") * np.exp(z)
    inside = (raw >= 4.0) & (raw <= 8.0)
    assert 0 < (~inside).sum() < 0.05 * len(raw)
    np.testing.assert_array_equal(draws.healthy["neutrophil_marrow_transit_days"][inside], raw[inside])
    assert rng.standard_normal() == np.random.default_rng(7).standard_normal(4 * 5000 + 1)[-1]  # the same stream


def _covariates(age: tuple[float, float], weight: dict, height: dict | None = None, n: int = 400):
    from hemasim.cohort.sampling import draw_cohort_covariates
    from hemasim.scenario import Patient, Population

    population = Population.model_validate({"age_years": {"min": age[0], "max": age[1]}, "female_fraction": 0.5,
                                            "weight_kg": weight, **({"height_cm": height} if height else {})})
    return draw_cohort_covariates(population, Patient(age_years=age[0], sex="male", weight_kg=12.0), 0, n, 5)


def test_a_toddler_cohort_draws_toddlers_weights_not_30_kg():
    # a cohort of 2-year-olds (mean 12 kg, 87 cm) got 30 kg and 120 cm, the adult floors (mend36); a child's draws are
    # truncated to 3 SD either side of the CDC 2000 median weight (height) for its age and sex instead
    import numpy as np

    from hemasim.scenario.plausibility import child_height_band, child_weight_band

    cov = _covariates((2.0, 3.0), {"male": {"mean": 12.5, "sd": 1.5}, "female": {"mean": 12.0, "sd": 1.5}},
                      {"male": {"mean": 88, "sd": 3.5}, "female": {"mean": 87, "sd": 3.5}})
    assert cov.weight_kg.max() < 20 and abs(np.mean(cov.weight_kg) - 12.25) < 0.3
    assert cov.height_cm is not None and cov.height_cm.max() < 110 and abs(np.mean(cov.height_cm) - 87.5) < 0.7
    for a, s, w, h in zip(cov.age_years, cov.sex, cov.weight_kg, cov.height_cm, strict=True):
        lo, hi = child_weight_band(a, s)
        assert lo <= w <= hi
        lo, hi = child_height_band(a, s)
        assert lo <= h <= hi


def test_a_childs_weight_outside_its_band_is_cut_to_the_band_an_adults_to_30_250_kg():
    # a mean far below the band: every child at the band's low edge (and the plausibility check says so); adults
    # keep the 30-250 kg cut and their draws
    from hemasim.scenario.plausibility import child_weight_band

    cov = _covariates((10.0, 30.0), {"male": {"mean": 5.0, "sd": 0.1}, "female": {"mean": 5.0, "sd": 0.1}})
    for a, s, w in zip(cov.age_years, cov.sex, cov.weight_kg, strict=True):
        assert w == (child_weight_band(a, s)[0] if a < 18 else 30.0)
