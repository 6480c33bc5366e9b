"""SourceTests reads the course directory it is given; a missing source/ is a loud error, never a guess."""
import shutil

import pytest

from conftest import ROOT
from autograder.core import course_dir
from autograder.core.course_dir import SourceMissing, default_course_dir
from autograder.pipeline.source_tests import SourceTests


def test_the_default_course_directory_is_read_when_asked(monkeypatch, tmp_path):
    monkeypatch.delenv(course_dir.COURSE_DIR_ENV, raising=False)
    assert default_course_dir() == ROOT
    monkeypatch.setenv(course_dir.COURSE_DIR_ENV, str(tmp_path))
    assert default_course_dir() == tmp_path


def test_reads_the_course_directory_it_is_given(tmp_path):
    shutil.copytree(ROOT / "source", tmp_path / "source")
    shutil.copytree(ROOT / "release", tmp_path / "release")
    here, there = SourceTests(ROOT), SourceTests(tmp_path)
    assert there.source_dir == tmp_path / "source" / "pooling"
    assert there.notebooks() == here.notebooks()
    assert [there.tests(nb) for nb in there.notebooks()] == [here.tests(nb) for nb in here.notebooks()]


def test_a_missing_source_directory_is_a_loud_error(tmp_path):
    with pytest.raises(SourceMissing) as e:
        SourceTests(tmp_path)
    assert "找不到" in str(e.value) and "missing" in str(e.value) and str(tmp_path) in str(e.value)
    assert isinstance(e.value, FileNotFoundError)


def test_a_missing_source_notebook_is_a_loud_error(tmp_path):
    shutil.copytree(ROOT / "source", tmp_path / "source")
    gone = sorted((tmp_path / "source" / "pooling").glob("*.ipynb"))[0]
    gone.unlink()
    st = SourceTests(tmp_path)
    with pytest.raises(SourceMissing, match=gone.name):
        st.tests(gone.stem)
