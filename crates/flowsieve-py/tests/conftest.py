"""Fixtures of the Python package's tests: the repository's demo, a generated archive, the CLI
(the reference: its JSON report is what the package must give), a Spark session and an S3
server (moto).

Run by scripts/python-tests.sh (and so by .ci/run), which builds the wheel, installs it with the
test requirements and sets FLOWSIEVE_BIN to the CLI built by the same run.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
DEMO = ROOT / "testdata" / "demo"

# Test credentials for the S3 server, set before anything starts: Spark's Python workers inherit
# the environment of the JVM, which starts with the first session.
os.environ.update(
    {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    }
)
for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"):
    os.environ.pop(_name, None)


def cli() -> str:
    path = os.environ.get("FLOWSIEVE_BIN")
    if not path:
        pytest.fail("FLOWSIEVE_BIN is not set: run these tests with scripts/python-tests.sh")
    return path


def cli_json(inventory: Path, logs: list[Path], *args: str) -> dict:
    """The CLI's JSON report (exit 0 or 3 are reports; anything else fails the test)."""
    out = subprocess.run(
        [cli(), "analyze", "--quiet", "--format", "json", "-i", str(inventory), *args]
        + [str(p) for p in logs],
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode in (0, 3), out.stderr
    return json.loads(out.stdout)


@pytest.fixture(scope="session")
def demo():
    return DEMO


@pytest.fixture(scope="session")
def demo_network():
    import flowsieve

    return flowsieve.Network.load([str(DEMO / "inventory")])


@pytest.fixture(scope="session")
def archive(tmp_path_factory) -> Path:
    """A generated archive: inventory/ and logs/ (both flow-log formats, with tcp-flags and
    without, malformed lines included)."""
    out = tmp_path_factory.mktemp("archive")
    subprocess.run(
        [cli(), "generate", "--quiet", "--out", str(out), "--records", "40000", "--seed", "5",
         "--malformed"],
        check=True,
    )
    return out


@pytest.fixture(scope="session")
def spark():
    import pyspark.sql as pyspark
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    session = (
        pyspark.SparkSession.builder.master("local[2]")
        .appName("flowsieve-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.driver.memory", "1g")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def s3(tmp_path_factory):
    """An S3 server on loopback (moto; the test credentials are set above); yields its endpoint
    URL."""
    server = shutil.which("moto_server", path=str(Path(sys.executable).parent))
    if server is None:
        pytest.fail("moto_server is missing from the test environment (scripts/python-env.sh)")
    port = _free_port()
    log = open(tmp_path_factory.mktemp("moto") / "moto.log", "w")
    proc = subprocess.Popen([server, "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log)
    endpoint = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield endpoint
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


def upload(endpoint: str, bucket: str, root: Path, prefix: str) -> str:
    """Uploads every file under root to s3://bucket/prefix/…; returns the prefix URL."""
    import boto3

    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=bucket)
    for path in sorted(root.rglob("*")):
        if path.is_file():
            client.upload_file(str(path), bucket, f"{prefix}/{path.relative_to(root)}")
    return f"s3://{bucket}/{prefix}/"
