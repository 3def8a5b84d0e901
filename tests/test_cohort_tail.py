"""The cohort's tail (branch e2e4): the summary from what the run kept of its partitions, with the bands figure drawn
in a thread of its own while the last partition is finished and written, gives the files the summary read from
the partitions' files gives; the figure drawn in two steps is the figure drawn in one."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hemasim._gc import GC_THRESHOLD
from hemasim.cohort import run_cohort, runner, simulate_partition
from hemasim.scenario import load_scenario
from hemasim.simulation import output_times

from .conftest import EXAMPLES, shortened

pytestmark = pytest.mark.integration

SUMMARY_FILES = ("summary.json", "summary.csv", "bands.csv", "bands.png", "report.html")


def _scenario(name: str, days: float):
    s = load_scenario(EXAMPLES / name)
    return type(s).model_validate(shortened(s.model_dump(mode="json", exclude_none=True), days))


def _figure_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("hemasim-figure")]


@pytest.mark.slow
@pytest.mark.parametrize(("example", "days", "n", "size"), [
    ("cohort_marrow_depletion.yaml", 40.0, 30, 10),  # staged pipeline: histograms before the endpoints
    ("cohort_docetaxel.yaml", 63.0, 12, 4),  # the scenario's own endpoint columns and their units
    ("cohort_marrow_depletion.yaml", 40.0, 7, 10),  # one partition: no pipeline
    ("cohort_allo_hsct.yaml", 40.0, 6, 3),  # engraftment endpoints: their did-not-fall flags are kept too
    ("cohort_influenza_vaccine.yaml", 30.0, 6, 3),  # a fifth band: the vaccine's IgG
])
def test_summary_kept_in_memory_writes_the_files_the_partition_files_give(example, days, n, size, tmp_path: Path,
                                                                          monkeypatch):
    scenario = _scenario(example, days)
    drawn_in_thread = []
    png = runner._BandsFigureThread.png
    monkeypatch.setattr(runner._BandsFigureThread, "png", lambda self: drawn_in_thread.append(1) or png(self))
    out = tmp_path / "cohort"
    summary = run_cohort(scenario, n, out, partition_size=size, progress=False, seed=3)
    assert drawn_in_thread == [1]  # the kept path and its figure thread were taken
    assert not _figure_threads()
    kept = {name: (out / name).read_bytes() for name in SUMMARY_FILES}
    n_parts = (n + size - 1) // size
    again = runner.summarise(out, output_times(scenario.duration_days, scenario.output.every_days), n_parts)
    assert again == summary
    for name in SUMMARY_FILES:
        assert (out / name).read_bytes() == kept[name], name
    if example == "cohort_docetaxel.yaml":
        assert len(summary["endpoints"]) > len(runner.DEFAULT_ENDPOINTS)  # scenario endpoints were summarised


@pytest.mark.slow
def test_a_resumed_cohort_summarises_from_the_files(tmp_path: Path, monkeypatch):
    """Partitions complete before the run are not in memory: the summary reads every partition's files, and draws
    its figure itself; the files are those of the cohort computed in one run."""
    scenario = _scenario("cohort_marrow_depletion.yaml", 40.0)
    out = tmp_path / "cohort"
    assert run_cohort(scenario, 20, out, partition_size=10, progress=False, max_partitions=1) is None
    monkeypatch.setattr(runner._BandsFigureThread, "__init__", lambda *a: pytest.fail("a resumed run keeps nothing"))
    resumed = run_cohort(scenario, 20, out, partition_size=10, progress=False)
    monkeypatch.undo()
    fresh = run_cohort(scenario, 20, tmp_path / "fresh", partition_size=10, progress=False)
    assert resumed == fresh
    for name in SUMMARY_FILES:
        assert (out / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes(), name
    # report=False (`hemasim cohort --no-report`): the same tables, and no figure drawn, in a thread or after
    monkeypatch.setattr(runner._BandsFigureThread, "__init__", lambda *a: pytest.fail("no figure was asked for"))
    monkeypatch.setattr(runner, "cohort_bands_figure", lambda *a: pytest.fail("no figure was asked for"))
    tables = run_cohort(scenario, 20, tmp_path / "tables", partition_size=10, progress=False, report=False)
    assert tables == fresh
    assert sorted(p.name for p in (tmp_path / "tables").iterdir() if p.is_file()) == [
        "bands.csv", "manifest.json", "summary.csv", "summary.json"]
    for name in SUMMARY_FILES[:3]:
        assert (tmp_path / "tables" / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes(), name


def test_a_failing_partition_leaves_no_figure_thread(tmp_path: Path, monkeypatch):
    scenario = _scenario("cohort_marrow_depletion.yaml", 40.0)
    finish = runner.finish_partition

    def failing(prepared, result, histograms=None, rows=None):
        if prepared.index == 1:
            raise RuntimeError("partition 1 fails")
        return finish(prepared, result, histograms, rows)

    monkeypatch.setattr(runner, "finish_partition", failing)
    with pytest.raises(RuntimeError, match="partition 1 fails"):
        run_cohort(scenario, 30, tmp_path / "cohort", partition_size=10, progress=False)
    assert not _figure_threads()


def test_staged_executor_gives_each_partitions_histograms_before_the_partition():
    data = _scenario("cohort_marrow_depletion.yaml", 10.0).model_dump(mode="json")
    jobs = [(data, k, 4 * k, 4 * k + 4, 1, None, False) for k in range(3)]
    events: list[tuple[str, int, np.ndarray]] = []
    for part in runner.LocalExecutor().map(simulate_partition, jobs,
                                           lambda k, hist: events.append(("histograms", k, hist))):
        events.append(("partition", part.index, part.histograms))
    assert [(kind, k) for kind, k, _ in events] == [(kind, k) for k in range(3) for kind in ("histograms", "partition")]
    for (_, k, given), (_, _, kept) in zip(events[::2], events[1::2], strict=True):
        assert given is kept  # the same counts, not counted twice
        np.testing.assert_array_equal(given, simulate_partition(*jobs[k]).histograms)


def test_observables_copied_into_rows_give_the_endpoints_and_histograms_of_the_interleaved_outputs():
    """Branch e2e5: the endpoints and band histograms read the observables they pass over more than once from
    copies with contiguous rows; the numbers, the endpoints and the counts are those read from the result itself,
    and the copies have the interleaved view's numba type (the histogram kernel's one compiled signature)."""
    import numba

    data = _scenario("cohort_marrow_depletion.yaml", 40.0).model_dump(mode="json")
    prepared = runner.prepare_partition(data, 0, 0, 6, 2, None, True)
    result = runner.integrate_partition(prepared)
    rows = runner._observable_rows(result)
    assert set(rows) == set(runner.ROW_OBSERVABLES) and rows  # every default observable read more than once
    for name in runner.ROW_OBSERVABLES:
        reads = sum(e.observable == name for e in runner.DEFAULT_ENDPOINTS if not isinstance(e, runner.FinalValue))
        assert reads + (name in runner.BAND_OBSERVABLES) > 1
        view = result.observable(name)
        np.testing.assert_array_equal(rows[name], view)
        assert not np.shares_memory(rows[name], result.values)
        assert numba.typeof(rows[name]) == numba.typeof(view)
    copied = runner.finish_partition(prepared, result, rows=rows)
    interleaved = runner.finish_partition(prepared, result, rows={})
    pd.testing.assert_frame_equal(copied.endpoints, interleaved.endpoints, check_exact=True)
    pd.testing.assert_frame_equal(copied.timeseries, interleaved.timeseries, check_exact=True)
    np.testing.assert_array_equal(copied.histograms, interleaved.histograms)
    np.testing.assert_array_equal(runner.finish_partition(prepared, result).histograms, copied.histograms)


def _bands(times: np.ndarray, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    bands = pd.DataFrame({"time_days": times})
    for name in runner.BAND_OBSERVABLES:
        median = np.exp(rng.normal(0.0, 0.3, len(times)).cumsum() * 0.1) * 5.0
        bands[f"{name}_p05"], bands[f"{name}_median"], bands[f"{name}_p95"] = median * 0.5, median, median * 2.0
    return bands


def _one_pass_figure(bands: pd.DataFrame, n: int, observables):
    """cohort_bands_figure as it was written before the two steps (everything of a panel after its data; the grid,
    the titles and the legend are the figure's own helpers: what this oracle checks is the order of the artists)."""
    from hemasim.report import plots

    titles = plots.bands_titles()
    fig, axes = plots.bands_grid(len(observables))
    width, height = fig.get_size_inches()
    m = plots.BANDS_MARGINS_IN
    t, xlabel = plots.time_axis(bands["time_days"].to_numpy())
    for ax, name in zip(axes, observables, strict=False):
        ax.fill_between(t, bands[f"{name}_p05"], bands[f"{name}_p95"], alpha=0.3, label="5-95% of patients")
        ax.plot(t, bands[f"{name}_median"], lw=2, label="median")
        band = plots.REFERENCE_BANDS.get(name)
        if band is not None:
            ax.axhspan(*band, color="tab:green", alpha=0.10, lw=0, label="adult reference range")
        if name in plots.CTCAE:
            plots._ctcae_lines(ax, name, t, fontsize=plots.BANDS_SMALL_TEXT_PT)
        title, unit = titles.get(name, (name.replace("_", " "), ""))
        ax.set_title(f"{title} ({unit})" if unit else title)
        ax.set_ylabel(unit)
        ax.set_xlabel(xlabel)
        ax.set_xlim(t[0], t[-1])
        ax.set_ylim(0, plots._top([bands[f"{name}_p95"].to_numpy()], band[1] if band else None))
        ax.grid(alpha=0.3)
    for ax in axes[len(observables):]:
        ax.set_visible(False)
    top = 1 - plots.BANDS_SUPTITLE_PAD_IN / height
    fig.suptitle(f"virtual cohort: {n:,} patients", x=m["left"] / width, y=top, ha="left")
    plots.bands_legend(fig, axes[:len(observables)], (1 - m["right"] / width, top))
    return fig


def _png_bytes(fig) -> bytes:
    png = io.BytesIO()
    fig.savefig(png, dpi=80, format="png")
    return png.getvalue()


@pytest.mark.slow
@pytest.mark.parametrize(("days", "observables"), [(365.0, runner.BAND_OBSERVABLES), (60.0, runner.BAND_OBSERVABLES[:3]),
                                                   (4 * 365.0, runner.BAND_OBSERVABLES)])  # years on the time axis
def test_bands_figure_in_two_steps_and_in_a_thread_is_the_one_pass_figure(days, observables):
    from hemasim.report.plots import CohortBandsFigure, cohort_bands_figure

    times = output_times(days, 1.0)
    bands = _bands(times, seed=int(days))
    reference = _png_bytes(_one_pass_figure(bands, 1234, observables))
    assert _png_bytes(cohort_bands_figure(bands, 1234, observables)) == reference
    if tuple(observables) == runner.BAND_OBSERVABLES:
        thread = runner._BandsFigureThread(times, 1234)
        thread.draw(bands)
        assert thread.png() == reference
        thread.close()
    # the two steps' bytes are those checked above: cohort_bands_figure is CohortBandsFigure(...).draw(bands), and
    # the thread builds the panels before it is given the bands (a third PNG of the same figure was ~0.15-0.2 s CPU
    # a case: docs/performance.md, the suite's twenty-second session); a second draw of one figure is refused
    two_steps = CohortBandsFigure(times, 1234, observables)
    two_steps.draw(bands)
    with pytest.raises(RuntimeError, match="drawn already"):
        two_steps.draw(bands)


def test_a_figure_thread_never_given_its_bands_stops_when_closed():
    thread = runner._BandsFigureThread(output_times(30.0, 1.0), 10)
    thread.close()
    assert not _figure_threads()


def test_the_collectors_threshold_is_raised_while_a_cohort_runs_and_set_back(tmp_path: Path, monkeypatch):
    import gc

    scenario = _scenario("cohort_marrow_depletion.yaml", 10.0)
    seen = []
    finish = runner.finish_partition
    monkeypatch.setattr(runner, "finish_partition", lambda *a: seen.append(gc.get_threshold()) or finish(*a))
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, *before[1:])
        run_cohort(scenario, 8, tmp_path / "a", partition_size=4, progress=False, report=False)
        assert gc.get_threshold() == (700, *before[1:])
        assert seen and all(t[0] == GC_THRESHOLD for t in seen)
        seen.clear()
        gc.set_threshold(250_000, *before[1:])  # higher (the hemasim command's may be): left alone
        run_cohort(scenario, 8, tmp_path / "b", partition_size=4, progress=False, report=False)
        assert gc.get_threshold()[0] == 250_000 and seen and all(t[0] == 250_000 for t in seen)
        seen.clear()
        gc.set_threshold(700, *before[1:])
        gc.disable()  # the caller's choice: left alone
        run_cohort(scenario, 8, tmp_path / "c", partition_size=4, progress=False, report=False)
        assert not gc.isenabled() and all(t[0] == 700 for t in seen)
    finally:
        gc.enable()
        gc.set_threshold(*before)


def test_the_command_and_a_cohort_run_read_one_threshold(monkeypatch):
    # one constant for both (harden5: the runner had its own copy, RUN_GC_THRESHOLD, beside CLI_GC_THRESHOLD)
    import gc

    from hemasim import _gc

    before = gc.get_threshold()
    monkeypatch.setattr(_gc, "GC_THRESHOLD", 54_321)
    try:
        gc.set_threshold(700, *before[1:])
        with _gc.raised_while_running():
            assert gc.get_threshold()[0] == 54_321
        assert gc.get_threshold()[0] == 700
        _gc.tune_for_command()
        assert gc.get_threshold()[0] == 54_321
    finally:
        gc.set_threshold(*before)
    assert not [name for name in vars(runner) if name.endswith("GC_THRESHOLD")]


@pytest.mark.slow
def test_a_vaccine_cohort_bands_the_antibody_it_raises(tmp_path: Path):
    """A vaccine cohort's bands were ANC, platelets, Hb and CD4, flat over the run, and no IgG (harden11): the
    antigen's IgG is banded too, in arbitrary units, rising after the dose."""
    from matplotlib.image import imread

    scenario = _scenario("cohort_influenza_vaccine.yaml", 30.0)
    assert runner.band_observables(scenario) == (*runner.BAND_OBSERVABLES, "influenza_igg_au")
    out = tmp_path / "cohort"
    run_cohort(scenario, 4, out, partition_size=2, progress=False, seed=1)
    bands = pd.read_csv(out / "bands.csv").set_index("time_days")
    median = bands["influenza_igg_au_median"]
    assert median.loc[:6].max() <= runner.IGG_BAND_RANGE[0]  # none before the dose on day 7 (the lowest bin)
    assert median.loc[25] > 10.0 and (bands["influenza_igg_au_p05"] <= median).all()
    assert (bands["influenza_igg_au_p95"] >= median).all()
    assert imread(out / "bands.png").shape[0] > 3 * 3.5 * 80 * 0.99  # a third row of panels (80 dpi)
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "IgG: the vaccine antigen's, in arbitrary units (AU), not a titre" in report
    from hemasim.report.plots import CohortBandsFigure

    panels = CohortBandsFigure(output_times(30.0, 1.0), 4, runner.band_observables(scenario)).figure.axes
    assert [ax.get_title() for ax in panels if ax.get_visible()][-1] == "influenza IgG (AU)"
    assert runner.band_observables(_scenario("cohort_marrow_depletion.yaml", 10.0)) == runner.BAND_OBSERVABLES
