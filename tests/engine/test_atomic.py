"""atomic_write: a local file, a file:// URL or an fsspec URL appears whole or not at all."""

import os
import uuid

import pytest
from dagwire.io.atomic import atomic_write, local_path


def half_then(error):
    def write(target):
        with atomic_write(target) as file:
            file.write(b"half of ")
            raise error

    return write


def test_a_local_write_replaces_the_file_and_leaves_nothing_else(tmp_path):
    target = tmp_path / "sub" / "x.bin"
    with atomic_write(target) as file:
        file.write(b"whole")
    assert target.read_bytes() == b"whole"
    assert os.listdir(target.parent) == ["x.bin"]


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
@pytest.mark.parametrize("as_url", [False, True], ids=["path", "file-url"])
def test_a_failed_local_write_keeps_the_old_file_and_removes_the_temp(tmp_path, error, as_url):
    target = tmp_path / "y.bin"
    target.write_bytes(b"old")
    with pytest.raises(type(error)):
        half_then(error)(f"file://{target}" if as_url else str(target))
    assert target.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["y.bin"]


def test_a_file_url_is_written_as_a_local_path(tmp_path):
    target = tmp_path / "z.bin"
    assert local_path(f"file://{target}") == str(target)
    assert local_path("memory://a/b") is None
    with atomic_write(f"file://{target}") as file:
        file.write(b"ok")
    assert target.read_bytes() == b"ok"


def test_files_get_ordinary_permissions(tmp_path):
    with atomic_write(tmp_path / "p.bin") as file:
        file.write(b"x")
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(tmp_path / "p.bin").st_mode & 0o777 == 0o666 & ~umask


@pytest.mark.parametrize("error", [OSError("disk full"), KeyboardInterrupt()])
def test_a_failed_upload_writes_nothing_and_leaves_no_temp(error, tmp_path, monkeypatch):
    fsspec = pytest.importorskip("fsspec")
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr("tempfile.tempdir", None)
    url = f"memory://dagwire-{uuid.uuid4().hex}/out/x.bin"
    with pytest.raises(type(error)):
        half_then(error)(url)
    assert not fsspec.filesystem("memory").exists(url)
    assert list(tmp_path.iterdir()) == []
    with atomic_write(url) as file:
        file.write(b"whole")
    with fsspec.open(url, "rb") as file:
        assert file.read() == b"whole"
    assert list(tmp_path.iterdir()) == []
