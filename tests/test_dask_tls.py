"""A Dask cluster as docs/deploy.md sets it up: TLS with mutual authentication, real `dask scheduler`
and `dask worker` processes on 127.0.0.1.

A scheduler runs any task it is sent, as the workers' user; with the README's former set-up (tcp://
on 127.0.0.1:8786) every local user (a student with a terminal on the hub) could. Here the
certificates are made for the run (a CA, one certificate signed by it, as docs/deploy.md's openssl
commands make them), and:

* the kit (``autograder grade --scheduler tls://...`` with Dask's TLS configuration) grades there,
  the same points as local grading;
* a client without credentials is refused: plain tcp://, TLS without a client certificate, and
  TLS with a certificate of its own CA (what a student could make); none of them runs a task.
"""
import datetime
import os
import shutil
import subprocess
import sys

import pytest

import harness  # noqa: E402
from test_dask import ROOT, Cluster  # noqa: E402

pytestmark = pytest.mark.slow


def _key_and_cert(name, issuer_key=None, issuer_cert=None):
    """A private key and certificate for `name` (self-signed CA when no issuer), valid for an hour."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(subject)
               .issuer_name(issuer_cert.subject if issuer_cert else subject)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(hours=1)))
    if issuer_cert is None:
        builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
    else:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
    cert = builder.sign(issuer_key or key, hashes.SHA256())
    return key, cert


def _write(folder, stem, key, cert):
    from cryptography.hazmat.primitives import serialization
    key_path, cert_path = folder / f"{stem}.key", folder / f"{stem}.pem"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    ca_key, ca_cert = _key_and_cert("pooling course CA")
    _, ca = _write(folder, "ca", ca_key, ca_cert)
    key, cert = _write(folder, "course", *_key_and_cert("pooling course", ca_key, ca_cert))
    other_ca_key, other_ca_cert = _key_and_cert("a student's CA")
    _, other_ca = _write(folder, "other-ca", other_ca_key, other_ca_cert)
    other_key, other_cert = _write(folder, "student", *_key_and_cert("student", other_ca_key, other_ca_cert))
    return {"ca": ca, "key": key, "cert": cert, "other_ca": other_ca, "other_key": other_key, "other_cert": other_cert}


def _tls_env(certs, ca="ca", cert="cert", key="key"):
    env = {"DASK_DISTRIBUTED__COMM__TLS__CA_FILE": str(certs[ca])}
    if cert:
        env["DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT"] = str(certs[cert])
        env["DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY"] = str(certs[key])
    return env


class TLSCluster(Cluster):
    """test_dask's Cluster, started as docs/deploy.md says: --protocol tls and the course's certificate."""

    def __init__(self, tmp_path, certs):
        super().__init__(tmp_path)
        self.tls = ["--tls-ca-file", str(certs["ca"]), "--tls-cert", str(certs["cert"]), "--tls-key", str(certs["key"])]
        self.address = f"tls://127.0.0.1:{self.port}"

    def start_scheduler(self):
        return self._spawn("scheduler", ["scheduler", "--protocol", "tls", "--host", "127.0.0.1",
                                         "--port", str(self.port), "--no-dashboard", *self.tls])

    def start_worker(self, name, extra=()):
        return super().start_worker(name, [*self.tls, *extra])


@pytest.fixture(scope="module")
def tls_cluster(tmp_path_factory, certs):
    from distributed import Client
    from distributed.security import Security
    c = TLSCluster(tmp_path_factory.mktemp("tls-cluster"), certs)
    try:
        c.start_scheduler()
        c.start_worker("w0")
        security = Security(tls_ca_file=str(certs["ca"]), tls_client_cert=str(certs["cert"]),
                            tls_client_key=str(certs["key"]), require_encryption=True)
        with Client(c.address, timeout="60s", set_as_default=False, security=security) as client:
            client.wait_for_workers(1, timeout=90)
        yield c
    finally:
        c.stop()


def _try_task(address, env, timeout=5):
    """In a fresh process (its own Dask configuration from `env`): connect (within `timeout` s) and run
    a task that leaves a mark. Returns (exit status, output)."""
    code = ("import sys\nfrom distributed import Client\n"
            f"c = Client(sys.argv[1], timeout='{timeout}s', set_as_default=False)\n"
            "print('RAN', c.submit(pow, 2, 10).result(timeout=20))\nc.close()\n")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("DASK_DISTRIBUTED__COMM__TLS")}, **env}
    proc = subprocess.run([sys.executable, "-c", code, address], env=env, capture_output=True, text=True,
                          timeout=120)
    return proc.returncode, proc.stdout + proc.stderr


def test_the_course_certificate_runs_tasks(tls_cluster, certs):
    status, out = _try_task(tls_cluster.address, _tls_env(certs))
    assert status == 0 and "RAN 1024" in out, out + tls_cluster.logs()


@pytest.mark.parametrize("how", ["plain_tcp", "tls_without_certificate", "tls_with_own_ca"])
def test_a_client_without_the_course_credentials_is_refused(tls_cluster, certs, how):
    if how == "plain_tcp":
        address, env = tls_cluster.address.replace("tls://", "tcp://"), {}
    elif how == "tls_without_certificate":
        address, env = tls_cluster.address, _tls_env(certs, cert=None)
    else:                      # a student's own CA and certificate, trusting the course's CA to reach it
        address, env = tls_cluster.address, {**_tls_env(certs, cert="other_cert", key="other_key")}
    # A refused client waits out its timeout twice (once connecting, once closing): 2 s is plenty on
    # 127.0.0.1, where the course's own client connects in well under a second.
    status, out = _try_task(address, env, timeout=2)
    assert status != 0 and "RAN" not in out, out


def test_the_kit_refuses_tls_without_configuration_and_plain_tcp_at_a_tls_scheduler(tls_cluster, monkeypatch):
    from autograder.run.backends.dask import SchedulerUnavailable, check_scheduler
    for key in list(os.environ):
        if key.startswith("DASK_DISTRIBUTED__COMM__TLS"):
            monkeypatch.delenv(key)
    with pytest.raises(SchedulerUnavailable, match="DASK_DISTRIBUTED__COMM__TLS__CA_FILE"):
        check_scheduler(tls_cluster.address)
    with pytest.raises(SchedulerUnavailable):
        check_scheduler(tls_cluster.address.replace("tls://", "tcp://"), timeout=3)


# Two of the bundled students: alice (the solutions) and erin (mistakes, a truncated notebook, one left
# untouched). What TLS changes is the way to the workers, not what a student wrote.
TLS_STUDENTS = ("alice", "erin")


def test_autograder_grade_on_the_tls_cluster(tls_cluster, certs, tmp_path, graded_demo):
    """The kit through its CLI, with the documented configuration: the same points as local grading
    (the bundled class graded locally once per session: tests/support/graded.py)."""
    subs = tmp_path / "submitted"
    for student in TLS_STUDENTS:
        shutil.copytree(graded_demo.submissions / student, subs / student)
    env = dict(tls_cluster.env, **_tls_env(certs))
    out = tmp_path / "tls"
    proc = subprocess.run([sys.executable, "-c", "import sys; from autograder.cli.commands import main; sys.exit(main())",
                           "grade", str(subs), "--out", str(out), "--quiet", "--scheduler", tls_cluster.address],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr + tls_cluster.logs()
    outs = {where: {(r["student_id"], r["notebook"], r["grade_id"]): r["points"] for r in harness.read_grades(o)
                    if r["student_id"] in TLS_STUDENTS}
            for where, o in (("tls", out), ("local", graded_demo.out))}
    assert {s for s, _, _ in outs["local"]} == set(TLS_STUDENTS)
    assert outs["tls"] and outs["tls"] == outs["local"]
    assert len(harness.read_grades(out)) == len(outs["tls"])          # no other student's rows
