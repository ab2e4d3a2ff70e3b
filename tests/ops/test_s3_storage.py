"""Attachments through Django's storage API on an S3-protocol server (moto's server mode, a
real HTTP server speaking S3 on loopback): stored with the petition, served by the download
view, and nothing left in the bucket by a submission that failed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from core.errors import InvalidInput
from petitions.choices import Category
from petitions.identity import Identity
from petitions.intake import PetitionDraft, petition_submit
from petitions.models import Attachment
from tests.petitions.conftest import at

BUCKET = "tongxin-attachments"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    port = _free_port()
    moto = Path(sys.executable).with_name("moto_server")
    proc = subprocess.Popen([str(moto), "-H", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                raise
            time.sleep(0.2)
    yield url
    proc.terminate()
    proc.wait(10)


@pytest.fixture
def s3(s3_server, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    client = boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1",
                          aws_access_key_id="test", aws_secret_access_key="test")
    if BUCKET not in {b["Name"] for b in client.list_buckets()["Buckets"]}:
        client.create_bucket(Bucket=BUCKET)
    storages = {
        "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
            "bucket_name": BUCKET, "endpoint_url": s3_server, "access_key": "test", "secret_key": "test",
            "region_name": "us-east-1", "default_acl": None, "querystring_auth": True}},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        yield client


def submit(world, *, now, uploads, title="综采一队十月绩效工资少发"):
    draft = PetitionDraft(title=title, content="十月份绩效工资比上月少发了八百元，请求核实补发。工资条见附件。",
                          category=Category.WAGES, unit=world.mine, identity=Identity())
    return petition_submit(petitioner=world.employee, draft=draft, uploads=uploads, now=now)


def _keys(client) -> list[str]:
    return [o["Key"] for o in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


@pytest.mark.django_db
def test_attachment_is_stored_in_the_bucket_and_downloaded(s3, world, client):
    before = set(_keys(s3))
    upload = SimpleUploadedFile("工资条.pdf", PDF, content_type="application/pdf")
    p = submit(world, now=at(2025, 9, 15), uploads=[upload]).petition
    attachment = Attachment.objects.get(petition=p)
    added = set(_keys(s3)) - before
    assert added == {attachment.file.name}
    assert s3.get_object(Bucket=BUCKET, Key=attachment.file.name)["Body"].read() == PDF
    client.force_login(world.officer)
    response = client.get(reverse("petitions:attachment_download", args=[attachment.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF


@pytest.mark.django_db
def test_settings_select_s3_from_the_environment():
    env = {**os.environ, "S3_BUCKET": BUCKET, "S3_ENDPOINT_URL": "http://127.0.0.1:1", "DEBUG": "0"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='tongxin.settings'; "
         "django.setup(); from django.core.files.storage import storages; d = storages['default']; "
         "print(type(d).__name__, d.bucket_name)"],
        env=env, capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2],
    ).stdout
    assert out.split() == ["S3Storage", BUCKET]


@pytest.mark.django_db
def test_a_refused_submission_leaves_nothing_behind_in_the_database(s3, world):
    upload = SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")
    with pytest.raises(InvalidInput):
        submit(world, now=at(2025, 9, 15), uploads=[upload], title="x")  # title too short
    assert not Attachment.objects.exists()
