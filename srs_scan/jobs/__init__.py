"""What each command does, as a library function a person can call: the CLI parses its
options and calls one of these.

``scan`` (read files into the ledger and the outputs), ``audit`` (the audit report and
the correction trail), ``correct`` (one item set by a person), ``export`` (the ledger's
pages out, corrections applied). ``srs-scan print`` calls
:func:`srs_scan.forms.printing.write_forms`; ``srs-scan review`` serves
:func:`srs_scan.audit.review.make_server`.

May import every subpackage; never imports ``cli``. Functions raise
:class:`~srs_scan.exceptions.SrsScanError` subclasses, never exit.
"""
