"""`rampart inventory validate`: one line per problem on stderr, one OK line on stdout."""

from __future__ import annotations

from pathlib import Path

import pytest

from rampart.inventory.cli import validate
from tests.unit.inventory.conftest import edit


def test_valid_inventory_prints_what_it_holds(
    inventory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert validate([inventory]) == 0
    out, err = capsys.readouterr()
    assert out == f"inventory OK: {inventory} (5 hosts, 2 services, 2 data sets, 2 people)\n"
    assert err == ""


def test_problems_go_to_stderr_one_per_line_with_exit_status_2(
    inventory: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit(inventory, "group_vars/all/catalog.yml", "      - port: 80\n", "      - port: -1\n")
    edit(inventory, "group_vars/all/people.yml", "post: admin", "post: boss")
    assert validate([inventory]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"{inventory}/group_vars/all/catalog.yml:8: rampart_services.portal.ports[0].port:"
        " must be from 1 to 65535, not -1",
        f"{inventory}/group_vars/all/people.yml:15: rampart_people[0].post: no post named 'boss'",
    ]


def test_each_inventory_is_reported_and_any_failure_fails(
    inventory: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert validate([inventory, tmp_path / "missing"]) == 2
    out, err = capsys.readouterr()
    assert out.startswith(f"inventory OK: {inventory} ")
    assert err == (
        f"{tmp_path}/missing: not a directory;"
        " an inventory is a directory with hosts.yml and group_vars/\n"
    )


@pytest.mark.parametrize(
    ("relative", "content"),
    [
        ("group_vars/all/broken.yml", b"---\nkey: [unclosed\n"),
        ("group_vars/all/binary.yml", b"\x00\xff\xfe garbage"),
        ("group_vars/all/tabs.yml", b"---\nkey:\n\t- tab\n"),
        ("group_vars/all/two.yml", b"---\na: 1\n---\nb: 2\n"),
        ("group_vars/all/recursive.yml", b"---\nloop: &loop [*loop]\nrampart_posts: *loop\n"),
        ("group_vars/all/key.yml", b"---\n? [a, b]\n: 1\n"),
        ("group_vars/all/tag.yml", b"---\nx: !python/object:os.system echo\n"),
        ("hosts.yml", b"---\nall:\n  children: [office]\n"),
        ("hosts.yml", b"---\nall: 5\n"),
    ],
)
def test_broken_files_give_lines_never_a_traceback(
    inventory: Path, relative: str, content: bytes, capsys: pytest.CaptureFixture[str]
) -> None:
    (inventory / relative).write_bytes(content)
    assert validate([inventory]) == 2
    err = capsys.readouterr().err
    assert err
    assert all(line.startswith(str(inventory)) for line in err.splitlines())
    assert "Traceback" not in err


def test_unreadable_file_is_one_line(inventory: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (inventory / "hosts.yml").unlink()
    (inventory / "hosts.yml").mkdir()
    assert validate([inventory]) == 2
    assert (
        capsys.readouterr().err
        == f"{inventory}/hosts.yml: cannot read the file: is a folder, not a file\n"
    )
