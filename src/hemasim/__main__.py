from hemasim._gc import tune_for_command

tune_for_command()  # before typer's import (hemasim.cli.app.main does it again: the console script starts there)

from hemasim.cli.app import main  # noqa: E402

main()
