"""TLS: ``tls``, ``tls_ca``, ``tls_cert`` and ``tls_key``, else FLOWGATE_TLS, FLOWGATE_TLS_CA,
FLOWGATE_TLS_CLIENT_CERT and FLOWGATE_TLS_CLIENT_KEY, against servers started here with
FLOWGATE_TLS_CERT/FLOWGATE_TLS_KEY (and FLOWGATE_TLS_CLIENT_CA for mTLS). A client trusting the
server's CA gets through; one trusting only the system's CAs, one talking plaintext, or one without
a certificate for an mTLS server fails with UnavailableError saying how it tried and what to set."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from certificates import Certificates, make_certificates
from conftest import Server, running_server
from flowgate import AsyncClient, Client, FlowRunNotFoundError, TlsSettingsError, UnavailableError
from flowgate._tls import resolve_tls

NO_RUN = "00000000-0000-4000-8000-000000000000"
TLS_VARIABLES = ("FLOWGATE_TLS", "FLOWGATE_TLS_CA", "FLOWGATE_TLS_CLIENT_CERT", "FLOWGATE_TLS_CLIENT_KEY")


@pytest.fixture(scope="module")
def certs() -> Certificates:
    return make_certificates()


@pytest.fixture(scope="module")
def tls_server(certs: Certificates) -> Iterator[Server]:
    with running_server({"FLOWGATE_TLS_CERT": str(certs.cert), "FLOWGATE_TLS_KEY": str(certs.key)}) as s:
        yield s


@pytest.fixture(scope="module")
def mtls_server(certs: Certificates) -> Iterator[Server]:
    env = {
        "FLOWGATE_TLS_CERT": str(certs.cert),
        "FLOWGATE_TLS_KEY": str(certs.key),
        "FLOWGATE_TLS_CLIENT_CA": str(certs.ca),
    }
    with running_server(env) as s:
        yield s


@pytest.fixture(autouse=True)
def no_tls_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test sets the variables it means; none comes from the environment pytest runs in."""
    for name in TLS_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def gets_through(client: Client) -> None:
    """A call reaches the server's handler: past TLS and authentication, the run is not found."""
    with client, pytest.raises(FlowRunNotFoundError):
        client.get_flow_run(NO_RUN)


def connection_failure(client: Client) -> UnavailableError:
    with client, pytest.raises(UnavailableError) as caught:
        client.get_flow_run(NO_RUN)
    assert caught.value.code == grpc.StatusCode.UNAVAILABLE
    assert caught.value.reason == "", "grpc's own failure, not a server's"
    return caught.value


def test_with_the_servers_ca_as_a_file_or_as_bytes_calls_work(tls_server: Server, certs: Certificates) -> None:
    gets_through(Client(tls_server.address, api_key=tls_server.api_key, tls_ca=certs.ca))
    gets_through(Client(tls_server.address, api_key=tls_server.api_key, tls_ca=str(certs.ca)))
    gets_through(Client(tls_server.address, api_key=tls_server.api_key, tls_ca=certs.ca.read_bytes()))


def test_flowgate_tls_ca_from_the_environment_works(
    tls_server: Server, certs: Certificates, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWGATE_TLS_CA", str(certs.ca))
    gets_through(Client(tls_server.address, api_key=tls_server.api_key))


@pytest.mark.asyncio
async def test_the_async_client_over_tls(tls_server: Server, certs: Certificates) -> None:
    async with AsyncClient(tls_server.address, api_key=tls_server.api_key, tls_ca=certs.ca) as client:
        with pytest.raises(FlowRunNotFoundError):
            await client.get_flow_run(NO_RUN)
    async with AsyncClient(tls_server.address, api_key=tls_server.api_key) as plain:
        with pytest.raises(UnavailableError, match="Tried without TLS"):
            await plain.get_flow_run(NO_RUN)


def test_without_the_ca_the_handshake_fails_naming_the_cas_it_trusted(tls_server: Server) -> None:
    err = connection_failure(Client(tls_server.address, api_key=tls_server.api_key, tls=True))
    assert "Tried over TLS, trusting the system's CAs, without a client certificate; set FLOWGATE_TLS_CA" in str(err)


def test_plaintext_to_a_tls_server_fails_saying_it_tried_without_tls(tls_server: Server) -> None:
    err = connection_failure(Client(tls_server.address, api_key=tls_server.api_key))
    assert "Tried without TLS; if the server uses TLS, set FLOWGATE_TLS_CA to its CA's certificate" in str(err)


def test_mtls_with_the_client_certificate_works_and_without_it_fails(mtls_server: Server, certs: Certificates) -> None:
    key = mtls_server.api_key
    gets_through(
        Client(mtls_server.address, api_key=key, tls_ca=certs.ca, tls_cert=certs.client_cert, tls_key=certs.client_key)
    )
    err = connection_failure(Client(mtls_server.address, api_key=key, tls_ca=certs.ca))
    assert f"Tried over TLS, trusting the CA in {certs.ca}, without a client certificate" in str(err)
    assert "FLOWGATE_TLS_CLIENT_CERT and FLOWGATE_TLS_CLIENT_KEY" in str(err)


def test_mtls_settings_from_the_environment(
    mtls_server: Server, certs: Certificates, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOWGATE_TLS_CA", str(certs.ca))
    monkeypatch.setenv("FLOWGATE_TLS_CLIENT_CERT", str(certs.client_cert))
    monkeypatch.setenv("FLOWGATE_TLS_CLIENT_KEY", str(certs.client_key))
    gets_through(Client(mtls_server.address, api_key=mtls_server.api_key))


def test_plaintext_by_default_and_any_certificate_setting_turns_tls_on(certs: Certificates) -> None:
    assert resolve_tls(None, None, None, None, env={}) is None
    on = resolve_tls(None, None, None, None, env={"FLOWGATE_TLS": "true"})
    assert on is not None and on.ca is None and on.client is None
    from_env = resolve_tls(None, None, None, None, env={"FLOWGATE_TLS_CA": str(certs.ca)})
    assert from_env is not None and from_env.ca is not None and from_env.ca.file == certs.ca
    mtls = resolve_tls(
        None,
        None,
        None,
        None,
        env={"FLOWGATE_TLS_CLIENT_CERT": str(certs.client_cert), "FLOWGATE_TLS_CLIENT_KEY": str(certs.client_key)},
    )
    assert mtls is not None and mtls.ca is None and mtls.client is not None
    assert (mtls.client[0].file, mtls.client[1].file) == (certs.client_cert, certs.client_key)


def test_the_argument_comes_first_then_the_environment_setting_by_setting(certs: Certificates) -> None:
    ca_env = {"FLOWGATE_TLS_CA": str(certs.ca)}
    assert resolve_tls(False, None, None, None, env=ca_env) is None, (
        "tls=False is plaintext whatever the environment says"
    )
    assert resolve_tls(None, None, None, None, env={**ca_env, "FLOWGATE_TLS": "false"}) is None, (
        "so is FLOWGATE_TLS=false"
    )
    assert resolve_tls(True, None, None, None, env={"FLOWGATE_TLS": "false"}) is not None, "the argument wins"
    both = resolve_tls(None, certs.client_cert, None, None, env=ca_env)
    assert both is not None and both.ca is not None and both.ca.file == certs.client_cert, "the argument's CA"
    implied = resolve_tls(True, None, None, None, env=ca_env)
    assert implied is not None and implied.ca is not None and implied.ca.file == certs.ca, "tls=True: the variable's CA"
    pem = certs.ca.read_text(encoding="utf-8")
    as_text = resolve_tls(None, None, None, None, env={"FLOWGATE_TLS_CA": pem})
    assert as_text is not None and as_text.ca is not None and (as_text.ca.file, as_text.ca.pem) == (None, pem.encode())
    relative = resolve_tls(None, "ca.pem", None, None, env={}, cwd=certs.dir)
    assert relative is not None and relative.ca is not None and relative.ca.file == certs.ca


def test_contradictions_and_unreadable_files_are_refused_when_the_client_is_made(
    certs: Certificates, tmp_path: Path
) -> None:
    with pytest.raises(TlsSettingsError, match="FLOWGATE_TLS must be"):
        resolve_tls(None, None, None, None, env={"FLOWGATE_TLS": "yes"})
    with pytest.raises(
        TlsSettingsError, match="needs its key: set both FLOWGATE_TLS_CLIENT_CERT and FLOWGATE_TLS_CLIENT_KEY"
    ):
        Client("127.0.0.1:1", tls_cert=certs.client_cert)
    with pytest.raises(TlsSettingsError, match=r"cannot read the CA certificate \(FLOWGATE_TLS_CA\) .*missing\.pem"):
        Client("127.0.0.1:1", tls_ca=tmp_path / "missing.pem")
    with pytest.raises(TlsSettingsError, match="not with credentials or channel"):
        Client("127.0.0.1:1", credentials=grpc.ssl_channel_credentials(), tls_ca=certs.ca)
