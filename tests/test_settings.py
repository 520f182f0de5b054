"""The production profile refuses to start without its secrets and passes Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wushe(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("WUSHE_")}
    return subprocess.run(  # noqa: S603 (our own CLI, fixed arguments)
        [sys.executable, "-m", "wushe.cli", *args],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_production_without_secret_key_refuses_to_start():
    result = wushe("check", WUSHE_DEBUG="0")
    assert result.returncode != 0
    assert "WUSHE_SECRET_KEY must be set" in result.stderr


def test_production_without_audit_key_refuses_to_start():
    result = wushe("check", WUSHE_DEBUG="0", WUSHE_SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "WUSHE_AUDIT_KEY must be set" in result.stderr


def test_production_without_personal_data_keys_refuses_to_start():
    result = wushe("check", WUSHE_DEBUG="0", WUSHE_SECRET_KEY="x" * 60, WUSHE_AUDIT_KEY="a" * 40)
    assert result.returncode != 0
    assert "WUSHE_FIELD_KEYS and WUSHE_BLIND_INDEX_KEY must be set" in result.stderr


def test_production_profile_passes_deploy_checks(tmp_path):
    result = wushe(
        "check", "--deploy", "--fail-level", "WARNING",
        WUSHE_DEBUG="0", WUSHE_SECRET_KEY="k" * 30 + "Q7!zR2#x" * 5, WUSHE_AUDIT_KEY="a" * 40,
        WUSHE_ALLOWED_HOSTS="wushe.example.gov.cn", WUSHE_VAR_DIR=str(tmp_path),
        WUSHE_FIELD_KEYS="k1:MDEyMzQ1Njc4OWFiY2RlZg==", WUSHE_BLIND_INDEX_KEY="b" * 40,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
