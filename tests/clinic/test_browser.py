"""The clinic report and the review page's client view in a real headless Chromium
(Debian's /usr/bin/chromium driven by Selenium, as tests/audit/test_review.py): the plots
render, the report prints, a person's assignment made on the review page lands in the
ledger's trail. Screenshots are kept for a person to look at (SRS_SCAN_SCREENSHOTS=DIR)."""

from __future__ import annotations

import base64
import os
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from caseload import generate
from click.testing import CliRunner
from feed import feed

from srs_scan.audit.review import make_server
from srs_scan.cli import main

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def _browser(width=1300, height=1400):
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if os.environ.get("SRS_SCAN_REQUIRE_BROWSER"):
            pytest.fail("Chromium and ChromeDriver are needed (apt-get install chromium chromium-driver)")
        pytest.skip("Chromium and ChromeDriver are not installed (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--hide-scrollbars", f"--window-size={width},{height}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


@pytest.fixture
def browser():
    driver = _browser()
    yield driver
    driver.quit()


def _keep(tmp_path: Path, name: str, data: bytes) -> Path:
    where = Path(os.environ.get("SRS_SCAN_SCREENSHOTS") or tmp_path)
    where.mkdir(parents=True, exist_ok=True)
    (where / name).write_bytes(data)
    return where / name


@pytest.fixture
def small_caseload(tmp_path):
    truth = generate(12, seed=5, max_sessions=9)
    db, csv_path, ids = feed(truth, tmp_path, review={(truth[0].id, 2, "srs")})
    runner = CliRunner()
    assert runner.invoke(main, ["assign", "--file", str(csv_path), "--by", "clerk", "--db", str(db)]).exit_code == 0
    out = runner.invoke(main, ["correct", ids[(truth[0].id, 1, "ors")], "--item", "1", "--mm", "45", "--by", "Dr A",
                               "--reason", "misread", "--db", str(db)])
    assert out.exit_code == 0, out.output
    return truth, db, ids


def test_the_report_renders_and_prints_in_a_browser(small_caseload, browser, tmp_path):
    from selenium.webdriver.common.by import By

    truth, db, _ = small_caseload
    report = tmp_path / "report.html"
    out = CliRunner().invoke(main, ["report", "--db", str(db), "-o", str(report)])
    assert out.exit_code == 0, out.output
    browser.get(report.as_uri())
    plots = browser.find_elements(By.CSS_SELECTOR, "section.client svg")
    assert len(plots) == len(truth)
    for plot in plots[:3]:
        assert plot.size["height"] > 120 and plot.size["width"] > 400
    # the shared axes are drawn under every plot: the <use> finds its group
    assert browser.execute_script(
        "const uses = [...document.querySelectorAll('section.client svg > use[href^=\"#srs-plot-axes\"]')];"
        "return uses.length === arguments[0] && uses.every("
        "u => document.querySelector(u.getAttribute('href')) !== null)", len(truth))
    first = browser.find_element(By.CSS_SELECTOR, "h2").text
    assert first.startswith("Before the next session")
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1300, min(height, 16000))
    path = _keep(tmp_path, "report.png", browser.get_screenshot_as_png())
    assert path.stat().st_size > 50_000
    # one client's section, close up
    section = browser.find_element(By.ID, f"client-{truth[0].id}")
    _keep(tmp_path, "report-client.png", section.screenshot_as_png)
    pdf = base64.b64decode(browser.print_page())
    assert pdf[:5] == b"%PDF-" and pdf.count(b"/Type /Page") > 2
    printed = _keep(tmp_path, "report-print.pdf", pdf)
    import pypdfium2

    doc = pypdfium2.PdfDocument(str(printed))
    for i in (0, 1):  # the printed pages, as pictures to look at
        image = doc[i].render(scale=1.2).to_pil()
        image.save(printed.with_name(f"report-print-{i + 1}.png"))
        assert image.size[1] > image.size[0]  # portrait pages
    doc.close()


@pytest.fixture
def server(small_caseload):
    _, db, _ = small_caseload
    srv = make_server(db)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    srv.state.ledger.close()


def test_the_review_page_shows_clients_and_takes_assignments(small_caseload, server, browser, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    truth, db, ids = small_caseload
    wait = WebDriverWait(browser, 20)
    browser.get(server.url)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#pages li"))
    browser.find_element(By.ID, "tab-clients").click()
    wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#clients li")) == len(truth))
    browser.find_element(By.CSS_SELECTOR, f'#clients li[data-client="{truth[0].id}"]').click()
    plot = wait.until(ec.visibility_of_element_located((By.ID, "client-plot")))
    wait.until(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", plot))
    assert browser.find_element(By.ID, "client-title").text == f"Client {truth[0].id}"
    rows = browser.find_elements(By.CSS_SELECTOR, "#client-sessions tbody tr")
    assert len(rows) == len(truth[0].sessions)
    assert "(corrected)" in rows[0].text and "(to review)" in rows[1].text
    _keep(tmp_path, "review-client.png", browser.get_screenshot_as_png())

    # a person assigns a page on the review page: it lands in the trail, via 'review'
    page_id = ids[(truth[1].id, 1, "srs")]
    rows[0].find_element(By.TAG_NAME, "a").click()  # the client's first page opens
    wait.until(lambda d: d.find_element(By.ID, "detail").is_displayed())
    browser.execute_script("arguments[0].click()", browser.find_elements(By.CSS_SELECTOR, "#tab-pages")[0])
    browser.find_element(By.CSS_SELECTOR, f'#pages li[data-page-id="{page_id}"]').click()
    wait.until(lambda d: page_id in d.find_element(By.ID, "meta").text)
    browser.find_element(By.ID, "by").clear()
    browser.find_element(By.ID, "by").send_keys("Dr Rivera")
    browser.find_element(By.ID, "as-date").send_keys("2026-04-01")
    browser.find_element(By.ID, "as-therapist").send_keys("T9")
    browser.find_element(By.ID, "as-save").click()
    wait.until(lambda d: "Saved" in d.find_element(By.ID, "as-message").text)
    assert "therapist T9" in browser.find_element(By.ID, "as-current").text
    with sqlite3.connect(db) as con:
        row = con.execute("SELECT client, session, date, therapist, by, via FROM assignments ORDER BY id DESC"
                          " LIMIT 1").fetchone()
    assert row == (truth[1].id, 1, "2026-04-01", "T9", "Dr Rivera", "review")
    # a name is not an ID: refused, nothing written
    browser.find_element(By.ID, "as-client").send_keys("Jane Doe")
    browser.find_element(By.ID, "as-save").click()
    wait.until(lambda d: "Not saved" in d.find_element(By.ID, "as-message").text)
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM assignments WHERE client = 'Jane Doe'").fetchone()[0] == 0
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)
