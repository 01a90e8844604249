"""The edge's roles agree with themselves: front.yml after site.yml and a forced ACME renewal."""

import os
import pathlib

from testlib import changed_tasks


def test_front_yml_after_the_renewal_changes_nothing():
    out = (pathlib.Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "front-again.out").read_text()
    assert "PLAY RECAP" in out
    assert changed_tasks(out) == set(), out[-3000:]
