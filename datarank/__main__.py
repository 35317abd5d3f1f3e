"""`python -m datarank` is the `datarank` command."""

from datarank.cli import main

main()
