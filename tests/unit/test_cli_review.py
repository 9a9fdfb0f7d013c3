"""`ecocity submissions`, `review`, `levels` and `due`: an imported workbook waits for review
(published levels unchanged), a reviewer of its area returns it with comments, refusals exit 2
and change nothing, a corrected import accepted is published."""

from __future__ import annotations

import getpass
import inspect
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ecocity.cli import main
from ecocity.core.access import system
from ecocity.io.workbook.template import write_submission
from ecocity.store import audit, session_scope, users
from ecocity.store import models as m

ROOT = Path(__file__).parents[2]
GOOD = ROOT / "data" / "sample" / "2566_MAP-TA-PHUT.xlsx"
ESTATE, YEAR, AREA = "MAP-TA-PHUT", 2566, "RAYONG-MAP-TA-PHUT"
PW = "correct horse battery"

pytestmark = [pytest.mark.storage, pytest.mark.usefixtures("cheap_hashing")]


@pytest.fixture(autouse=True)
def operator_login(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(getpass, "getuser", lambda: "operator")


def run(capsys, db_url: str, *argv: str) -> tuple[int, str, str]:
    code = main([*argv, "--database-url", db_url])
    out, err = capsys.readouterr()
    return code, out, err


def add_account(engine, name: str, role: str, *, estates: tuple[str, ...] = (), areas: tuple[str, ...] = ()) -> None:
    """An account; a reviewer's areas through ``create_user(areas=...)`` when the store has
    it, else as rows of user_areas."""
    kw = {"areas": list(areas)} if areas and "areas" in inspect.signature(users.create_user).parameters else {}
    users.create_user(engine, system("test"), name, role=role, estates=list(estates), password=PW, **kw)
    if areas and not kw:
        with session_scope(engine, write=True) as s:
            uid = users.user_id_of(s, name)
            s.add_all(m.UserArea(user_id=uid, area_code=a) for a in areas)


@pytest.fixture
def accounts(engine) -> None:
    add_account(engine, "rev", "reviewer", areas=(AREA,))
    add_account(engine, "rev.north", "reviewer", areas=("CHACHOENGSAO",))
    add_account(engine, "off", "officer", estates=(ESTATE,))
    add_account(engine, "boss", "admin")
    add_account(engine, "gone", "reviewer", areas=(AREA,))
    users.disable_user(engine, system("test"), "gone")


def levels(capsys, db_url: str, *extra: str) -> dict:
    code, out, err = run(capsys, db_url, "levels", "--year", str(YEAR), "--json", *extra)
    assert (code, err) == (0, "")
    return json.loads(out)


def submission(capsys, db_url: str) -> dict:
    code, out, err = run(capsys, db_url, "submissions", "--year", str(YEAR), "--area", AREA, "--json")
    assert (code, err) == (0, "")
    rows = [json.loads(line) for line in out.splitlines()]
    assert all(set(r) == {"estate", "area", "status", "version", "submitted_at", "reviewed_at", "reviewed_by",
                          "due", "late"} for r in rows)
    return {r["estate"]: r for r in rows}[ESTATE]


def state(engine) -> list[tuple[int, str, bool, str | None]]:
    with session_scope(engine) as s:
        return [(x.version, x.status, x.is_current, x.reviewed_by) for x in s.scalars(
            select(m.Submission).where(m.Submission.estate_code == ESTATE).order_by(m.Submission.version))]


def corrected(tmp_path: Path, fw, make_data) -> Path:
    """Another workbook for the same estate and year (different values)."""
    path = tmp_path / f"{YEAR}_{ESTATE}_corrected.xlsx"
    path.write_bytes(write_submission(fw, make_data(ESTATE, YEAR, n=3)))
    return path


def test_pending_returned_then_corrected_and_accepted(db_url, engine, accounts, capsys, tmp_path, fw, make_data):
    assert run(capsys, db_url, "import", str(GOOD), "--json")[0] == 0
    # Pending: not published, counted only with --include-pending.
    assert levels(capsys, db_url) == {"year": YEAR, "areas": [], "estates": []}
    pending = levels(capsys, db_url, "--include-pending")
    assert [(e["code"], e["status"]) for e in pending["estates"]] == [(ESTATE, "pending")]
    assert [(a["code"], a["estates_reporting"]) for a in pending["areas"]] == [(AREA, 1)]
    assert set(pending["areas"][0]) == {"code", "level", "level_key", "overall_score", "estates_reporting"}
    assert set(pending["estates"][0]) == {"code", "level", "level_key", "overall_score", "status"}
    row = submission(capsys, db_url)
    assert (row["area"], row["status"], row["version"], row["reviewed_by"]) == (AREA, "pending", 1, None)

    # The area's reviewer returns it with a comment on one indicator.
    code, out, err = run(capsys, db_url, "review", ESTATE, str(YEAR), "return", "--as", "rev",
                         "--indicator", "ENV-01=ตรวจมิเตอร์อีกครั้ง", "--version", "1", "--json", "--lang", "en")
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert (result["version"], result["status"], result["reviewed_by"]) == (1, "returned", "rev")
    assert (result["level"], result["area"], result["area_level"]) == (None, AREA, None)
    row = submission(capsys, db_url)
    assert (row["status"], row["reviewed_by"]) == ("returned", "rev") and row["reviewed_at"]
    with session_scope(engine) as s:
        assert [(n.indicator_code, n.comment) for n in s.scalars(select(m.ReviewNote))] == [
            ("ENV-01", "ตรวจมิเตอร์อีกครั้ง")]
        [entry] = audit.list_entries(s, action="submission.returned")
        assert (entry.actor, entry.target) == ("rev", f"{ESTATE}/{YEAR}")
    assert levels(capsys, db_url)["estates"] == []  # still nothing published

    # A corrected workbook comes in: pending again; the reviewer accepts it.
    assert run(capsys, db_url, "import", str(corrected(tmp_path, fw, make_data)), "--json")[0] == 0
    assert submission(capsys, db_url)["status"] == "pending"
    expected = levels(capsys, db_url, "--include-pending")
    code, out, err = run(capsys, db_url, "review", ESTATE, str(YEAR), "accept", "--as", "rev", "--lang", "en")
    assert (code, err) == (0, "")
    published = levels(capsys, db_url)
    assert published["estates"] == [dict(expected["estates"][0], status="accepted")]
    assert published["areas"] == expected["areas"]
    lv = published["estates"][0]["level"]
    assert out.splitlines() == [
        f"{ESTATE}, FY {YEAR} (B.E.): version 2 accepted by rev.",
        f"Estate {ESTATE}: {lv} {fw.level(lv).name_en}",
        f"Area {AREA}: {published['areas'][0]['level']} {fw.level(published['areas'][0]['level']).name_en}"]
    assert state(engine) == [(1, "returned", False, "rev"), (2, "accepted", True, "rev")]
    assert submission(capsys, db_url)["status"] == "accepted"


@pytest.mark.parametrize(("user", "reason"), [("off", "not_reviewer"), ("rev.north", "other_area")])
def test_who_may_not_review_is_refused_with_status_2(db_url, engine, accounts, capsys, user, reason):
    assert run(capsys, db_url, "import", str(GOOD), "--json")[0] == 0
    before = state(engine)
    code, out, err = run(capsys, db_url, "review", ESTATE, str(YEAR), "accept", "--as", user, "--lang", "en")
    assert (code, out) == (2, "")
    assert err.startswith("ecocity: ") and err.strip().endswith("Nothing was changed.")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert state(engine) == before == [(1, "pending", False, None)]
    with session_scope(engine) as s:
        [entry] = audit.list_entries(s, action="submission.review")
        assert (entry.actor, entry.outcome) == (user, "denied")
    assert levels(capsys, db_url) == {"year": YEAR, "areas": [], "estates": []}


def test_nobody_reviews_their_own_upload(db_url, engine, accounts, capsys, fw, make_data):
    from ecocity.store import store_submission

    with session_scope(engine) as s:
        boss = users.actor_for(s, "boss")
    data = make_data(ESTATE, YEAR)
    store_submission(engine, data, filename="mine.xlsx", content=write_submission(fw, data), by=boss)
    code, out, err = run(capsys, db_url, "review", ESTATE, str(YEAR), "accept", "--as", "boss", "--lang", "en")
    assert (code, out) == (2, "")
    assert "boss stored this version" in err and "nobody reviews their own upload" in err
    assert state(engine) == [(1, "pending", False, None)]
    # Another reviewer may; Thai by default.
    code, out, err = run(capsys, db_url, "review", ESTATE, str(YEAR), "accept", "--as", "rev")
    assert (code, err) == (0, "") and "ผ่านการตรวจรับ" in out
    assert state(engine) == [(1, "accepted", True, "rev")]


def test_unknown_or_disabled_account_is_a_usage_error(db_url, engine, accounts, capsys):
    assert run(capsys, db_url, "import", str(GOOD), "--json")[0] == 0
    for user in ("nobody", "gone"):
        code, out, err = run(capsys, db_url, "review", ESTATE, str(YEAR), "accept", "--as", user, "--lang", "en")
        assert (code, out) == (2, "")
        assert err == f"ecocity: No active account {user}: check the name with `ecocity users list` " \
                      "(a disabled account reviews nothing). Nothing was changed.\n"
    assert state(engine) == [(1, "pending", False, None)]


def test_what_the_store_refuses_is_status_1(db_url, engine, accounts, capsys):
    # Nothing to review yet.
    code, out, err = run(capsys, db_url, "review", ESTATE, str(YEAR), "accept", "--as", "rev", "--lang", "en")
    assert (code, out) == (1, "") and err == f"ecocity: {ESTATE} has no data for fiscal year {YEAR} to review.\n"
    assert run(capsys, db_url, "import", str(GOOD), "--json")[0] == 0
    # A return says what to correct; indicator codes must exist.
    code, _, err = run(capsys, db_url, "review", ESTATE, str(YEAR), "return", "--as", "rev", "--lang", "en")
    assert code == 1 and "needs a comment" in err
    code, _, err = run(capsys, db_url, "review", ESTATE, str(YEAR), "return", "--as", "rev", "--lang", "en",
                       "--indicator", "NOPE-99=why")
    assert code == 1 and "NOPE-99" in err
    # The version looked at is no longer the newest.
    code, _, err = run(capsys, db_url, "review", ESTATE, str(YEAR), "accept", "--as", "rev", "--version", "7")
    assert code == 1 and err.startswith("ecocity: ") and "7" in err
    assert state(engine) == [(1, "pending", False, None)]
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(m.ReviewNote)) == 0


@pytest.mark.parametrize("bad", ["ENV-01", "=text", "ENV-01=a|ENV-01=b"])
def test_malformed_indicator_comments_are_usage_errors(db_url, capsys, bad):
    args = [a for b in bad.split("|") for a in ("--indicator", b)]
    code, out, err = run(capsys, db_url, "review", ESTATE, str(YEAR), "return", "--as", "rev", "--lang", "en", *args)
    assert (code, out) == (2, "") and err.startswith("ecocity: --indicator")


def test_submissions_table_counts_each_status(db_url, engine, capsys):
    assert run(capsys, db_url, "import", str(GOOD), "--json")[0] == 0
    code, out, err = run(capsys, db_url, "submissions", "--year", str(YEAR), "--area", AREA.lower(), "--lang", "en")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == f"Submissions, FY {YEAR} (B.E.) (no due date set)"
    assert lines[1].split()[:4] == ["estate", "area", "status", "version"]
    [mine] = [line for line in lines if line.startswith(f"{ESTATE} ")]
    assert "pending review" in mine and "cli:operator" in mine
    assert lines[-1] == ("6 estates: pending review 1 · returned for correction 0 · accepted 0 · "
                         "no submission 5 · late 0")
    # Every registry estate without a filter; an unknown area or region is a usage error.
    code, out, _ = run(capsys, db_url, "submissions", "--year", str(YEAR), "--json")
    with session_scope(engine) as s:
        assert len(out.splitlines()) == s.scalar(select(func.count()).select_from(m.Estate))
    code, out, _ = run(capsys, db_url, "submissions", "--year", str(YEAR), "--region", "east", "--json")
    assert code == 0 and {json.loads(line)["estate"] for line in out.splitlines()} >= {ESTATE}
    assert run(capsys, db_url, "submissions", "--year", str(YEAR), "--area", "NOWHERE")[0] == 2
    assert run(capsys, db_url, "submissions", "--year", str(YEAR), "--region", "Atlantis")[0] == 2
    assert run(capsys, db_url, "submissions", "--year", "2023")[0] == 2  # a C.E. year


def test_levels_table(db_url, capsys, fw):
    assert run(capsys, db_url, "import", str(GOOD), "--accept", "--json")[0] == 0
    code, out, err = run(capsys, db_url, "levels", "--year", str(YEAR), "--lang", "en")
    assert (code, err) == (0, "")
    lv = levels(capsys, db_url)["estates"][0]["level"]
    assert out.splitlines()[0] == f"Levels, FY {YEAR} (B.E.): published data only"
    assert "Areas" in out and "Estates" in out
    [mine] = [line for line in out.splitlines() if line.startswith(f"{ESTATE} ")]
    assert f"{lv} {fw.level(lv).name_en}" in mine and mine.endswith("accepted")
    code, out, _ = run(capsys, db_url, "levels", "--year", "2570", "--lang", "en")
    assert code == 0 and out.splitlines()[-1] == "No levels for this year."


def test_due_date_set_shown_and_cleared(db_url, engine, capsys):
    code, out, err = run(capsys, db_url, "due", "--year", str(YEAR), "--date", "2566-12-31", "--lang", "en")
    assert (code, err) == (0, "") and out == f"Reports for FY {YEAR} (B.E.) are due on 31 Dec 2023.\n"
    row = submission(capsys, db_url)
    assert (row["due"], row["status"], row["late"]) == ("2023-12-31", "none", True)
    with session_scope(engine) as s:
        [entry] = audit.list_entries(s, action="calendar.due_set")
        assert (entry.actor, entry.role) == ("cli:operator", "admin")
    code, out, _ = run(capsys, db_url, "due", "--year", str(YEAR), "--clear", "--lang", "en")
    assert code == 0 and out == f"No due date for FY {YEAR} (B.E.) any more.\n"
    assert submission(capsys, db_url)["due"] is None
    code, _, err = run(capsys, db_url, "due", "--year", str(YEAR), "--date", "31/12/2023", "--lang", "en")
    assert code == 2 and "YYYY-MM-DD" in err
    with pytest.raises(SystemExit) as exc:  # --date or --clear, not both, not neither
        main(["due", "--year", str(YEAR), "--database-url", db_url])
    assert exc.value.code == 2


def test_reading_commands_never_create_a_database(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'none.sqlite3'}"
    for argv in (["submissions", "--year", "2566"], ["levels", "--year", "2566"]):
        code, out, err = run(capsys, url, *argv, "--lang", "en")
        assert (code, out) == (2, "") and err.startswith("ecocity: cannot read the database: no database at")
    assert not (tmp_path / "none.sqlite3").exists()
