"""Records out: the JSONL records, the CSV table and the one-line terminal summary of a page.

Only measurements go out; no image content or recognised text is ever written here.

May import: :mod:`srs_scan.model`, :mod:`srs_scan.forms` and :mod:`srs_scan.outputs`.
Never imports ``read``, ``audit`` or ``cli``.
"""
