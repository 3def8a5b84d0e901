from hemasim.cli.app import main

main()
