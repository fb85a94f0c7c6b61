from tests.faults.work import work  # noqa: F401 - the fixture every fault test starts from
