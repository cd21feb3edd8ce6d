"""The gap report end to end: a generated log of thousands of questions through the real retriever,
anonymiser and clustering, rendered, checked by CSV content and opened in a real headless Chromium."""

from __future__ import annotations

import csv
import io
import os
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from privacy.anonymise import anonymise
from insights.demo_log import FAKE, make_demo_log
from insights.report_data import build_report
from insights.report_model import Period, ReportData
from insights.report_render import render_report
from knowledge_base.passages import load_collection
from knowledge_base.taxonomy import load_taxonomy
from core.settings import REPO_ROOT
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade_to_head
from storage.models import LoggedQuestionRow, Ticket
from tests.conftest import need_server

NOW = datetime(2026, 11, 20, 18, 0, tzinfo=timezone.utc)
SECTIONS = ("summary", "questions", "gaps", "content", "handoffs", "notes", "downloads")
ROWS = 2500


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, full_retriever, embedder) -> tuple[Engine, ReportData, Path]:  # noqa: ANN001
    """A demo log of 2,500 questions over 12 weeks, its report data and the rendered folder."""
    folder = tmp_path_factory.mktemp("report")
    engine = make_engine(f"sqlite:///{folder / 'log.db'}")
    upgrade_to_head(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        made = make_demo_log(session, full_retriever, anonymise, rows=ROWS, days=84, seed=11, now=NOW)
    assert made.questions == ROWS
    taxonomy = load_taxonomy(REPO_ROOT / "knowledge_base" / "taxonomy.yml")
    passages = load_collection(REPO_ROOT / "knowledge_base" / "content", taxonomy).passages
    with sessions() as session:
        data = build_report(session, Period(NOW - timedelta(days=84), NOW), taxonomy=taxonomy, passages=passages,
                            encode=embedder.encode, sla_hours=24, now=NOW)
    out = render_report(data, folder / "out").parent
    return engine, data, out


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_the_report_covers_the_demo_log_and_says_it_is_demo_data(demo) -> None:  # noqa: ANN001
    engine, data, out = demo
    with make_sessionmaker(engine)() as session:
        in_period = session.scalar(select(func.count()).select_from(LoggedQuestionRow).where(
            LoggedQuestionRow.asked_at >= data.period.start, LoggedQuestionRow.asked_at < data.period.end))
    assert data.demo and data.totals.questions == in_period > 2000
    assert sum(data.by_country.values()) == data.totals.questions
    assert set(data.by_language) == {"en", "fr", "ar", "fa", "uk"}
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "Demo data" in html


def test_csvs_hold_the_figures(demo) -> None:  # noqa: ANN001
    engine, data, out = demo
    cells = read_csv(out / "questions_by_country_topic.csv")
    assert sum(int(r["questions"]) for r in cells) == data.totals.questions
    assert sum(int(r["answered"]) for r in cells) == data.totals.answered
    weeks = read_csv(out / "questions_by_week.csv")
    assert len(weeks) == 12 and all(r["week"] for r in weeks)
    clusters = read_csv(out / "gap_clusters.csv")
    assert [int(r["size"]) for r in clusters] == [c.size for c in data.clusters]
    assert [int(r["size"]) for r in clusters] == sorted((int(r["size"]) for r in clusters), reverse=True)
    gaps = sum(int(r["gaps"]) for r in cells)
    assert sum(c.size for c in data.clusters) + data.unclustered_gaps == gaps
    # Passages that no answer came from: checked against the log itself.
    with make_sessionmaker(engine)() as session:
        used = {p["id"] for (ps,) in session.execute(select(LoggedQuestionRow.passages).where(
            LoggedQuestionRow.route == "answer", LoggedQuestionRow.asked_at >= data.period.start)) for p in ps}
        tickets = session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.created_at >= data.period.start, Ticket.created_at < data.period.end))
    never = {r["passage_id"] for r in read_csv(out / "content_never_used.csv")}
    assert never and not never & used
    assert sum(int(r["tickets"]) for r in read_csv(out / "handoffs_by_reason.csv")) == tickets == data.handoffs.tickets
    [reply] = read_csv(out / "handoff_first_reply.csv")
    assert 0 < float(reply["median_first_reply_hours"]) < float(reply["p90_first_reply_hours"])


def test_repeated_gaps_come_out_as_clusters(demo) -> None:  # noqa: ANN001
    _, data, _ = demo
    assert len(data.clusters) >= 10 and data.clusters[0].size >= 10
    # "Can I choose the city?" is a frequent gap theme in the demo questions: one of the bigger
    # groups must be about it, in plain words a curriculum lead recognises. (The demo draws on every
    # labelled set, so where it ranks depends on what the content answers: with 1,524 passages it fell
    # out of the top half; with every English passage translated (1,608) it is second, with 23.)
    top = data.clusters[:len(data.clusters) // 2]
    city = [c for c in top if sum("city" in e.lower() for e in c.examples) >= 2]
    assert city and city[0].size >= 5, [c.examples for c in top]
    assert {c.content_status for c in data.clusters} >= {"none", "weak"}
    for c in data.clusters:
        assert 1 <= len(c.examples) <= 3 and c.topic and sum(c.countries.values()) == c.size


def test_no_personal_data_reaches_the_report(demo) -> None:  # noqa: ANN001
    _, _, out = demo
    text = "\n".join(p.read_text(encoding="utf-8") for p in out.iterdir() if p.suffix in (".html", ".csv"))
    for kind in ("PHONE", "EMAIL", "NAME"):
        for value in FAKE[kind]:
            assert value not in text, (kind, value)
    assert "<NAME>" in text or "&lt;NAME&gt;" in text  # placeholders show where something was removed


def test_real_questions_are_reported_instead_of_demo_ones(tmp_path: Path, embedder) -> None:  # noqa: ANN001
    engine = make_engine(f"sqlite:///{tmp_path / 'mixed.db'}")
    upgrade_to_head(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as session:
        for source, n in (("demo", 30), ("bot", 7), ("replay", 50)):
            for i in range(n):
                session.add(LoggedQuestionRow(pseudonym=f"{source}-{i}", asked_at=NOW - timedelta(days=1),
                                              country="NO", language="en", text=f"question {i}", intent="ask_info",
                                              confidence=0.9, route="answer", topic="housing", passages=[],
                                              trainer_needed=False, source=source))
    taxonomy = load_taxonomy(REPO_ROOT / "knowledge_base" / "taxonomy.yml")
    with sessions() as session:
        data = build_report(session, Period(NOW - timedelta(days=30), NOW), taxonomy=taxonomy, passages=[],
                            encode=embedder.encode, sla_hours=24, now=NOW)
    assert not data.demo and data.totals.questions == 7  # replay traffic never, demo only when nothing real


def chromium_paths() -> tuple[str, str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not browser or not driver:
        need_server("Debian's chromium and chromium-driver are not installed (`make test` installs them as root)")
    return browser, driver  # type: ignore[return-value]


def test_the_page_renders_in_a_real_browser_with_every_section(demo, tmp_path: Path) -> None:  # noqa: ANN001
    from PIL import Image, ImageStat
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    browser, driver_path = chromium_paths()
    _, _, out = demo
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1366,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.get((out / "index.html").as_uri())
        # The whole page in one image, as a person scrolling through it would see it.
        height = driver.execute_script("return document.documentElement.scrollHeight")
        shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": 1366, "height": height, "scale": 1}})
        import base64

        path = tmp_path / "report.png"
        path.write_bytes(base64.b64decode(shot["data"]))
        image = Image.open(path).convert("L")
        assert image.size[0] == 1366 and image.size[1] == height > 3000
        for section in SECTIONS:
            element = driver.find_element(By.ID, section)
            assert element.is_displayed(), section
            box = driver.execute_script(
                "const r = arguments[0].getBoundingClientRect();"
                "return [r.left + window.scrollX, r.top + window.scrollY, r.width, r.height];", element)
            left, top, width, tall = (int(v) for v in box)
            assert width > 600 and tall > 60, (section, box)
            region = image.crop((left, top, left + width, min(top + tall, image.size[1])))
            # Something is drawn there: a blank or unstyled region has (almost) no contrast.
            assert ImageStat.Stat(region).stddev[0] > 20, section
            heading = element.find_element(By.CSS_SELECTOR, "h1, h2")
            assert heading.is_displayed() and heading.text.strip(), section
        # Every chart is drawn: inline SVG with a real size on screen.
        sizes = driver.execute_script(
            "return [...document.querySelectorAll('svg')].map(s => [s.getBoundingClientRect().width,"
            " s.getBoundingClientRect().height]);")
        assert len(sizes) >= 5 and all(w > 300 and h > 150 for w, h in sizes), sizes
        # Nothing was fetched from elsewhere: the page opens from a file or an e-mail.
        resources = driver.execute_script("return performance.getEntriesByType('resource').map(r => r.name);")
        assert all(not r.startswith("http") for r in resources), resources
    finally:
        driver.quit()
    if os.environ.get("SAFAR_KEEP_SCREENSHOT"):
        shutil.copy(path, os.environ["SAFAR_KEEP_SCREENSHOT"])


def test_the_desk_in_numbers_by_week_and_reason(sqlite_engine: Engine) -> None:
    """First reply, resolution, past the SLA and reassignments, from tickets with known times."""
    from handoff import queue as q
    from insights.report_data import handoff_stats

    upgrade_to_head(sqlite_engine)
    monday = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
    with make_sessionmaker(sqlite_engine).begin() as s:
        quick = q.open_ticket(session=s, pseudonym="p1", chat_id=1, question="flat?", reason="below_confidence_gate",
                              now=monday).ticket.id
        q.claim(session=s, ticket_id=quick, trainer_id=5, now=monday + timedelta(hours=1))
        q.answer(session=s, ticket_id=quick, trainer_id=5, text="Here.", now=monday + timedelta(hours=2))
        q.close(session=s, ticket_id=quick, trainer_id=5, now=monday + timedelta(hours=4))
        voice = q.attach_media(session=s, pseudonym="p2", chat_id=2, media=q.Media("voice", 2, 7),
                               now=monday + timedelta(days=7)).ticket.id
        q.claim(session=s, ticket_id=voice, trainer_id=5, now=monday + timedelta(days=7, hours=1))
        q.reassign(session=s, ticket_id=voice, to=6, now=monday + timedelta(days=8))
        q.answer(session=s, ticket_id=voice, trainer_id=6, text="", media=q.Media("voice", -1, 8),
                 now=monday + timedelta(days=8, hours=6))  # 30 h after the voice note: past a 24 h SLA
        q.attach_media(session=s, pseudonym="p3", chat_id=3, media=q.Media("photo", 3, 9),
                       now=monday + timedelta(days=9))  # never answered: past the SLA by the end
    with make_sessionmaker(sqlite_engine)() as s:
        stats = handoff_stats(s, Period(monday, monday + timedelta(days=14)), demo=False, sla_hours=24)
    assert (stats.tickets, stats.past_sla, stats.reassigned) == (3, 2, 1)
    weeks = {r.key: r for r in stats.by_week_desk}
    assert weeks["2026-11-02"].median_first_reply_hours == 2.0 and weeks["2026-11-02"].median_resolution_hours == 4.0
    assert weeks["2026-11-09"].tickets == 2 and weeks["2026-11-09"].median_first_reply_hours == 30.0
    reasons = {r.key: r for r in stats.by_reason_desk}
    assert (reasons["voice"].tickets, reasons["voice"].reassigned, reasons["voice"].past_sla) == (1, 1, 1)
    assert reasons["media"].replied == 0 and reasons["media"].median_resolution_hours is None
