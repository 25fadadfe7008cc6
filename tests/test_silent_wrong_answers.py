"""Silent wrong answers made errors: each names the file and the key."""

import pytest

from errata_tpl.errors import UserError
from errata_tpl.values import kernel


def test_generate_stdout_and_o_exclude_each_other(make_rpms, tmp_path, cli):
    make_rpms(["a 1-1 x86_64"])
    r = cli("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--stdout", "-o", tmp_path / "p.yaml", root=tmp_path)
    assert r.exit_code == 2 and "--stdout and -o exclude each other" in r.stderr
    assert not (tmp_path / "p.yaml").exists() and r.stdout == ""


def test_a_mirror_of_only_source_rpms_is_an_error(make_rpms, tmp_path, cli):
    make_rpms(["a 1-1 src", "b 2-1 src"])
    r = cli("generate", tmp_path / "mirror", "--os", "el9-x86_64", "--profile", "20261121", root=tmp_path)
    assert r.exit_code == 1
    assert r.stderr.endswith(
        f"error: {tmp_path / 'mirror'}: only source RPMs (2), no binary package; no profile written\n"
    )
    assert not (tmp_path / "errata").exists()


@pytest.mark.parametrize("good", ["5.14.0-362.8.1.el9_3", "4.18.0-513.11.1.el8_9", "1:6.1-1", "6.5.0~rc1-1.fc39"])
def test_kernel_versions_that_are(good):
    assert kernel.version(good) == good


@pytest.mark.parametrize("bad", ["abc", "7", 7, 5.14, "5.14.0", "5.14.0-", "-1", "a b-1", "1-2-3", None, True, ["1-1"]])
def test_kernel_versions_that_are_not(bad):
    with pytest.raises(UserError, match="is not a kernel version V-R"):
        kernel.version(bad)
