# The scripts in these folders made fixtures with py21cmfast, which the test environment does not
# have; --doctest-modules must not import them.
collect_ignore_glob = ["*/*.py"]
