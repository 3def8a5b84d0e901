"""Dask schedulers: tls:// with certificates, a rogue listener's pickled payload never run when TLS is configured
(what plain tcp:// trusts is shown too), unreachable or malformed addresses refused in one line, quickly."""

from __future__ import annotations

import importlib.util
import pathlib
import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hemasim.cohort import CohortError
from hemasim.cohort.runner import DaskExecutor, TLSFiles, check_scheduler_address, plain_tcp_warning
from tests.conftest import EXAMPLES, invoke_hemasim

# skipped without distributed, which is imported where used: at collection it cost each test process ~0.35 s CPU,
# the one that never runs these tests too
pytestmark = pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                                reason="distributed (dask's scheduler) is not installed")


class _Payload:
    """Unpickling this creates the marker file: what a rogue peer's code would do in the client."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (pathlib.Path.touch, (pathlib.Path(self.marker),))


def _dask_message_with_payload(marker: Path) -> bytes:
    """A message framed as Dask's tcp comm frames it, carrying a pickled :class:`_Payload`."""
    from distributed.comm.tcp import _add_frames_header
    from distributed.protocol import dumps
    from distributed.protocol.serialize import ToPickle

    frames, _, _ = _add_frames_header(list(dumps({"op": "handshake", "payload": ToPickle(_Payload(marker))})))
    return b"".join(bytes(f) for f in frames)


def _certificate(folder: Path, name: str, ca: str | None) -> tuple[Path, Path]:
    """An EC key and certificate for ``name``, signed by ``ca`` (the stem of an earlier one) or self-signed."""
    key, cert = folder / f"{name}.key", folder / f"{name}.pem"
    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", str(key)]
    if ca is None:
        subprocess.run(["openssl", "req", "-x509", *curve, "-out", str(cert), "-days", "2", "-subj", f"/CN={name}"],
                       check=True, capture_output=True)
    else:
        csr = folder / f"{name}.csr"
        subprocess.run(["openssl", "req", *curve, "-out", str(csr), "-subj", f"/CN={name}"], check=True,
                       capture_output=True)
        subprocess.run(["openssl", "x509", "-req", "-in", str(csr), "-CA", str(folder / f"{ca}.pem"), "-CAkey",
                        str(folder / f"{ca}.key"), "-CAcreateserial", "-out", str(cert), "-days", "2"],
                       check=True, capture_output=True)
    return key, cert


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A test authority, a client and a server certificate it signed, and an impostor's self-signed one."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    folder = tmp_path_factory.mktemp("pki")
    _certificate(folder, "ca", None)
    _certificate(folder, "client", "ca")
    _certificate(folder, "server", "ca")
    _certificate(folder, "impostor", None)
    return folder


@pytest.fixture
def rogue(tmp_path: Path, pki: Path, request: pytest.FixtureRequest) -> Iterator[tuple[str, Path]]:
    """A listener on 127.0.0.1 that sends a pickled payload to whoever connects: at once ("eager"), after the
    client's first bytes ("reply"), or over TLS with the impostor's certificate ("impostor"). Yields (port, marker)."""
    mode = request.param
    marker = tmp_path / "payload-ran"
    message = _dask_message_with_payload(marker)
    server = socket.create_server(("127.0.0.1", 0))
    context = None
    if mode == "impostor":
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pki / "impostor.pem", pki / "impostor.key")

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            try:
                if context is not None:
                    conn = context.wrap_socket(conn, server_side=True)
                elif mode == "reply":
                    conn.recv(4096)
                conn.sendall(message)
                time.sleep(0.3)
            except (OSError, ssl.SSLError):
                pass
            finally:
                conn.close()

    threading.Thread(target=serve, daemon=True).start()
    yield str(server.getsockname()[1]), marker
    server.close()


@pytest.mark.parametrize("rogue", ["eager", "reply", "impostor"], indirect=True)
def test_a_rogue_listener_cannot_run_its_payload_when_tls_is_configured(rogue: tuple[str, Path], pki: Path):
    port, marker = rogue
    tls = TLSFiles(pki / "ca.pem", pki / "client.pem", pki / "client.key")
    # returning with the error at all is the check (no wall-clock bound: under load it flaked at 10 s)
    with pytest.raises(CohortError, match=f"--scheduler tls://127.0.0.1:{port}: cannot connect"):
        DaskExecutor(f"tls://127.0.0.1:{port}", tls, timeout=3.0)
    time.sleep(0.4)  # the listener has sent everything it would
    assert not marker.exists()


@pytest.mark.parametrize("rogue", ["reply"], indirect=True)
def test_plain_tcp_trusts_the_peer_with_code(rogue: tuple[str, Path]):
    """What docs/reliability.md says tcp:// trusts: the same listener's payload runs in the client."""
    port, marker = rogue
    with pytest.raises(CohortError):
        DaskExecutor(f"tcp://127.0.0.1:{port}", timeout=3.0)
    assert marker.exists()


@pytest.mark.slow
def test_a_cohort_runs_on_a_tls_scheduler(pki: Path, tmp_path: Path):
    import distributed

    from hemasim.cohort import run_cohort
    from hemasim.scenario import load_scenario

    server = distributed.Security(tls_ca_file=str(pki / "ca.pem"), tls_scheduler_cert=str(pki / "server.pem"),
                                  tls_scheduler_key=str(pki / "server.key"), tls_worker_cert=str(pki / "server.pem"),
                                  tls_worker_key=str(pki / "server.key"), tls_client_cert=str(pki / "client.pem"),
                                  tls_client_key=str(pki / "client.key"), require_encryption=True)
    scenario = load_scenario(EXAMPLES / "cohort_marrow_depletion.yaml").model_copy(update={"duration_days": 10.0})
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tls://",
                                  host="127.0.0.1", dashboard_address=None, security=server) as cluster:
        address = cluster.scheduler_address
        assert address.startswith("tls://127.0.0.1:")
        summary = run_cohort(scenario, 4, tmp_path / "c", partition_size=2, progress=False, scheduler=address,
                             security=TLSFiles(pki / "ca.pem", pki / "client.pem", pki / "client.key"), report=False)
    assert summary is not None and summary["n_patients"] == 4


def test_an_unreachable_scheduler_fails_within_the_timeout():
    with socket.create_server(("127.0.0.1", 0)) as s:
        port = s.getsockname()[1]  # closed on leaving: nothing listens there
    started = time.monotonic()
    # 0.2 s, not 1: the test process waits out the whole timeout with its core idle (nothing listens, so the
    # connection is refused and retried until then); any timeout the command accepts (from 0.1 s) checks the same
    with pytest.raises(CohortError, match=r"cannot connect within 0\.2 s"):
        DaskExecutor(f"tcp://127.0.0.1:{port}", timeout=0.2)
    # far below dask's own connect timeout (30 s), which is what an ignored timeout would wait; not a speed check:
    # importing distributed on a loaded 2-core machine took 7.9 s once, so the bound leaves room for that
    assert time.monotonic() - started < 25


@pytest.mark.parametrize("address", ["not a url", "10.0.0.5:8786", "http://10.0.0.5:8786", "tcp://host",
                                     "tcp://h:99999", "inproc://x", "tcp://h:1/extra"])
def test_a_malformed_scheduler_address_is_refused(address: str):
    with pytest.raises(CohortError, match="expected tls://HOST:PORT"):
        check_scheduler_address(address)


def test_certificates_with_a_tcp_address_are_refused(pki: Path):
    with pytest.raises(CohortError, match="must be tls://"):
        DaskExecutor("tcp://127.0.0.1:8786", TLSFiles(pki / "ca.pem"), timeout=1.0)


def test_plain_tcp_off_this_machine_gets_a_warning():
    assert "trusted network" in (plain_tcp_warning("tcp://10.0.0.5:8786") or "")
    assert plain_tcp_warning("tcp://127.0.0.1:8786") is None and plain_tcp_warning("tls://10.0.0.5:8786") is None


@pytest.mark.cli
def test_cohort_help_warns_about_plain_tcp():
    res = invoke_hemasim("cohort", "--help")
    text = " ".join(res.stdout.split())
    assert "trusted network only" in text and "unpickles" in text and "--tls-ca-file" in text


@pytest.mark.cli
def test_cli_reports_an_unreachable_scheduler_in_one_line(tmp_path: Path):
    res = invoke_hemasim("cohort", str(EXAMPLES / "cohort_marrow_depletion.yaml"), "--n", "2", "--out",
                         str(tmp_path / "c"), "--scheduler", "tcp://127.0.0.1:9", "--scheduler-timeout", "0.2")
    assert res.exit_code == 2 and "cannot connect within 0.2 s" in res.stderr  # a short wait, as above
    assert len(res.stderr.strip().splitlines()) == 1 and not (tmp_path / "c").exists()
