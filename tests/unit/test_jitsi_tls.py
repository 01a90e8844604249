import shutil
import subprocess

import pytest

import jitsi_tls


def test_one_recipe_names_every_domain_in_the_san():
    argv = jitsi_tls.self_signed_argv(["meet.example.org", "auth.meet.example.org"], "/k.key", "/c.crt")
    assert argv[argv.index("-subj") + 1] == "/CN=meet.example.org"
    assert argv[argv.index("-addext") + 1] == "subjectAltName=DNS:meet.example.org,DNS:auth.meet.example.org"
    assert argv[argv.index("-days") + 1] == "825"
    assert argv[argv.index("-keyout") + 1] == "/k.key" and argv[argv.index("-out") + 1] == "/c.crt"


def test_a_single_name_may_be_a_string():
    assert jitsi_tls.self_signed_argv("meet.example.org", "/k", "/c") == jitsi_tls.self_signed_argv(["meet.example.org"], "/k", "/c")


@pytest.mark.parametrize("names,key,cert", [([], "/k", "/c"), ([""], "/k", "/c"), (["a"], "", "/c"), (["a"], "/p", "/p")])
def test_bad_input_is_refused(names, key, cert):
    with pytest.raises(ValueError, match="self-signed certificate"):
        jitsi_tls.self_signed_argv(names, key, cert)


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl CLI missing")
def test_openssl_makes_what_the_argv_says(tmp_path):
    key, cert = tmp_path / "k.key", tmp_path / "c.crt"
    subprocess.run(jitsi_tls.self_signed_argv(["meet.test", "auth.meet.test"], str(key), str(cert)),
                   check=True, capture_output=True)
    text = subprocess.run(["openssl", "x509", "-in", str(cert), "-noout", "-text"], check=True,
                          capture_output=True, text=True).stdout
    assert "DNS:meet.test, DNS:auth.meet.test" in text and "CN = meet.test" in text
