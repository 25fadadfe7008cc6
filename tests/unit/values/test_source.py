"""Provenance is a typed value whose text is what the outputs have always written."""

from __future__ import annotations

import pickle

import pytest

from errata_tpl.values.source import KINDS, WITH_REF, Source, parse, source

TEXTS = {
    ("os", None): "os",
    ("keep-kernel", None): "keep-kernel",
    ("errata", "20261121"): "errata:20261121",
    ("fix", "20261121"): "fix:20261121",
    ("hotfix", "openssl-urgent"): "hotfix:openssl-urgent",
    ("clone", "wn-001.example.org"): "clone:wn-001.example.org",
    ("stage", "canary"): "stage:canary",
    ("deploy-off", None): "deploy-off",
}


@pytest.mark.parametrize(("kind", "ref"), sorted(TEXTS, key=str))
def test_the_text_is_todays_and_reads_back(kind, ref):
    s = source(kind, ref)
    assert (s.kind, s.ref) == (kind, ref)
    assert s == TEXTS[kind, ref] and str(s) == TEXTS[kind, ref] and hash(s) == hash(TEXTS[kind, ref])
    back = parse(TEXTS[kind, ref])
    assert back is not None and (back.kind, back.ref) == (kind, ref)
    copy = pickle.loads(pickle.dumps(s))
    assert type(copy) is Source and (copy.kind, copy.ref) == (kind, ref)


def test_what_no_source_is_reads_as_none():
    for text in ("", "bogus", "errata", "errata:", "os:x", "stage"):
        assert parse(text) is None, text


def test_a_kind_takes_a_ref_exactly_when_it_names_something():
    for kind in KINDS:
        with pytest.raises(ValueError):
            Source(kind, None if kind in WITH_REF else "x")


def test_the_profile_a_version_came_from():
    assert source("errata", "20261001").profile("20261121") == "20261001"
    assert source("fix", "20261121").profile(None) == "20261121"
    assert source("kernel").profile("20261121") == "20261121"  # the node's profile lists its kernels
    assert source("node").profile("20261121") is None and source("hotfix", "x").profile("20261121") is None


def test_read_only():
    with pytest.raises(AttributeError, match="read-only"):
        source("os").kind = "site"
