import pytest


@pytest.fixture(scope="session")
def fuzz_dir(tmp_path_factory):
    """One folder for the files the fuzz cases write and read."""
    return tmp_path_factory.mktemp("fuzz")
