"""`python -m ols` runs the command line."""

from ols.cli import main

main()
