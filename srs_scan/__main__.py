"""``python -m srs_scan`` runs the command line."""

from .cli import main

main()
