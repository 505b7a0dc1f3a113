"""Imported once by the report runner's fork server: every worker then starts with papermill
and nbconvert already loaded, instead of importing them itself.

jsonschema (imported by nbformat) loads the optional ``rfc3987-syntax`` package, when it is
installed, to check the "iri" string format; that package builds its grammar at import, about a
second of start-up in every process. Notebook validation never checks that format and these
processes do nothing else, so the fork server marks the package as unavailable before
importing nbformat. This holds in the fork server and every process forked from it: the
runner's workers, and the workers of any other ``forkserver`` pool the same program starts
later (multiprocessing keeps one fork server per process). The runner's own process is not
affected.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]


