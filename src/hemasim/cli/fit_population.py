"""``hemasim fit-population DATA_DIR --out DIR``: a population fit (SAEM) of the ALL-maintenance model to
allMT-format records, with each patient's MAP estimate."""

from __future__ import annotations

from pathlib import Path

import typer

from hemasim.cli._errors import fail


def fit_population(
    data: Path = typer.Argument(..., help="Folder of allMT-format CSV records (Dates, ANC, PLT, Hb, MP, MTX, "
                                          "MP_adj, MTX_adj), one per patient."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (written atomically)."),
    patients: str = typer.Option("", "--patients", help="Comma-separated record names (default: every CSV)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the SAEM Markov chains."),
    iterations: int = typer.Option(250, "--iterations", min=10, help="SAEM iterations (60% exploration)."),
) -> None:
    """Fit typical values and between-patient variability (SAEM) and each patient's MAP estimate; write
    population.yaml (a fitted parameter set with iiv_cv for scenarios and cohorts), individual.csv, trace.csv
    and population.json."""
    from hemasim.inference.allmt import write_population_fit
    from hemasim.inference.population import SaemSettings

    names = [p.strip() for p in patients.split(",") if p.strip()] or None
    exploration = int(0.6 * iterations)
    settings = SaemSettings(exploration=exploration, smoothing=iterations - exploration,
                            information_samples=max(10, min(60, iterations // 4)), seed=seed)
    try:
        written = write_population_fit(data, out, names, settings, progress=True)
    except (ValueError, FileNotFoundError) as err:
        raise fail(str(err)) from None
    typer.echo(f"wrote {len(written)} files to {out}", err=True)
