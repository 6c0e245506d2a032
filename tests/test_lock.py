"""One run at a time per folder (archive/lock.py and build.py): a second run waits and says for
whom, or stops naming it; a lock left by a killed run is taken over; several builds started at once
all end cleanly with the site whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest

from archive import lock
from archive.site.output import MARKER
from conftest import SITE_FIXTURE
from project import REPO, command, run, write_config


def test_a_held_lock_stops_a_second_holder_naming_the_first(tmp_path):
    messages = []
    with lock.hold(tmp_path / "site", 0, messages.append):
        with pytest.raises(lock.Busy) as busy:
            with lock.hold(tmp_path / "site", 0, messages.append):
                pass
    assert f"pid {os.getpid()}" in str(busy.value) and str(tmp_path / "site") in str(busy.value)
    with lock.hold(tmp_path / "site", 0, messages.append):  # released by the first
        pass
    assert messages == []


def test_a_second_holder_waits_and_says_so(tmp_path):
    messages = []
    first = lock.hold(tmp_path / "site", 0, messages.append)
    first.__enter__()
    release = threading.Timer(0.5, first.__exit__, (None, None, None))
    release.start()
    with lock.hold(tmp_path / "site", 60, messages.append):
        assert not release.is_alive()  # got the lock only once the first let go
    assert len(messages) == 1 and f"pid {os.getpid()}" in messages[0] and "waiting up to 60 s" in messages[0]


HOLDER = """
import sys, time
from archive import lock
with lock.hold(sys.argv[1], 0, print):
    print("held", flush=True)
    time.sleep(600)
"""


def _holder(folder):
    process = subprocess.Popen([sys.executable, "-c", HOLDER, str(folder)], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    return process


def test_a_lock_left_by_a_killed_run_is_taken_over(tmp_path):
    holder = _holder(tmp_path / "site")
    with pytest.raises(lock.Busy, match=f"pid {holder.pid}"):
        with lock.hold(tmp_path / "site", 0, print):
            pass
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    messages = []
    with lock.hold(tmp_path / "site", 0, messages.append):
        pass
    assert messages == [f"{tmp_path / 'site'}: took over the lock left by "
                        f"{messages[0].split('left by ')[1].split(', which')[0]}, which is no longer running"]
    assert f"pid {holder.pid} " in messages[0]


FORKING_HOLDER = """
import os, sys, time
from archive import lock
with lock.hold(sys.argv[1], 0, print):
    if os.fork() == 0:  # a worker that outlives its killed parent, as a stuck render worker would
        time.sleep(60)
        os._exit(0)
    print("held", flush=True)
    time.sleep(600)
"""


def test_a_forked_worker_of_a_killed_run_does_not_keep_its_lock(tmp_path):
    process = subprocess.Popen([sys.executable, "-c", FORKING_HOLDER, str(tmp_path / "site")], cwd=REPO,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "held"
    with pytest.raises(lock.Busy):
        with lock.hold(tmp_path / "site", 0, print):
            pass
    process.send_signal(signal.SIGKILL)
    process.wait()
    # The orphaned child still runs (for 60 s); it lets go of the lock as soon as it is first
    # scheduled after the fork, which on a loaded machine can come after its parent was killed.
    with lock.hold(tmp_path / "site", 5, lambda message: None):
        pass


def test_build_gives_up_after_wait_naming_the_running_process(tmp_path):
    config = write_config(tmp_path, SITE_FIXTURE / "content")
    holder = _holder(tmp_path / "site")
    try:
        result = run(config, "build", "--wait", "0")
        assert result.returncode == 3
        assert result.stderr.startswith(f"error: {tmp_path / 'site'}: in use by pid {holder.pid} ")
        assert "Traceback" not in result.stderr and not (tmp_path / "site").exists()
    finally:
        holder.kill()
        holder.wait()


def _files(folder):
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def test_builds_started_at_once_all_finish_and_leave_the_site_whole(tmp_path):
    # The sample archive: before the lock, three builds of it at once failed about one time in two
    # (FileNotFoundError: a build cleared another's site.tmp-<pid> as a leftover).
    config = write_config(tmp_path, REPO / "content")
    runs = [subprocess.Popen(command(config, "build"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(3)]
    outcomes = [(process.wait(), *process.communicate()) for process in runs]
    for code, out, err in outcomes:
        assert code == 0, err
        assert "Traceback" not in err and "build: 5 documents" in out
    site = tmp_path / "site"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["site", "site.cache", "site.cache.lock", "site.lock", "site.yaml"]
    files = _files(site)
    assert MARKER in files and "index.html" in files
    # The same files as one build alone gives.
    alone = tmp_path / "alone"
    alone.mkdir()
    assert run(write_config(alone, REPO / "content"), "build").returncode == 0
    assert files == _files(alone / "site")


def test_a_build_waits_for_a_running_one_and_takes_over_when_it_is_killed(tmp_path):
    config = write_config(tmp_path, SITE_FIXTURE / "content")
    holder = _holder(tmp_path / "site")
    waiting = subprocess.Popen(command(config, "build", "--wait", "600"), stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    said = waiting.stderr.readline()
    assert said.startswith(f"{tmp_path / 'site'}: in use by pid {holder.pid} (") and " since " in said
    assert said.endswith("; waiting up to 600 s for it to finish\n")
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    out, err = waiting.communicate()
    assert waiting.returncode == 0, err
    assert err.startswith(f"{tmp_path / 'site'}: took over the lock left by pid {holder.pid} ")
    assert "build: 8 documents" in out and (tmp_path / "site" / "index.html").is_file()


def test_ingest_holds_the_content_folder(tmp_path):
    content = tmp_path / "content"
    content.mkdir()
    config = write_config(tmp_path, content, sources=SITE_FIXTURE / "content")
    holder = _holder(content)
    try:
        result = run(config, "ingest", "--wait", "0")
        assert result.returncode == 3 and f"error: {content}: in use by pid {holder.pid} " in result.stderr
        assert list(content.iterdir()) == []
    finally:
        holder.kill()
        holder.wait()
    assert run(config, "ingest").returncode == 0 and len(list(content.glob("*.md"))) == 8
