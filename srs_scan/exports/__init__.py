"""Records out: the JSONL records, the CSV table and the one-line terminal summary of a
page (``records``), and the sessions for the clinic's other systems: the records they
share (``sessions``), an OpenFIT import file (``openfit``), a FHIR R5/R4B Bundle
(``fhir``) and a spreadsheet (``spreadsheet``).

Only measurements go out; no image content or recognised text is ever written here, and
clients, therapists and sites are IDs (names are never read).

May import: :mod:`srs_scan.model`, :mod:`srs_scan.forms`, :mod:`srs_scan.outputs` and
:mod:`srs_scan.clinic` (its sessions: corrections and assignments applied).
Never imports ``read``, ``audit``, ``ledger``, ``jobs`` or ``cli``.
"""
