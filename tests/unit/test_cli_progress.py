"""The progress display stays out of pipes and logs, and --quiet anywhere on the line is accepted."""

from cli import progress
from cli.main import main


def test_working_is_silent_when_stderr_is_not_a_terminal(capsys):
    with progress.working("step", total=3) as advance:
        advance()
        advance()
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_quiet_flag_is_accepted_anywhere_and_sets_quiet(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(progress, "QUIET", False)
    main(["gen-srs", "--srs-path", str(tmp_path / "k.srs"), "--logrows", "3", "--quiet"])  # returns on success
    assert progress.QUIET is True
    assert (tmp_path / "k.srs").is_file()
