"""``hemasim cohort SCENARIO --n N --out DIR``: a virtual cohort, resumable, local or on Dask."""

from __future__ import annotations

from pathlib import Path

import typer

from hemasim.cli._errors import EXIT_IO, fail, interrupted, literal, loaded, warn

SCHEDULER_HELP = ("Dask scheduler address: tls://HOST:PORT (with --tls-ca-file, --tls-cert, --tls-key, or Dask's "
                  "distributed.comm.tls configuration), or tcp://HOST:PORT on a trusted network only: plain tcp:// is "
                  "neither encrypted nor authenticated, and Dask unpickles what the peer sends, so whoever answers "
                  "at that address can run code in this process (default: all local cores).")


#: characters a --seed-list line may hold (a seed has at most 19 digits): read in pieces of this, so that a file
#: without line ends (/dev/zero) is refused at its first line instead of read whole into memory
MAX_SEED_LINE = 100


def _read_seed_list(path: Path, n: int) -> list[int]:
    """One integer seed (0 .. 2**63 - 1) per line; any other line is an error naming the file and line. Read line
    by line, and no further than one seed past ``n`` (the count is checked against --n by run_cohort): the whole
    file was read first, so /dev/zero or a runaway file filled the memory and ended in a MemoryError traceback."""
    seeds: list[int] = []
    try:
        with path.open(encoding="utf-8-sig") as lines:  # a BOM (Excel's "CSV UTF-8") read "'\ufeff1' is not an integer"
            for number, line in enumerate(iter(lambda: lines.readline(MAX_SEED_LINE + 1), ""), start=1):
                if len(line) > MAX_SEED_LINE:
                    raise fail(f"--seed-list {path}:{number}: a line of more than {MAX_SEED_LINE} characters; one "
                               "seed (an integer from 0 to 2**63 - 1) per line")
                text = line.strip()
                if not text:
                    continue
                try:
                    value = int(text)
                except ValueError:
                    raise fail(f"--seed-list {path}:{number}: {text[:40]!r} is not an integer; one seed (an integer "
                               "from 0 to 2**63 - 1) per line") from None
                if not 0 <= value < 2**63:
                    raise fail(f"--seed-list {path}:{number}: seed {text[:40]} is out of range; seeds are integers "
                               "from 0 to 2**63 - 1") from None
                seeds.append(value)
                if len(seeds) > n:
                    raise fail(f"--seed-list {path}: more than {n} seeds for --n {n} patients (one seed per "
                               "patient, a line each)")
    except (OSError, UnicodeDecodeError) as err:
        raise fail(f"--seed-list {path}: cannot read ({getattr(err, 'strerror', None) or err})") from None
    return seeds


def cohort(
    ctx: typer.Context,
    scenario: Path = typer.Argument(..., help="Scenario YAML; its `population` block says how patients differ."),
    n: int = typer.Option(..., "--n", min=1, help="Number of virtual patients."),
    out: Path = typer.Option(..., "--out", "-o", help="Output folder (re-run the same command to resume)."),
    seed: int = typer.Option(0, "--seed", min=0, help="Base seed; patient i draws from SeedSequence(seed, (i,))."),
    seed_list: Path = typer.Option(None, "--seed-list", metavar="FILE",
                                   help="File with one integer seed per patient (overrides --seed)."),
    partition_size: int = typer.Option(1000, "--partition-size", min=1, help="Patients per Parquet partition."),
    timeseries: bool = typer.Option(False, "--timeseries", help="Also write time series."),
    no_report: bool = typer.Option(False, "--no-report", help="Write no bands.png and no report.html: the "
                                                              "partitions, the summary and bands.csv only (faster)."),
    force: bool = typer.Option(False, "--force", help="Delete a cohort already in --out (another cohort, another "
                                                      "hemasim version, a damaged manifest) and start afresh."),
    scheduler: str = typer.Option(None, "--scheduler", help=SCHEDULER_HELP),
    scheduler_timeout: float = typer.Option(5.0, "--scheduler-timeout", min=0.1, max=600.0,
                                            help="Seconds to wait for the scheduler before giving up."),
    tls_ca_file: Path = typer.Option(None, "--tls-ca-file", help="PEM file of the authority that signed the "
                                                                 "scheduler's certificate (tls://)."),
    tls_cert: Path = typer.Option(None, "--tls-cert", help="PEM file of this client's certificate (tls://)."),
    tls_key: Path = typer.Option(None, "--tls-key", help="PEM file of this client's private key (tls://)."),
    set_: list[str] = typer.Option(None, "--set", metavar="NAME=VALUE",
                                   help="Change a parameter in its unit (repeatable)."),
) -> None:
    """Simulate a virtual cohort; write endpoints (and optionally time series) as Parquet, a summary and bands."""
    from rich.console import Console

    from hemasim.cli._progress import StageProgress
    from hemasim.cohort import CohortError, run_cohort
    from hemasim.cohort.runner import TLSFiles, plain_tcp_warning
    from hemasim.io import OutputError
    from hemasim.scenario import ScenarioError, load_scenario
    from hemasim.scenario.overrides import with_set_options
    from hemasim.solvers import SolverError

    try:
        spec, lines = loaded(lambda: with_set_options(load_scenario(scenario), set_ or []))
        warn(lines)  # the scenario's patient and doses, as the library warns them; the cohort runs as written
    except (ScenarioError, ValueError) as err:
        raise fail(str(err)) from None
    if spec.arms:
        raise fail(arms_refused(scenario))
    seeds = _read_seed_list(seed_list, n) if seed_list is not None else None
    tls = (TLSFiles(tls_ca_file, tls_cert, tls_key) if any(p is not None for p in (tls_ca_file, tls_cert, tls_key))
           else None)
    if tls is not None and scheduler is None:
        raise fail("--tls-ca-file/--tls-cert/--tls-key are for a tls:// --scheduler")
    if scheduler is None and getattr(ctx.get_parameter_source("scheduler_timeout"), "name", "") == "COMMANDLINE":
        # the local cores wait for no scheduler: the timeout was accepted and unread
        raise fail("--scheduler-timeout: for a --scheduler (a Dask cluster); without one the cohort runs on the local "
                   "cores")
    console = Console(stderr=True)
    warning = plain_tcp_warning(scheduler) if scheduler is not None else None
    if warning:
        console.print(f"[yellow]warning:[/yellow] {literal(warning)}", soft_wrap=True)
    try:
        # a bar on a terminal, plain lines elsewhere (it printed one finished bar there, unlike the other commands);
        # the command calls the stages "partitions" and "patients" (cohort: partitions 1/2), the library's bars
        # "cohort partitions" and "cohort patients" (the patients as they are integrated: a partition of 1,000 said
        # nothing until it was written)
        with StageProgress("cohort") as bar:
            summary = run_cohort(spec, n, out, seed=seed, seeds=seeds, partition_size=partition_size,
                                 timeseries=timeseries, scheduler=scheduler, security=tls,
                                 scheduler_timeout=scheduler_timeout, force=force, report=not no_report,
                                 progress=lambda stage, done, total: bar.update(stage.removeprefix("cohort "), done,
                                                                                total))
    except OutputError as err:  # a bad --out, refused before the first patient runs (runner.run_cohort)
        raise fail(str(err)) from None
    except (CohortError, SolverError) as err:
        raise fail(str(err)) from None
    except ValueError as err:  # an event that does not fit the model
        raise fail(f"{scenario}: {err}") from None
    except OSError as err:  # a full disk mid-cohort: say what stays and that the same command resumes (ux37)
        raise fail(f"--out {out}: cannot write: {err.strerror or err}{_kept_after_error(out, -(-n // partition_size), err)}",
                   code=EXIT_IO) from None
    except KeyboardInterrupt:  # Ctrl-C: say what stays (it exited 130 with nothing said)
        raise _interrupted(out, -(-n // partition_size)) from None
    if summary is not None:
        files = "summary.json, summary.csv, bands.csv" + ("" if no_report else ", bands.png, report.html")
        # one line whatever the width (soft_wrap): rich broke it at 80 columns off a terminal, inside the list of files
        console.print(f"[green]cohort of {summary['n_patients']:,} patients[/green] written to "
                      f"[bold]{literal(out)}[/bold] (endpoints/, {files})", soft_wrap=True)


def _complete_partitions(out: Path) -> int:
    """How many partitions the manifest in ``out`` records as complete (0 without a readable one)."""
    import json

    try:
        return len(json.loads((out / "manifest.json").read_text(encoding="utf-8")).get("partitions", {}))
    except (OSError, ValueError, AttributeError):
        return 0


def _kept_after_error(out: Path, partitions: int, err: OSError) -> str:
    """What a write error mid-cohort leaves (the tail of its error line): the complete partitions stay, and the same
    command resumes once it can write ("free some space" for a full disk). A 3,000-patient cohort on a full disk said
    only "No space left on device", not that 2 of its 3 partitions were kept (ux37). Empty where none is complete
    (an --out refused before the first partition: nothing to resume)."""
    import errno

    done = _complete_partitions(out)
    if not done:
        return ""
    space = "free some space and " if err.errno == errno.ENOSPC else ""
    if done >= partitions:  # the summary's files failed (written as one set: none of them is half-written)
        every = "the partition is" if partitions == 1 else f"all {partitions} partitions are"
        return (f"; {every} complete in {out} and kept: {space}run the same command to write the summary (no patient "
                "is computed again)")
    return (f"; {done} of {partitions} partitions are complete in {out} and kept: {space}run the same command to "
            "resume (the rest is computed)")


def _interrupted(out: Path, partitions: int) -> typer.Exit:
    """After Ctrl-C: one line on what stays in ``out`` (each complete partition is recorded in the manifest; a
    partition being written is not, and the next run recomputes it), and the Exit of SIGINT, 130."""
    done = _complete_partitions(out)
    if done:
        line = (f"{done} of {partitions} partitions are complete in {out}; run the same command to "
                "resume (complete partitions are kept, the rest is computed)")
    else:
        line = f"no partition was complete; nothing written to {out}"
    return interrupted(line)


def cohort_arms_warning(scenario: Path) -> str:
    """``hemasim check``'s warning on a file with a ``population`` block and arms: `hemasim run` runs its arms (for
    the scenario's patient), `hemasim cohort` refuses them."""
    return (f"{scenario}: arms: `hemasim cohort` refuses this file (a cohort runs one arm; write each arm as its own "
            "scenario); `hemasim run` runs its arms for the scenario's patient, without the population block")


def arms_refused(scenario: Path) -> str:
    """The line refusing a cohort file's arms (here, and in ``hemasim check``, which checks a file with a
    ``population`` block as this command would)."""
    return (f"{scenario}: arms: a cohort runs one arm; write each arm as its own scenario (hemasim run compares arms "
            "of single patients)")
