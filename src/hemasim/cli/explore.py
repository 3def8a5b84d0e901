"""``hemasim explore [SCENARIO]``: a local web page to change a scenario and watch the run update."""

from __future__ import annotations

import warnings
from pathlib import Path

import typer

from hemasim.cli._errors import fail, loaded, refuse_population, warn


def explore(
    scenario: Path = typer.Argument(None, help="Scenario YAML file to start with (default: pick one of the shipped examples on the page)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to serve on. Anything but this machine "
                                                         "(127.0.0.1, localhost) lets others run simulations."),
    port: int = typer.Option(8050, "--port", min=0, max=65535, help="Port (0: any free port)."),
    open_browser: bool = typer.Option(False, "--open", help="Open the page in the default web browser."),
) -> None:
    """Start the interactive explorer: pick or upload a scenario, change it with controls, compare two arms."""
    from rich.console import Console

    from hemasim.explore import Explorer, serve
    from hemasim.explore.server import LOCAL_HOSTS
    from hemasim.scenario import ScenarioError, load_scenario
    from hemasim.scenario.plausibility import PlausibilityWarning

    console = Console(stderr=True)
    if scenario is not None:
        try:
            spec, lines = loaded(lambda: load_scenario(scenario))
        except (ScenarioError, ValueError) as err:
            raise fail(str(err)) from None
        warn(lines)
        # refused at start: the page ran nothing of the file, and said so only at its first run
        refuse_population(scenario, spec, "explore", "runs one patient per arm")
    if host not in LOCAL_HOSTS:
        console.print(f"[yellow]warning[/yellow]: serving on {host}: anyone who reaches this address can run "
                      "simulations here (there is no login)")

    def ready(address: str) -> None:
        console.print(f"hemasim explorer at [bold]{address}[/bold] (Ctrl+C to stop)")
        if open_browser:
            import webbrowser

            webbrowser.open(address)

    explorer = Explorer(initial=scenario)
    try:
        with warnings.catch_warnings():  # the page loads the scenario again: its warnings were printed above, once
            warnings.simplefilter("ignore", PlausibilityWarning)
            serve(explorer, host, port, ready)
    except OSError as err:
        # an address this machine cannot serve (a name that does not resolve, a port in use or reserved): bad input
        raise fail(f"--host {host} --port {port}: cannot serve: {err.strerror or err}") from None
    except KeyboardInterrupt:
        console.print("stopped")
