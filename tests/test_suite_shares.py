"""A file that shares a session fixture with a file of LONGEST_FIRST runs in that file's xdist process
(tests/conftest.py, SAME_SHARE_AS), so the fixture is built once."""

from __future__ import annotations

from types import SimpleNamespace

from .conftest import LONGEST_FIRST, SAME_SHARE_AS, longest_first


def test_a_file_sharing_a_fixture_runs_in_its_partners_share() -> None:
    listed = list(LONGEST_FIRST)
    fillers = [f"tests/test_a{i:02d}.py::test_short" for i in range(60)]
    for path, partner in SAME_SHARE_AS.items():
        assert any(name.startswith(partner + "::") for name in listed), f"{partner} is not in LONGEST_FIRST"
        companions = [f"{path}::test_one", f"{path}::test_two"]
        ids = [*fillers[:30], *companions, *fillers[30:], *listed]
        ordered = [item.nodeid for item in longest_first([SimpleNamespace(nodeid=i) for i in ids], 2)]  # type: ignore[misc]
        assert sorted(ordered) == sorted(ids)
        shares = ordered[:len(ids) // 2], ordered[len(ids) // 2:]  # what xdist's worksteal hands each process
        partner_share = next(s for s in shares if any(i.startswith(partner + "::") for i in s))
        assert all(c in partner_share for c in companions)
        # at the head of the share with the partner's tests, before the unlisted files (worksteal takes from the tail)
        head = [i for i in partner_share if not i.startswith("tests/test_a")]
        assert partner_share[:len(head)] == head
