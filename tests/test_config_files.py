"""The role file, the comparison file and the brief's distribution list are read by one reader
(data.config_files): each problem is named in Swedish, with the file and the setting."""

from __future__ import annotations

import pytest

from data import access, distribution, peers


def _file(tmp_path, text: str):
    path = tmp_path / "fil.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("load,error,noun,setting", [
    (distribution.load, distribution.DistributionError, "Sändlistan", "SAMVERKAN_DISTRIBUTION"),
    (peers.load, peers.PeersConfigError, "Jämförelsefilen", "SAMVERKAN_PEERS"),
    (lambda p: access.load(p), access.AccessConfigError, "Rollfilen", "SAMVERKAN_ACCESS"),
])
def test_a_missing_or_broken_file_is_named_with_its_setting(tmp_path, load, error, noun, setting):
    missing = tmp_path / "saknas.yaml"
    with pytest.raises(error) as exc:
        load(missing)
    assert str(exc.value) == f"{noun} {missing} finns inte ({setting})."
    with pytest.raises(error) as exc:
        load(_file(tmp_path, "a: [1,\n"))
    assert str(exc.value).startswith(f"{noun} {tmp_path / 'fil.yaml'} är inte giltig YAML: ")
    with pytest.raises(error) as exc:
        load(_file(tmp_path, "- en lista\n"))
    assert str(exc.value).startswith(f"{noun} {tmp_path / 'fil.yaml'} ska innehålla ")


def test_each_file_says_its_own_problems_and_the_common_ones(tmp_path):
    path = _file(tmp_path, "format: odt\nrecipients: []\nextra: 1\n")
    with pytest.raises(distribution.DistributionError) as exc:
        distribution.load(path)
    assert str(exc.value).splitlines() == [
        f"Sändlistan {path} är felaktig:",
        "  - format: ska vara pdf eller docx (fick 'odt')",
        "  - recipients: minst en mottagare behövs",
        "  - extra: okänt fält (stavfel?)"]
    path = _file(tmp_path, "scb_population_for_total: kanske\n")
    with pytest.raises(peers.PeersConfigError) as exc:
        peers.load(path)
    assert str(exc.value).splitlines() == [
        f"Jämförelsefilen {path} är felaktig:",
        "  - municipality: saknas",
        "  - scb_population_for_total: ska vara true eller false (fick 'kanske')"]
    path = _file(tmp_path, "users:\n  anna@kommun.se: [{role: kung}]\n")
    with pytest.raises(access.AccessConfigError) as exc:
        access.load(path)
    lines = str(exc.value).splitlines()
    assert lines[0] == f"Rollfilen {path} är felaktig:"
    assert any("okänd roll 'kung'; kända: ledamot" in line for line in lines[1:]), lines
    # an empty role file is the defaults (nobody has a role), not an error
    assert access.load(_file(tmp_path, "")).grants_for({"email": "anna@kommun.se", "email_verified": True}) == []
