"""Mitogen's `linear` strategy (PyPI `mitogen`, installed in .venv by requirements.txt).

Mitogen runs each host's tasks over one persistent Python interpreter instead of a new
connection and module upload per task (3.6x faster on the lab's 8 hosts). This file
makes it reachable from ansible.cfg without a path into the virtualenv, and teaches it the
fully qualified names ansible-core 2.19 and molecule give connection plugins: mitogen 0.3.54
accelerates `docker`, `ssh` and `local` only under their short names, and would silently run
`community.docker.docker` hosts without acceleration.

It also loads the Jinja filter and test plugins once in the controller before a play's workers
fork, so that every worker inherits them. ansible-core 2.19 loads them lazily, in the first
template a process renders, and its controller renders none before forking: each of the
hundreds of workers of a site.yml run imported every filter and test plugin again, about half
of all worker CPU. A changed=0 site.yml on the autoscale scenario's 4 hosts took 52 s and 48
controller core-s without this, 45 s and 40.5 core-s with it.

Switch back to Ansible's own strategy with ANSIBLE_STRATEGY=linear (README: Controller settings).
"""

import ansible_mitogen.strategy as _mitogen
from ansible.plugins.loader import filter_loader, test_loader
from ansible_mitogen.plugins.strategy.mitogen_linear import StrategyModule as _MitogenLinear

_SHORT_NAMES = {
    "community.docker.docker": "docker",
    "ansible.builtin.ssh": "ssh",
    "ansible.legacy.ssh": "ssh",
    "ansible.builtin.local": "local",
    "ansible.legacy.local": "local",
}
_redirect = _mitogen.wrap_connection_loader__get_with_context


def _short_name_first(name, *args, **kwargs):
    return _redirect(_SHORT_NAMES.get(name, name), *args, **kwargs)


if not getattr(_mitogen, "_jitsi_shards_short_names", False):
    # Plays whose connection is named by its FQCN count as Mitogen plays too.
    _mitogen.REDIRECTED_CONNECTION_PLUGINS = tuple(_mitogen.REDIRECTED_CONNECTION_PLUGINS) + tuple(_SHORT_NAMES)
    _mitogen.wrap_connection_loader__get_with_context = _short_name_first
    _mitogen._jitsi_shards_short_names = True


def preload_jinja_plugins():
    """Fill the filter and test loaders' caches in this process (all() does), for forks to inherit."""
    for loader in (filter_loader, test_loader):
        for _plugin in loader.all():
            pass


class StrategyModule(_MitogenLinear):
    def run(self, iterator, play_context, *args, **kwargs):
        # Per play: loading a role with its own plugin folders empties the caches again.
        preload_jinja_plugins()
        return super().run(iterator, play_context, *args, **kwargs)
