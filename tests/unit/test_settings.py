"""Settings that configure how the service reaches others: mTLS to Temporal."""

from __future__ import annotations

from pathlib import Path

import pytest

from settings import Settings, SettingsError

pytestmark = pytest.mark.unit


# --- mTLS to Temporal ---------------------------------------------------------------------------
def test_temporal_tls_is_off_unless_configured_and_whole_when_it_is(tmp_path: Path) -> None:
    import bootstrap

    assert bootstrap.temporal_tls(Settings.from_environment({})) is False
    for name in ("ca", "cert", "key"):
        (tmp_path / f"{name}.pem").write_bytes(f"-- {name} --".encode())
    env = {"NHANSU_TEMPORAL_TLS_CA": str(tmp_path / "ca.pem"),
           "NHANSU_TEMPORAL_TLS_CERT": str(tmp_path / "cert.pem"),
           "NHANSU_TEMPORAL_TLS_KEY": str(tmp_path / "key.pem"),
           "NHANSU_TEMPORAL_TLS_SERVER_NAME": "temporal"}
    tls = bootstrap.temporal_tls(Settings.from_environment(env))
    assert (tls.server_root_ca_cert, tls.client_cert, tls.client_private_key, tls.domain) == (
        b"-- ca --", b"-- cert --", b"-- key --", "temporal")

    half = {k: v for k, v in env.items() if k != "NHANSU_TEMPORAL_TLS_KEY"}
    with pytest.raises(SettingsError) as missing:
        bootstrap.temporal_tls(Settings.from_environment(half))
    assert (missing.value.variable, missing.value.rule) == ("NHANSU_TEMPORAL_TLS_KEY",
                                                            "tls_incomplete")
    gone = {**env, "NHANSU_TEMPORAL_TLS_CA": str(tmp_path / "khong-co.pem")}
    with pytest.raises(SettingsError) as unreadable:
        bootstrap.temporal_tls(Settings.from_environment(gone))
    assert (unreadable.value.variable, unreadable.value.rule) == ("NHANSU_TEMPORAL_TLS_CA",
                                                                  "readable_file")


# --- the token for Temporal's authorizer ---------------------------------------------------------
def test_temporal_api_key_is_read_from_its_file_and_only_sent_over_mtls(tmp_path: Path) -> None:
    import bootstrap

    assert bootstrap.temporal_api_key(Settings.from_environment({}), tls=True) is None
    token = tmp_path / "nhansu-worker.jwt"
    token.write_text("aGVhZA.Y2xhaW1z.c2ln\n", "ascii")
    env = {"NHANSU_TEMPORAL_API_KEY_FILE": str(token)}
    assert bootstrap.temporal_api_key(Settings.from_environment(env), tls=True) == (
        "aGVhZA.Y2xhaW1z.c2ln")
    refusals = [
        (env, False, "api_key_without_tls"),
        ({"NHANSU_TEMPORAL_API_KEY_FILE": str(tmp_path / "khong-co.jwt")}, True,
         "readable_file"),
    ]
    (tmp_path / "rong.jwt").write_text("\n", "ascii")
    refusals.append(({"NHANSU_TEMPORAL_API_KEY_FILE": str(tmp_path / "rong.jwt")}, True,
                     "not_a_token"))
    for given, tls, rule in refusals:
        with pytest.raises(SettingsError) as refused:
            bootstrap.temporal_api_key(Settings.from_environment(given), tls=tls)
        assert (refused.value.variable, refused.value.rule) == ("NHANSU_TEMPORAL_API_KEY_FILE",
                                                                rule)
