"""The hosted store (issue 5): xenstored and libxs on private temporary
sockets, driven by Debian's xenstore-utils, libxs (xs-tool, also as
simulated unprivileged domains over a shared ring) and raw wire messages.
Helpers live in tests/store/storetest.py."""

import os
import sys

from harness import ROOT, case

sys.path.insert(0, os.path.join(ROOT, "tests", "store"))
import storetest as st  # noqa: E402


@case("store/golden-basic", tiers=("check", "test"))
def _(t):
    """Debian's xenstore-* commands against our daemon: tests/store/golden/basic.txt."""
    with st.daemon(t) as d:
        n = st.golden_check(t, d, "basic.txt")
        t.log("%d commands matched the transcript" % n)
