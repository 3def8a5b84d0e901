"""``kind: vaccine`` - a vaccine dose: the antigen enters, the humoral response to it (extension
:class:`hemasim.biology.vaccine.VaccineResponse`) primes and boosts; endpoints: plasmablast and IgG peaks,
day-28 IgG, the response relative to a healthy adult's given the same series and the responder flag, and the
fold-rise over the series' start with its seroconversion flag."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
from pydantic import Field

from hemasim.biology import REFERENCE_ADULT, healthy_human_model
from hemasim.endpoints import DID_NOT_RISE, rose, value_on_day
from hemasim.events import CellInfusion, Event
from hemasim.interventions.base import (
    EndpointColumn,
    EndpointContext,
    EndpointFamily,
    EventContext,
    ExtensionOrder,
    ExtensionRequest,
    InterventionSpec,
    NotedColumn,
    ReportSection,
    register,
)
from hemasim.model.compiled import CompiledModel
from hemasim.parameters import ParameterSet, healthy_adult_parameters
from hemasim.parameters.core import Parameter
from hemasim.simulation import Simulation

__all__ = ["AFTER_DOSE_DAYS", "FOLD_RISE_FLOOR_SHARE", "KILL_TOLERANCE", "NO_FOLD_RISE", "NO_REFERENCE_RISE", "RESPONDER_SHARE",
           "SERIES_RESTART_SHARE", "SEROCONVERSION_FOLD_RISE", "KillWindow", "VaccineSpec", "kill_output_days",
           "kills_after_last_dose", "memory_kills", "read_out_day", "restart_days", "scenario_kill_days",
           "scenario_kill_windows", "series_doses", "unseen_kill_days", "vaccine_endpoint_values", "with_extra_samples"]

#: A vaccinee "responds" when the rise of IgG over the series is at least this share of a healthy reference adult's
#: given the same doses and kills (a relative criterion: antibody units are arbitrary; vaccine_endpoint_values).
RESPONDER_SHARE = 0.25
#: seroconversion: a 4-fold rise of the antibody over its level before vaccination, the usual definition (BMC Infect
#: Dis 2014;14:133 Table 3, influenza HI titres, the data of vaccine_response_sd_log's fit; "four-fold responses" to
#: tetanus toxoid after allogeneic BMT, Parkkali 1997, Bone Marrow Transplant 19:933, link.springer.com record,
#: pages corpus)
SEROCONVERSION_FOLD_RISE = 4.0
#: the pre-series IgG below which no fold-rise is read, as a share of the healthy reference adult's IgG 28 days after
#: one standard dose (in the run's units): an assay's lower limit. Tetanus antitoxin ELISA calls < 0.01 IU/mL
#: seronegative (Einarsdottir 2023, Transplant Cell Ther 29:275.e1, pubmed 36720458, pages corpus), about 1/100 of a
#: healthy adult's level around a booster (mean 1.08 IU/mL before it and under a 3-fold rise a month after; Vaccine
#: 2005;23:4980, PMID 15985319, pages corpus). Assumed at that order: a never-exposed patient's IgG is 0 in the model
#: (no fold-rise at any floor) and the typical patient vaccinated before a transplant keeps 0.15 of that response at
#: revaccination 6 months after the graft (examples/tetanus_revaccination_after_hsct.yaml), so any floor from 1e-6 to
#: 0.1 reads the same for him; a cohort's patients keep less or more, and the floor sets how many of them have a
#: fold-rise (aged 20-70: 97.5% at 0.01, 92.5% at 0.03, 60% at 0.1; review36a, docs/immunity.md)
FOLD_RISE_FLOOR_SHARE = 0.01
#: a step of the run's output across which an antigen's memory B cells fell by more than this share is a kill (a
#: conditioning, irradiation, depletion or blood loss took some of them): the memory B cells have no death of their own
#: in the model (biology/vaccine.py), so any fall is one; the share is above the solver's tolerance (1e-6 relative)
KILL_TOLERANCE = 1e-4
#: a new series begins after kills that leave less than this share of an antigen's memory B cells between two doses
#: (their product): the response to the next dose then rests mostly on cells it makes anew, as after a transplant's
#: conditioning (review36d: any fall above KILL_TOLERANCE began one, so a 500 mL blood donation, 0.998 left, turned
#: a booster's fold-rise from none to 44.4). Assumed ("most of the memory gone"); what it decides is where the
#: series' rise and fold-rise are read from (the reference adult is given every kill whatever it is). Kills far from
#: it read the same series for any share from 0.25 to 0.6 (a donation leaves 0.998, 0.5 Gy 0.66, 2 Gy 0.19, Cy/TBI
#: ~1e-6: tests/test_mend36d.py), but for kills between ~0.2 and ~0.65 the share decides the fold-rise (review36f:
#: 0.75 Gy leaves 0.535, 1 Gy 0.435; a B-cell depletion to 0.49 reads a fold-rise of 9.26 over the dose after it,
#: one to 0.50 none over the first dose: tests/test_mend36f.py). A depletion's share is its event's surviving
#: fraction (KillWindow.share_left), not the run's fall, so which side of the share it is on is the scenario's.
SERIES_RESTART_SHARE = 0.5

Doses = tuple[tuple[float, float], ...]  # (day, relative dose) of one antigen


def _vaccine_section(result: object) -> str | None:
    from hemasim.report.html import figure_html  # the report layer (and matplotlib) only when reporting
    from hemasim.report.plots import vaccine_figure

    fig = vaccine_figure(result)  # type: ignore[arg-type]
    return None if fig is None else figure_html("Vaccine responses", "vaccine responses", fig)


@register
class VaccineSpec(InterventionSpec):
    """A vaccine dose on ``day``: ``antigen`` names the response (doses of the same antigen prime and boost
    it); ``dose`` is relative to a standard dose (1)."""

    kind: Literal["vaccine"]
    day: float = Field(ge=0)
    antigen: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=30, description="e.g. tetanus, influenza")
    dose: float = Field(default=1.0, gt=0, le=100, description="relative to a standard dose")

    report_section = ReportSection("vaccine", _vaccine_section)

    @classmethod
    def endpoint_family(cls, interventions: Sequence[InterventionSpec]) -> EndpointFamily | None:
        ivs = [iv for iv in interventions if isinstance(iv, VaccineSpec)]
        schedules = {a: tuple((iv.day, iv.dose) for iv in ivs if iv.antigen == a)
                     for a in dict.fromkeys(iv.antigen for iv in ivs)}
        return VaccineEndpoints(schedules, scenario_kill_windows(interventions)) if schedules else None

    @property
    def last_day(self) -> float:
        return self.day

    def extension_requests(self) -> list[ExtensionRequest]:
        from hemasim.biology.vaccine import VaccineResponse  # imported when a scenario has the kind (goal 1)

        antigen = self.antigen
        return [ExtensionRequest(ExtensionOrder.VACCINE, ("antigen", antigen), lambda: VaccineResponse(antigen))]

    def to_events(self, ctx: EventContext) -> list[Event]:
        from hemasim.biology.vaccine import antigen_state

        return [CellInfusion(self.day, antigen_state(self.antigen), self.dose)]


def reference_unit_scales(parameters: Mapping[str, Parameter]) -> tuple[tuple[str, float], ...]:
    """The run's arbitrary units against the shipped table's: each family's k (sorted family, k pairs) that takes the
    shipped conventions to ``parameters``' values (:func:`hemasim.parameters.units.unit_scales`; all 1 for the
    shipped table, whatever the members that are not conventions are): one point with no values of its own."""
    return point_unit_scales(parameters, {}, 1)[0]


def _scales_of(values: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    from hemasim.parameters.units import unit_scales

    shipped = healthy_adult_parameters()
    k = unit_scales(values, {n: shipped.value(n) for n in values})
    return tuple(sorted((f, round(v, 12)) for f, v in k.items()))


def point_unit_scales(parameters: Mapping[str, Parameter], per_point: Mapping[str, np.ndarray], n: int
                      ) -> list[tuple[tuple[str, float], ...]]:
    """:func:`reference_unit_scales` of each of ``n`` sensitivity-design points: its own values of the conventions
    (``per_point``: name -> (n,) values) where it has them, the table's elsewhere - so a point is reported in the
    units a single run with its values as ``parameters:`` would use."""
    from hemasim.parameters.units import conventions

    return [_scales_of({c: float(per_point[c][i]) if c in per_point else parameters[c].value for c in conventions()})
            for i in range(n)]


def _in_units(params: ParameterSet, scales: Mapping[str, float]) -> ParameterSet:
    """``params`` with every AU family rescaled by its k (a family member may leave its bounds, which are for the
    shipped unit: the rescaled record takes the bounds that hold it)."""
    from hemasim.parameters.units import parameter_factors

    records = dict(params)
    for name, factor in parameter_factors(scales).items():
        if factor == 1.0:  # the shipped unit: the record as it is
            continue
        old, value = records[name], records[name].value * factor
        records[name] = dataclasses.replace(old, value=value, bounds=(min(old.bounds[0], value),
                                                                      max(old.bounds[1], value)), plausible_range=None)
    return ParameterSet.from_records(params.name, records.values())


#: (day, share left of an antigen's memory B cells, of its plasmablasts) at each kill of a run
Kills = tuple[tuple[float, ...], ...]

#: why a fold-rise has no value: no IgG to rise over (endpoints.json's note, the report's and the key results' text)
NO_FOLD_RISE = "none: no IgG at the series' first dose (under the assay floor; read the relative response)"


#: A fold-rise column: a patient without IgG at the series' first dose has none, and says why (not "not reached":
#: nothing was left to reach).
_FoldRiseColumn = functools.partial(NotedColumn, note=NO_FOLD_RISE)


#: why a relative response has none: the reference adult's IgG did not rise over the series
NO_REFERENCE_RISE = ("none: a healthy adult given the same doses and kills has no rise of IgG over the series (under "
                     "the assay floor; read the IgG itself)")


#: A relative response (or its responder flag) without a reference rise to be relative to, and why.
_NoReferenceRiseColumn = functools.partial(NotedColumn, note=NO_REFERENCE_RISE)


#: the day-28 read-outs' day: this many days after an antigen's last dose
READ_OUT_DAYS = 28.0
#: the depletion groups that reach an antigen's memory B cells (their tags, biology.vaccine.B_LYMPHOCYTE_TAGS;
#: "antigen_specific" is a tag no depletion may name) and its plasmablasts (PLASMABLAST_TAGS)
_MEMORY_B_GROUPS = frozenset({"lymphocyte", "b_cell"})
_PLASMABLAST_GROUPS = frozenset({"lymphocyte"})


#: how long after a dose on a kill window's day the window's part after the dose begins (a split at the dose,
#: :func:`scenario_kill_windows`): the day's kills come before its doses, the later days' after them
AFTER_DOSE_DAYS = 1e-6


@dataclasses.dataclass(frozen=True)
class KillWindow:
    """Days on which an intervention may kill an antigen's memory B cells (its events' days, first to last), and
    whether it takes the short-lived plasmablasts too (a B-cell depletion does not: they carry no B-cell tag).
    ``share_left``: the share of the memory B cells it leaves where its event says it (a depletion of every cell of
    its groups: its surviving fraction), else None (read from the run); ``least_left``: the least share it can
    leave, known before the run (a blood loss takes at most the lymphocytes' blood share; a conditioning may take
    all: 0); ``during_dose``: the part of a window after a dose given inside it (it begins just after the dose)."""

    first_day: float
    last_day: float
    plasmablasts: bool = True
    share_left: float | None = None
    least_left: float = 0.0
    during_dose: bool = False


def scenario_kill_windows(interventions: Sequence[InterventionSpec],
                          lymphocyte_blood_fraction: float | None = None) -> list[KillWindow]:
    """Every span of days on which the scenario's interventions may kill memory B cells, overlapping spans merged,
    known before the run: a conditioning or a radiation course (its first to its last day), a blood donation (the
    lymphocytes' blood share of the loss: ``lymphocyte_blood_fraction``, None: the shipped table's), a cell_depletion
    or collection whose groups reach B cells and spare none of their tags. A graft kills none (an autologous one
    without conditioning left every memory B cell: review36a); a chemotherapy's PK/PD and a depletion of "blood" or
    "myeloid" take none (the memory B cells carry neither tag). A window with a dose inside it (after its first day's
    kills, before its last day's) is split at the dose: the kills before it and those after it (review36f: Cy/TBI
    from day 10 to 15.25 with a dose on day 12 was read as one kill before the dose, net of the response's growth
    after it, and gave a relative response of -1.90). The one rule of plausibility's warning, the forced output days
    (:func:`kill_output_days`) and the read-outs' kills (:func:`memory_kills`)."""
    if lymphocyte_blood_fraction is None:
        lymphocyte_blood_fraction = float(healthy_adult_parameters().value("lymphocyte_blood_fraction"))
    spans: list[KillWindow] = []
    for iv in interventions:
        if iv.kind in ("conditioning", "radiation"):
            spans.append(KillWindow(float(getattr(iv, "start_day")), float(iv.last_day)))  # noqa: B009 (these kinds)
        elif iv.kind == "blood_donation":
            # a loss of at most the whole blood volume takes at most the blood share of the memory B cells
            spans.append(KillWindow(float(iv.last_day), float(iv.last_day),
                                    least_left=max(1.0 - lymphocyte_blood_fraction, 0.0)))
        elif iv.kind == "cell_depletion":
            groups = set(getattr(iv, "groups", ()) or ())
            spared = set(getattr(iv, "except_groups", ()) or ())
            if groups & _MEMORY_B_GROUPS and not spared & _MEMORY_B_GROUPS:
                fraction = float(getattr(iv, "surviving_fraction"))  # noqa: B009 (this kind)
                # of every cell: the event's share (a fall read from the run is net of a response's growth:
                # review36f read a depletion to 0.4 on day 5 as 0.574); of the circulating ones: at least it
                whole = getattr(iv, "applies_to", "all") == "all"
                spans.append(KillWindow(float(iv.last_day), float(iv.last_day), bool(groups & _PLASMABLAST_GROUPS),
                                        fraction if whole else None, fraction))
    merged: list[KillWindow] = []
    for w in sorted(spans, key=lambda w: w.first_day):
        # one window per stretch of kills: a fall read across each of two overlapping spans is counted twice
        if merged and w.first_day - 1.0 < merged[-1].last_day + 1e-9:
            m = merged[-1]
            share = None if m.share_left is None or w.share_left is None else m.share_left * w.share_left
            merged[-1] = KillWindow(m.first_day, max(m.last_day, w.last_day), m.plasmablasts or w.plasmablasts,
                                    share, m.least_left * w.least_left)
        else:
            merged.append(w)
    doses = sorted({float(getattr(iv, "day")) for iv in interventions if iv.kind == "vaccine"})  # noqa: B009
    out: list[KillWindow] = []
    for w in merged:
        inside = [d for d in doses if w.first_day <= d < w.last_day]  # a dose on the last day comes after its kills
        if not inside:
            out.append(w)
            continue
        # the parts' shares are read from the run (a merged depletion's share is of the whole window)
        bounds = [w.first_day, *inside, w.last_day]
        for k, (a, b) in enumerate(itertools.pairwise(bounds)):
            out.append(KillWindow(a + AFTER_DOSE_DAYS if k else a, b, w.plasmablasts, None, w.least_left, k > 0))
    return out


def scenario_kill_days(interventions: Sequence[InterventionSpec]) -> list[float]:
    """The first day of each of :func:`scenario_kill_windows` (kills start on it)."""
    return [w.first_day for w in scenario_kill_windows(interventions)]


def kill_output_days(interventions: Sequence[InterventionSpec]) -> list[float]:
    """The output days a scenario with a vaccine needs whatever its grid: the day before each kill window and its last
    day, so the fall across each is read net of no dose given between coarse outputs (review36d: weekly outputs read
    a B-cell depletion on day 200 on day 203, after a dose on day 201, net of its growth: 0.286 "responder" where the
    daily grid read 0.231), and each dose's day, where a series after a kill may begin (its IgG read there, as the
    reference adult's is: a 30-day grid read it on the day before), and each antigen's read-out day (not interpolated
    between outputs 20 days apart across the response's peak). On a daily grid they are outputs already."""
    doses: dict[str, list[float]] = {}
    for iv in interventions:
        if iv.kind == "vaccine":
            doses.setdefault(str(getattr(iv, "antigen")), []).append(float(getattr(iv, "day")))  # noqa: B009
    windows = scenario_kill_windows(interventions)
    if not doses or not windows:
        return []
    given = {d for ds in doses.values() for d in ds}
    days = given | {max(ds) + READ_OUT_DAYS for ds in doses.values()}
    for w in windows:
        # whole days where no dose comes between (a daily grid gains no row at Cy/TBI's last fraction, day x.25)
        after = float(np.ceil(w.last_day))
        days |= {float(np.ceil(w.first_day)) - 1.0,
                 w.last_day if any(w.last_day < d <= after for d in given) else after}
    return sorted(days - {0.0})


def read_out_day(doses: Doses) -> float:
    """The day the day-28 read-outs of ``doses`` are read on: every kill of the memory B cells up to it is the
    reference adult's too (:func:`memory_kills`), one after it is unseen by them (:func:`unseen_kill_days`)."""
    return max(d for d, _ in doses) + READ_OUT_DAYS


def unseen_kill_days(doses: Doses, kill_days: Sequence[float]) -> list[float]:
    """Of ``kill_days``, those after the read-out day of ``doses`` (:func:`read_out_day`): the day-28 read-outs read
    the response before them, where every kill up to that day is read from the run and given to the reference adult
    too."""
    return sorted(k for k in kill_days if k > read_out_day(doses))


def kills_after_last_dose(doses: Doses, windows: Sequence[KillWindow]) -> list[KillWindow]:
    """Of ``windows``, those that kill after the last of ``doses`` (plausibility warns of each: before the read-out
    day the read-outs read what the kill left against a healthy adult killed alike, after it the response before
    the kill; review36d: a dose on day 0 and Cy/TBI from day 10 read "responder" with no warning)."""
    last = max(d for d, _ in doses)
    return [w for w in windows if w.last_day > last]


def series_doses(doses: Doses, kill_days: Sequence[float]) -> Doses:
    """The doses of the series whose fold-rise and rise the day-28 read-outs give: those on or after the last of
    ``kill_days`` (the days of the kills that begin a new series: :func:`restart_days`) on or before the last dose,
    every dose without one. A kill on a dose's day comes before the dose (the day's conditioning before its
    injections: the dose begins the series)."""
    last = max(d for d, _ in doses)
    before = [k for k in kill_days if k <= last]
    return doses if not before else tuple((d, q) for d, q in doses if d >= max(before))


def restart_days(doses: Doses, kills: Kills, share: float = SERIES_RESTART_SHARE) -> list[float]:
    """The days of ``kills`` (:func:`memory_kills`) that begin a new series: the last kill between two doses (after
    one, on or before the next) where those kills together leave less than ``share`` of the memory B cells."""
    days = sorted(d for d, _ in doses)
    out = []
    for a, b in zip([-np.inf, *days[:-1]], days, strict=True):
        gap = [k for k in kills if a < k[0] <= b]
        if gap and float(np.prod([k[1] for k in gap])) < share:
            out.append(max(k[0] for k in gap))
    return out


def memory_kills(times: np.ndarray, memory_b: np.ndarray, until_day: float,
                 windows: Sequence[KillWindow] | None = None) -> list[Kills]:
    """Per patient (``memory_b``: (N, T), the antigen's memory B cells, AU), each kill up to ``until_day``: (day,
    share of the memory B cells left, share of the plasmablasts left), the shares to 4 significant digits (the
    reference runs are cached by them). With ``windows`` (:func:`scenario_kill_windows`), each window that begins by
    ``until_day`` whose fall exceeds :data:`KILL_TOLERANCE`, read from the last output before its first day to the
    output on its last or the read-out's if that comes first (the outputs :func:`kill_output_days` adds: no dose
    between them) and dated on its first day, or its event's share where it says one (``KillWindow.share_left``);
    without, every output step with such a fall, dated at the step's end. The model's memory B cells have no death of
    their own, so a fall is a kill; a kill during a response's growth of them is read net of that growth (under-read).
    The plasmablasts lose the memory B cells' share where the kill reaches them (the lymphocyte class: every kill
    but a B-cell depletion's), else none."""
    m = np.atleast_2d(memory_b)
    scale = np.maximum(m.max(axis=1), 0.0)
    if windows is None:
        keep = times <= until_day + 1e-9
        steps: list[tuple[float, int, int, bool, float | None]] = [
            (float(times[i + 1]), i, i + 1, True, None) for i in range(int(keep.sum()) - 1)]
    else:
        steps = []
        for w in windows:
            before = np.flatnonzero(times < w.first_day - 1e-9)
            # a kill that goes on past the read-out: the part of it up to the read-out (review36f: Cy/TBI from day
            # 27 and the read-out on day 28; the reference adult was given the whole of it on day 27)
            after = np.flatnonzero(times >= min(w.last_day, until_day) - 1e-9)
            # the event's own share where it says one (and the window ends by the read-out), else the run's fall
            share = w.share_left if w.last_day <= until_day + 1e-9 else None
            if w.first_day <= until_day + 1e-9 and before.size and after.size:
                steps.append((w.first_day, int(before[-1]), int(after[0]), w.plasmablasts, share))
    out: list[Kills] = []
    for row, top in zip(m, scale, strict=True):
        kills = []
        for day, i0, i1, pb, given in steps:
            if row[i0] <= 1e-9 * top:  # none yet (before the first dose): nothing to kill
                continue
            left = float(f"{max(float(row[i1] / row[i0]) if given is None else given, 0.0):.4g}")
            if left < 1.0 - KILL_TOLERANCE:
                kills.append((day, left, left if pb else 1.0))
        out.append(tuple(kills))
    return out


@dataclasses.dataclass(frozen=True)
class _MemoryKill(Event):
    """The reference adult's B cells specific to ``antigen`` (activated, maturing and memory: the B-cell tags that a
    conditioning, TBI or a B-cell depletion hits in the patient) down to ``surviving_fraction``, and its plasmablasts
    (short-lived, lymphocyte-tagged: conditioning and TBI hit them, a B-cell depletion does not) down to
    ``plasmablast_fraction``: one of the patient's kills, applied before the day's doses as the patient's was
    (review36d: the reference kept its plasmablasts, a rise of 26.2 against the patient's 17.4 after Cy/TBI)."""

    antigen: str
    surviving_fraction: float
    plasmablast_fraction: float = 1.0

    def apply(self, model: CompiledModel, x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        y = x.copy()
        for i, (name, tags) in enumerate(zip(model.state_names, model.state_tags, strict=True)):
            if not name.startswith(f"{self.antigen}_") or "antigen_specific" not in tags:
                continue
            if "b_cell" in tags:
                y[..., i] *= self.surviving_fraction
            elif "lymphocyte" in tags:
                y[..., i] *= self.plasmablast_fraction
        return y


@functools.cache  # the same schedule's reference (in the same units, with the same kills) is asked for by every run
def _reference_igg(antigen: str, doses: Doses, unit_scales: tuple[tuple[str, float], ...] = (),
                   kills: Kills = ()) -> tuple[np.ndarray, np.ndarray]:
    """Output days and IgG of the healthy reference adult given ``doses`` of ``antigen``, with ``kills`` of its
    memory B cells, up to 28 days after the last dose (see :func:`reference_igg_day28`)."""
    from hemasim.biology.vaccine import VaccineResponse, antigen_state

    params = _in_units(healthy_adult_parameters(), dict(unit_scales))
    model = healthy_human_model(REFERENCE_ADULT, params, aging=False, extensions=[VaccineResponse(antigen)])
    events: list[Event] = [CellInfusion(day, antigen_state(antigen), dose) for day, dose in doses]
    events += [_MemoryKill(k[0], antigen, k[1], k[2] if len(k) > 2 else 1.0) for k in kills]
    r = Simulation(model, events=events).run(max(d for d, _ in doses) + 28.0, 1.0)
    return r.times, r.observable(f"{antigen}_igg_au")


def reference_igg_day28(antigen: str, doses: Doses, unit_scales: tuple[tuple[str, float], ...] = (),
                        kills: Kills = ()) -> float:
    """IgG of the healthy reference adult 28 days after the last of ``doses`` of ``antigen``, its memory B cells
    killed as ``kills`` says (a patient's, :func:`memory_kills`: (day, share left); none: a healthy adult's series).

    The reference adult is the 35-year-old with the shipped parameter table, every biology as shipped, expressed in
    the run's arbitrary units: ``unit_scales`` (:func:`reference_unit_scales` of the run's parameters; none: the
    shipped units) rescales each AU family of the table, so a scenario that rescales a whole family (a change of
    unit, no biology) leaves the relative response as it was, while a member changed alone (a convention too, which
    is the equivalent change of its family's other members) is a change of biology and shows in it."""
    return float(_reference_igg(antigen, doses, unit_scales, kills)[1][-1])


def _at_dose(times: np.ndarray, values: np.ndarray, day: float) -> np.ndarray:
    """``values`` (..., T) as a dose on ``day`` is given: the last output on or before it (a value between outputs
    would take in the rise after a dose given between them)."""
    return values[..., np.searchsorted(times, day + 1e-9) - 1]


#: the unit of each endpoint of an antigen, by the end of its name (``<antigen>_<end>``; the day-28 ones are none,
#: with a note saying why, when the run ends before day 28 after the last dose)
VACCINE_UNITS = {"plasmablast_peak_day": "day after first dose", f"plasmablast_peak_day{DID_NOT_RISE}": "flag",
                 "igg_peak_au": "AU", "igg_day28_au": "AU", "relative_response": "1", "responder": "flag",
                 "fold_rise": "1", "fold_rise_responder": "flag"}

#: the relative response and responder flag in a few words: the key results' labels and the definitions of a run
#: that ends before the read-out; the full definitions (vaccine_endpoint_values) say the series and kills of the run
RELATIVE_RESPONSE_WORDS = ("rise of IgG over the series to 28 days after the last dose, relative to the same rise of a "
                           "healthy 35-year-old given the same doses and kills")
RESPONDER_WORDS = f"relative response ≥ {RESPONDER_SHARE:g}; an assumed cut-off"
FOLD_RISE_WORDS = "day-28 IgG over IgG at the series' first dose"

#: one standard dose: the schedule of the response that sets the fold-rise's floor (:data:`FOLD_RISE_FLOOR_SHARE`)
_ONE_DOSE: Doses = ((0.0, 1.0),)


def _kills_words(antigen: str, kills: Kills) -> str:
    """A single run's kills of the antigen's memory B cells, in words (what the reference adult was given too)."""
    if not kills:
        return f"no kill of the {antigen} memory B cells"
    left = float(np.prod([k[1] for k in kills]))
    days = sorted({k[0] for k in kills})
    span = f"day {days[0]:g}" if len(days) == 1 else f"days {days[0]:g}-{days[-1]:g}"
    return f"its {antigen} memory B cells cut to {left:.3g} of their number on {span}, as this patient's were"


def vaccine_endpoint_values(times: np.ndarray, obs: Mapping[str, np.ndarray], schedules: Mapping[str, Doses],
                            parameters: Mapping[str, Parameter] | None = None,
                            point_scales: Sequence[tuple[tuple[str, float], ...]] | None = None,
                            windows: Sequence[KillWindow] | None = None) -> list[EndpointColumn]:
    """Per antigen, for many patients (``obs``: name -> (N, T)): plasmablast peak day and IgG peak after the
    first dose, IgG 28 days after the last dose, the relative response, the responder flag (relative response at
    least :data:`RESPONDER_SHARE`), and the fold-rise (that IgG over IgG at the series' first dose; none where the
    latter is under :data:`FOLD_RISE_FLOOR_SHARE` of the reference adult's one-dose response) with its
    seroconversion flag (at least :data:`SEROCONVERSION_FOLD_RISE`).

    The relative response is the rise of IgG from the series' first dose to day 28 after the last over the same
    rise of a healthy 35-year-old given the same doses, with each of the patient's kills of that antigen's memory B
    cells (read from the run, ``<antigen>_memory_b_au``: :func:`memory_kills`) applied to its own on the same day
    and by the same share. The series is the doses from the last kill on (every dose without one:
    :func:`series_doses`), so a patient whose conditioning left none of them is compared with a healthy adult's
    new primary series, one whose memory survived whole with a healthy booster, and one in between with a healthy
    adult left as much; the antibody and plasma cells that conditioning spares are the reference adult's too, and
    the rise leaves both out (a patient's antibody from before the transplant is not his response). Kills that
    leave no less than :data:`SERIES_RESTART_SHARE` of the memory B cells between two doses begin no new series
    (the reference adult is given them all the same). Where the reference adult's rise is at or under the assay
    floor (:data:`FOLD_RISE_FLOOR_SHARE` of its one-dose response: its IgG fell or stayed over the series) there is no
    relative response and no responder flag (:data:`NO_REFERENCE_RISE`). ``windows``
    (:func:`scenario_kill_windows`) dates the kills on the scenario's days (None: on the outputs). Without a kill
    the IgG before the first dose is 0 and the rise is the day-28 IgG (a first exposure, a booster: as before).
    In the units of the run's ``parameters``, the table every patient's model was built from (None: the shipped
    table; see :func:`reference_igg_day28`). A cohort's per-patient draws of a convention are that patient's
    biology in the run's units, not a unit of his own: the reference follows the table, not the draws. A
    sensitivity design's points are single runs, each in its own units: ``point_scales`` (one per patient,
    :func:`point_unit_scales`) then replaces the table's."""
    scales = () if parameters is None else reference_unit_scales(parameters)
    out = []
    for antigen, doses in schedules.items():
        doses = tuple(doses)
        first, last = min(d for d, _ in doses), max(d for d, _ in doses)
        pb, igg = obs[f"{antigen}_plasmablasts_au"], obs[f"{antigen}_igg_au"]
        later = [d for d, _ in doses if d > first]
        window = (times >= first) & (times <= (min(later) if later else np.inf))
        # no response (a patient without B cells) has no peak day, and says so instead of "day 0"
        responded = rose(pb[:, window])
        name = f"{antigen}_plasmablast_peak_day"
        out += [EndpointColumn(name, "day after first dose", "day of the plasmablast peak after the first dose "
                               f"(none when the plasmablasts did not rise, see {name}{DID_NOT_RISE})",
                               np.where(responded, times[window][np.argmax(pb[:, window], axis=1)] - first, np.nan)),
                EndpointColumn(f"{name}{DID_NOT_RISE}", "flag", f"1 if {antigen} plasmablasts did not rise after the "
                               "first dose (no response: no peak day)", (~responded).astype(np.float64))]
        out.append(EndpointColumn(f"{antigen}_igg_peak_au", "AU", f"highest {antigen} IgG (arbitrary units)",
                                  igg.max(axis=1)))
        if times[-1] < last + 28.0 - 1e-9:
            # the read-outs after the run: none, saying so (they were left out without a word, ux36), as the other
            # endpoints say "not reached"
            out += _after_run_end_columns(antigen, float(times[-1]), read_out_day(doses), igg.shape[0])
            continue
        n = igg.shape[0]
        d28 = value_on_day(times, igg, read_out_day(doses))
        memory = obs.get(f"{antigen}_memory_b_au")  # a caller without it (a test's table): no kill
        kills = memory_kills(times, memory, read_out_day(doses), windows) if memory is not None else [()] * n
        units = [scales] * n if point_scales is None else list(point_scales)
        own = [series_doses(doses, restart_days(doses, k)) for k in kills]
        start = np.array([min(d for d, _ in s) for s in own])
        pre = np.array([_at_dose(times, igg[i], start[i]) for i in range(n)])
        ref_d28, ref_pre = np.empty(n), np.empty(n)
        for i in range(n):  # one reference run per distinct (units, kills): cached
            rt, rg = _reference_igg(antigen, doses, units[i], kills[i])
            ref_d28[i], ref_pre[i] = rg[-1], _at_dose(rt, rg, start[i])
        floor = FOLD_RISE_FLOOR_SHARE * np.array([reference_igg_day28(antigen, _ONE_DOSE, u) for u in units])
        # the reference's rise under the assay floor (its IgG fell over the series: a dose after a conditioning that
        # left the earlier doses' IgG falling) is no yardstick: a falling patient read 0.70 "responder" over a
        # reference's fall of -140 AU (review36d); the floor is the fold-rise's, the least rise an assay tells
        ref_rise = ref_d28 - ref_pre
        rel = np.full(n, np.nan)
        np.divide(d28 - pre, ref_rise, out=rel, where=ref_rise > floor)
        fold = np.full(d28.shape, np.nan)
        np.divide(d28, pre, out=fold, where=pre >= floor)  # no silent division by a pre-series IgG of 0
        one = n == 1  # a single run's definitions name its own series and kills; a cohort's say the rule
        since = (f"day {start[0]:g}, the first dose of the series (the doses after the last kill of the {antigen} "
                 "memory B cells; every dose without one)" if one else
                 f"the series' first dose (the first dose after the last kill of the patient's {antigen} memory B "
                 "cells; the first dose without one)")
        reference = (f"a healthy 35-year-old given the same doses with {_kills_words(antigen, kills[0])}" if one else
                     f"a healthy 35-year-old given the same doses with each of the patient's kills of his {antigen} "
                     "memory B cells (read from the run) applied to its own")
        out += [EndpointColumn(f"{antigen}_igg_day28_au", "AU", f"{antigen} IgG 28 days after the last dose", d28),
                _NoReferenceRiseColumn(f"{antigen}_relative_response", "1", f"rise of {antigen} IgG from {since} to "
                                       f"28 days after the last dose, relative to the same rise of {reference} (the "
                                       "rise of day-28 IgG itself where there was none before the series); none where "
                                       f"that rise is under {FOLD_RISE_FLOOR_SHARE:g} of the healthy adult's 28 days "
                                       "after one dose", rel),
                _NoReferenceRiseColumn(f"{antigen}_responder", "flag", f"1 if the relative response is at least "
                                       f"{RESPONDER_SHARE:g} (an assumed cut-off standing for a protective titre: IgG "
                                       "is in arbitrary units), none where there is no relative response",
                                       np.where(np.isnan(rel), np.nan, rel >= RESPONDER_SHARE)),
                _FoldRiseColumn(f"{antigen}_fold_rise", "1", f"day-28 IgG over IgG at {since}; none where that IgG "
                                f"is under {FOLD_RISE_FLOOR_SHARE:g} of a healthy 35-year-old's 28 days after one "
                                "dose (an assay's lower limit: a never-exposed patient has none, so no fold-rise; read "
                                "the relative response)", fold),
                _FoldRiseColumn(f"{antigen}_fold_rise_responder", "flag", f"1 if the fold-rise is at least "
                                f"{SEROCONVERSION_FOLD_RISE:g} (seroconversion), none where there is no fold-rise",
                                np.where(np.isnan(fold), np.nan, fold >= SEROCONVERSION_FOLD_RISE))]
    return out


def with_extra_samples(times: np.ndarray, obs: Mapping[str, np.ndarray],
                       extra: tuple[np.ndarray, Mapping[str, np.ndarray]] | None
                       ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The grid's ``times`` and ``obs`` (name -> (N, T)) with the run's outputs on the days held aside from it
    (:func:`kill_output_days`, :attr:`hemasim.interventions.base.EndpointContext.extra_samples`) in day order: what the vaccine
    read-outs read, and they alone (review36f: the rows in the grid moved a vaccinee's engraftment and nadirs)."""
    if extra is None or not len(extra[0]):
        return times, dict(obs)
    days, values = extra
    order = np.argsort(np.concatenate([times, days]), kind="stable")
    merged = {n: np.concatenate([np.atleast_2d(v), np.atleast_2d(values[n])], axis=-1)[:, order]
              for n, v in obs.items()}
    return np.concatenate([times, days])[order], merged


def after_run_end_note(end_day: float, read_day: float) -> str:
    """Why a day-28 read-out has no value: the run ends before its day."""
    return (f"none: the run ends on day {end_day:g}; the read-out is day {read_day:g} (28 days after the last dose): "
            f"set duration_days >= {math.ceil(read_day - 1e-9):g}")


def _after_run_end_columns(antigen: str, end_day: float, read_day: float, n: int) -> list[EndpointColumn]:
    """The day-28 read-outs of an antigen whose last dose is less than 28 days before the run's end: each none."""
    note = after_run_end_note(end_day, read_day)
    return [NotedColumn(f"{antigen}_{end}", VACCINE_UNITS[end],
                                      f"{words} (read on day {read_day:g}, 28 days after the last dose)",
                                      np.full(n, np.nan), note)
            for end, words in (("igg_day28_au", f"{antigen} IgG 28 days after the last dose"),
                               ("relative_response", f"{antigen}: {RELATIVE_RESPONSE_WORDS}"),
                               ("responder", f"1 if {RESPONDER_WORDS}"),
                               ("fold_rise", FOLD_RISE_WORDS),
                               ("fold_rise_responder", f"1 if the fold-rise is at least "
                                f"{SEROCONVERSION_FOLD_RISE:g} (seroconversion)"))]


class VaccineEndpoints(EndpointFamily):
    def __init__(self, schedules: Mapping[str, Doses], windows: Sequence[KillWindow] | None = None) -> None:
        self.schedules = dict(schedules)
        self.windows = None if windows is None else list(windows)

    def observables(self, available: Sequence[str]) -> list[str]:
        return [f"{a}_{k}" for a in self.schedules for k in ("plasmablasts_au", "igg_au", "memory_b_au")]

    def values(self, times: np.ndarray, obs: Mapping[str, np.ndarray], ctx: EndpointContext) -> list[EndpointColumn]:
        from hemasim.parameters.units import conventions

        point_scales = None
        if ctx.points_are_runs and set(conventions()) & set(ctx.per_patient):
            point_scales = point_unit_scales(ctx.parameters, ctx.per_patient, ctx.n_patients)
        times, obs = with_extra_samples(times, obs, ctx.extra_samples)
        return vaccine_endpoint_values(times, obs, self.schedules, ctx.parameters, point_scales, self.windows)

    def units(self) -> dict[str, str]:
        return {f"{a}_{end}": unit for a in self.schedules for end, unit in VACCINE_UNITS.items()}
