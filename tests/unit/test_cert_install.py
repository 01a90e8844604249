"""The ACME push's install command on every HAProxy node: validate, install atomically, reload."""

import grp
import importlib.machinery
import importlib.util
import io
import json
import os
import pathlib
import subprocess
import time

import pytest

ROLE = pathlib.Path(__file__).resolve().parents[2] / "roles/jitsi_acme/files/usr/local/sbin"


def _load(name, filename):
    loader = importlib.machinery.SourceFileLoader(name, str(ROLE / filename))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(name, loader))
    loader.exec_module(module)
    return module


install = _load("cert_install", "jitsi-shards-cert-install")
push = _load("acme_push", "jitsi-shards-acme-push")
NAMES = ["meet.example.org", "turn.meet.example.org"]


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A CA, an intermediate, and leaves: good (two of them, a second apart), wrong names, another key."""
    d = tmp_path_factory.mktemp("pki")
    _openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
             "-subj", "/CN=test root", "-keyout", "ca.key", "-out", "ca.crt", cwd=d)
    (d / "ca.ext").write_text("basicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n")
    _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=test intermediate",
             "-keyout", "int.key", "-out", "int.csr", cwd=d)
    _openssl("x509", "-req", "-in", "int.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2",
             "-extfile", "ca.ext", "-out", "int.crt", cwd=d)

    def leaf(name, names):
        (d / f"{name}.ext").write_text("subjectAltName=" + ",".join(f"DNS:{n}" for n in names) + "\n")
        _openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", f"/CN={names[0]}",
                 "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=d)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "int.crt", "-CAkey", "int.key", "-CAcreateserial",
                 "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.crt", cwd=d)
        return (d / f"{name}.crt").read_text(), (d / f"{name}.key").read_text()

    good = leaf("good", NAMES)
    time.sleep(1.1)  # notBefore has a resolution of one second
    newer = leaf("newer", NAMES)
    wrong = leaf("wrong", ["meet.example.org"])
    return {"int": (d / "int.crt").read_text(), "good": good, "newer": newer, "wrong": wrong}


def bundle(pki, leaf="good", key=None, chain=True):
    cert, own_key = pki[leaf]
    return cert + (pki["int"] if chain else "") + (key or own_key)


class Systemctl:
    """subprocess.run, except systemctl: recorded, every unit active."""

    def __init__(self):
        self.calls = []

    def __call__(self, argv, **kwargs):
        if argv[0] == "systemctl":
            self.calls.append(argv)
            return subprocess.CompletedProcess(argv, 0, "", "")
        return subprocess.run(argv, **kwargs)


@pytest.fixture
def config(tmp_path, monkeypatch):
    if os.geteuid() != 0:  # production runs as root; here files stay the test user's
        monkeypatch.setattr(install.os, "fchown", lambda fd, uid, gid: None)
    (tmp_path / "tls").mkdir()
    (tmp_path / "haproxy").mkdir()
    return {"names": NAMES, "cert": str(tmp_path / "tls/meet.crt"), "key": str(tmp_path / "tls/meet.key"),
            "pem": str(tmp_path / "haproxy/acme.pem"), "group": grp.getgrgid(os.getgid()).gr_name,
            "reload": ["haproxy.service"], "signal": {"coturn.service": "SIGUSR2"}}


def test_a_sound_bundle_is_installed_with_its_modes_and_reloads_once(pki, config):
    run = Systemctl()
    assert install.install(bundle(pki), config, run) == "installed"
    cert, key = pki["good"]
    assert pathlib.Path(config["cert"]).read_text() == cert + pki["int"]
    assert pathlib.Path(config["key"]).read_text() == key
    assert pathlib.Path(config["pem"]).read_text() == cert + pki["int"] + key
    assert {p: oct(os.stat(config[p]).st_mode & 0o777) for p in ("cert", "key", "pem")} == \
        {"cert": "0o644", "key": "0o640", "pem": "0o600"}
    assert ["systemctl", "reload", "haproxy.service"] in run.calls
    assert ["systemctl", "kill", "--kill-whom=main", "--signal=SIGUSR2", "coturn.service"] in run.calls
    # The same bundle again: nothing written, nothing reloaded.
    again = Systemctl()
    assert install.install(bundle(pki), config, again) == "unchanged"
    assert again.calls == []
    # A renewal replaces it.
    assert install.install(bundle(pki, "newer"), config, Systemctl()) == "installed"
    assert pathlib.Path(config["cert"]).read_text().startswith(pki["newer"][0])


@pytest.mark.parametrize("make, why", [
    (lambda pki: bundle(pki, key=pki["newer"][1]), "does not match the leaf"),
    (lambda pki: bundle(pki, "wrong"), "not valid for turn.meet.example.org"),
    (lambda pki: pki["good"][0] + pki["newer"][0] + pki["good"][1], "is not issued by certificate 1"),
    (lambda pki: bundle(pki) + pki["newer"][1], "2 private keys"),
    (lambda pki: pki["good"][1], "no certificate"),
    (lambda pki: "hello\n" + bundle(pki), "text outside PEM blocks"),
    (lambda pki: bundle(pki).replace("CERTIFICATE", "X509 CRL", 2), "unexpected PEM block"),
])
def test_an_unsound_bundle_is_refused_and_nothing_changes(pki, config, make, why):
    run = Systemctl()
    with pytest.raises(install.Refused, match=why):
        install.install(make(pki), config, run)
    assert not any(os.path.exists(config[p]) for p in ("cert", "key", "pem"))
    assert run.calls == []


def test_an_older_bundle_cannot_roll_a_node_back(pki, config):
    assert install.install(bundle(pki, "newer"), config, Systemctl()) == "installed"
    with pytest.raises(install.Refused, match="older than the certificate in place"):
        install.install(bundle(pki), config, Systemctl())
    assert pathlib.Path(config["cert"]).read_text().startswith(pki["newer"][0])


def test_units_not_running_are_not_reloaded(pki, config):
    calls = []

    def run(argv, **kwargs):
        if argv[0] == "systemctl":
            calls.append(argv)
            return subprocess.CompletedProcess(argv, 3 if argv[1] == "is-active" else 0, "", "")
        return subprocess.run(argv, **kwargs)

    assert install.install(bundle(pki), config, run) == "installed"
    assert all(call[1] == "is-active" for call in calls)


def test_main_reports_a_refusal_and_exits_1(pki, config, tmp_path, capsys):
    path = tmp_path / "install.json"
    path.write_text(json.dumps(config))
    assert install.main(io.StringIO("nonsense"), str(path)) == 1
    assert "refused: " in capsys.readouterr().err


def test_push_sends_the_bundle_to_itself_then_each_peer_by_ssh(tmp_path):
    lineage = tmp_path / "live"
    lineage.mkdir()
    (lineage / "fullchain.pem").write_text("CHAIN\n")
    (lineage / "privkey.pem").write_text("KEY")
    config = {"lineage": str(lineage), "install": "/usr/local/sbin/jitsi-shards-cert-install", "user": "jitsi-acme",
              "key": "/k", "known_hosts": "/kh", "peers": [{"name": "lb2", "address": "192.0.2.2"}]}
    seen = []

    def run(argv, **kwargs):
        seen.append((argv, kwargs["input"]))
        return subprocess.CompletedProcess(argv, 0 if argv[0] != "ssh" else 1, "installed\n", "refused: no\n")

    results = push.push(config, {}, run)
    assert results == [("local", True, "installed"), ("lb2", False, "installed")]
    assert all(data == "CHAIN\nKEY\n" for _, data in seen)
    ssh = seen[1][0]
    assert ssh[-4:] == ["-l", "jitsi-acme", "192.0.2.2", "install"]
    assert "StrictHostKeyChecking=yes" in ssh and "UserKnownHostsFile=/kh" in ssh and "BatchMode=yes" in ssh
    # certbot's hook for another lineage on the same host: not ours.
    assert push.push(config, {"RENEWED_LINEAGE": "/etc/letsencrypt/live/other"}, run) == []
