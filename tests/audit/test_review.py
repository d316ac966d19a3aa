"""srs-scan review: the local server's guards (token, Host, Origin, no change on GET), and
the page driven in a real headless Chromium: a correction made there lands in the
ledger and in the exports."""

from __future__ import annotations

import http.client
import json
import os
import shutil
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from srs_scan.audit import draw
from srs_scan.audit import select as audit
from srs_scan.audit.review import make_server
from srs_scan.cli import main
from srs_scan.ledger.store import Ledger

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


@pytest.fixture
def server(audit_stack):
    srv = make_server(audit_stack.db)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    srv.state.ledger.close()


def _request(srv, method, path, *, body=None, headers=None, host=None):
    con = http.client.HTTPConnection("127.0.0.1", srv.state.port, timeout=10)
    hdrs = {"Host": host or f"127.0.0.1:{srv.state.port}", **(headers or {})}
    data = json.dumps(body).encode() if body is not None else None
    if data is not None:
        hdrs.setdefault("Content-Type", "application/json")
    con.request(method, path, body=data, headers=hdrs)
    resp = con.getresponse()
    payload = resp.read()
    con.close()
    return resp, payload


def _trail_rows(db) -> int:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT count(*) FROM corrections").fetchone()[0]


def _page_id(stack, name):
    records = [json.loads(x) for x in stack.jsonl.read_text().splitlines()]
    return next(r["page_id"] for r in records if r["source"].endswith(name))


def test_the_server_listens_on_this_computer_only(server):
    assert server.server_address[0] == "127.0.0.1"
    assert server.url.startswith(f"http://127.0.0.1:{server.state.port}/?token=")


def test_forged_corrections_are_refused_and_change_nothing(server, audit_stack):
    page = _page_id(audit_stack, "c_ors.png")
    good = {"page_id": page, "item": 1, "mm": 10.0, "by": "Mallory", "reason": "forged"}
    token = server.state.token
    origin = f"http://127.0.0.1:{server.state.port}"
    attempts = [
        ({}, None),  # no token at all
        ({"X-SRS-Token": "wrong"}, None),
        ({"Cookie": f"srs_scan_review_{server.state.port}={token}"}, None),  # the cookie alone (CSRF)
        ({"X-SRS-Token": token, "Origin": "http://evil.example"}, None),  # another site's page
        ({"X-SRS-Token": token}, "evil.example"),  # DNS rebinding: another Host
        ({"X-SRS-Token": token, "Content-Type": "text/plain"}, None),  # a simple cross-site form post
    ]
    for headers, host in attempts:
        resp, payload = _request(server, "POST", "/api/correct", body=good, headers=headers, host=host)
        assert resp.status in (403, 415), (headers, host, resp.status)
    # no state change on GET, even with the token
    resp, _ = _request(server, "GET", "/api/correct?" + "&".join(f"{k}={v}" for k, v in good.items()),
                       headers={"X-SRS-Token": token})
    assert resp.status == 404
    for method in ("PUT", "DELETE"):
        resp, _ = _request(server, method, "/api/correct", body=good, headers={"X-SRS-Token": token})
        assert resp.status == 405
    assert _trail_rows(audit_stack.db) == 0
    # the same request, properly made, is taken
    resp, payload = _request(server, "POST", "/api/correct", body=good,
                             headers={"X-SRS-Token": token, "Origin": origin})
    assert resp.status == 200, payload
    assert json.loads(payload)["items"][0]["mm"] == 10.0
    assert _trail_rows(audit_stack.db) == 1


def test_pages_and_images_need_the_token(server, audit_stack):
    page = _page_id(audit_stack, "c_ors.png")
    for path in ("/", "/api/pages", f"/api/page/{page}", f"/image/{page}/audit.jpg", "/app.js"):
        resp, payload = _request(server, "GET", path)
        assert resp.status == 403, path
        assert b"C-00" not in payload and b"ORS" not in payload
    resp, _ = _request(server, "GET", "/?token=wrong")
    assert resp.status == 403
    resp, _ = _request(server, "GET", f"/?token={server.state.token}")
    assert resp.status == 303 and resp.getheader("Location") == "/"
    cookie = resp.getheader("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    jar = cookie.split(";")[0]
    resp, payload = _request(server, "GET", "/api/pages", headers={"Cookie": jar})
    assert resp.status == 200 and len(json.loads(payload)["pages"]) == 3
    assert resp.getheader("Cache-Control") == "no-store"
    resp, payload = _request(server, "GET", f"/image/{page}/audit.jpg", headers={"Cookie": jar})
    assert resp.status == 200 and payload[:3] == b"\xff\xd8\xff"
    resp, _ = _request(server, "GET", "/api/pages", headers={"Cookie": jar}, host="localhost.evil:80")
    assert resp.status == 403


def test_bad_values_are_refused_with_a_reason(server, audit_stack):
    page = _page_id(audit_stack, "c_ors.png")
    headers = {"X-SRS-Token": server.state.token}
    for body, message in (
        ({"page_id": page, "item": 1, "mm": 120, "by": "A", "reason": "r"}, "0.0 to 100.0"),
        ({"page_id": page, "item": 1, "mm": 20, "by": "", "reason": "r"}, "who"),
        ({"page_id": page, "item": 1, "mm": 20, "by": "A", "reason": " "}, "why"),
        ({"page_id": page, "item": "1", "mm": 20, "by": "A", "reason": "r"}, "item"),
        ({"page_id": "0123456789ab", "item": 1, "mm": 20, "by": "A", "reason": "r"}, "no page"),
    ):
        resp, payload = _request(server, "POST", "/api/correct", body=body, headers=headers)
        assert resp.status == 400 and message in json.loads(payload)["error"]
    assert _trail_rows(audit_stack.db) == 0


# --- the page in a real browser -------------------------------------------------------------


def _browser():
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
                 "--window-size=1400,1200"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


@pytest.fixture
def browser(tmp_path):
    driver = _browser()
    yield driver
    driver.quit()
    shutil.rmtree(tmp_path / "profile", ignore_errors=True)


def test_a_correction_made_in_the_browser_lands_in_the_ledger_and_exports(server, audit_stack, browser, tmp_path):
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(browser, 20)
    browser.get(server.url)
    # the token went into a cookie and out of the address bar
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#pages li"))
    assert "token" not in browser.current_url
    items = browser.find_elements(By.CSS_SELECTOR, "#pages li")
    near = _page_id(audit_stack, "b_near.png")
    assert items[0].get_attribute("data-page-id") == near  # review page close to a cutoff first
    items[0].click()
    image = wait.until(ec.visibility_of_element_located((By.ID, "audit-image")))
    wait.until(lambda d: d.execute_script("return arguments[0].complete && arguments[0].naturalWidth > 0", image))

    # where 60.0 mm of line 3 is on the paper (the renderer's geometry), then in the drawn view
    truth = audit_stack.pages["b_near.png"]
    (left, right) = truth.lines_px[2]
    on_paper = np.array(left) + 0.60 * (np.array(right) - np.array(left))
    with _ledger(audit_stack.db) as ledger:
        page = audit.current(ledger, ledger.find(near))
    view = draw.render(audit.page_image(page.stored), page.result, page.stored.geometry)
    vx, vy = view.to_view @ np.append(on_paper, 1.0)
    natural_w = browser.execute_script("return arguments[0].naturalWidth", image)
    k = image.size["width"] / natural_w  # shown px per view px
    # bring that point to the middle of the window, then click it where it shows
    browser.execute_script(
        "const r = arguments[0].getBoundingClientRect();"
        "window.scrollBy(0, r.top + arguments[1] - window.innerHeight / 2);", image, vy * k)
    box = browser.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.left, r.top];", image)
    x, y = box[0] + vx * k, box[1] + vy * k
    actions = ActionBuilder(browser)
    actions.pointer_action.move_to_location(int(round(x)), int(round(y))).click()
    actions.perform()
    wait.until(lambda d: d.find_element(By.ID, "mm").get_attribute("value") != "")
    assert browser.find_element(By.ID, "item").get_attribute("value") == "3"
    clicked = float(browser.find_element(By.ID, "mm").get_attribute("value"))
    assert abs(clicked - 60.0) <= 0.5 / k / draw.VIEW_PPM + 0.3  # a screen pixel, and rounding

    # type the value instead: a decimal comma is a decimal point, never a thousands separator
    field = browser.find_element(By.ID, "mm")
    field.clear()
    field.send_keys("6,4")
    assert "(6.4 mm)" in browser.find_element(By.ID, "preview").text
    field.clear()
    field.send_keys("61.5")
    browser.find_element(By.ID, "by").send_keys("Dr Rivera")
    browser.find_element(By.ID, "reason").send_keys("the second mark is the client's")
    browser.find_element(By.ID, "save").click()
    wait.until(lambda d: "Saved" in d.find_element(By.ID, "message").text)
    row = browser.find_element(By.CSS_SELECTOR, '#items tbody tr[data-item="3"]')
    assert "61.5" in row.text and "corrected" in row.text

    with sqlite3.connect(audit_stack.db) as con:
        rows = con.execute("SELECT item, new_mm, by, reason, via FROM corrections").fetchall()
    assert rows == [(3, 61.5, "Dr Rivera", "the second mark is the client's", "review")]
    out = CliRunner().invoke(main, ["export", "--db", str(audit_stack.db), "--jsonl", str(tmp_path / "e.jsonl")])
    assert out.exit_code == 0, out.output
    rec = next(json.loads(x) for x in (tmp_path / "e.jsonl").read_text().splitlines() if near in x)
    assert rec["items"][2]["mm"] == 61.5 and rec["items"][2]["corrected"] is True and rec["corrected"] is True


def _ledger(path):
    from contextlib import closing

    return closing(Ledger(path))


def test_a_stale_page_cannot_overwrite_another_reviewers_correction(server, audit_stack):
    page = _page_id(audit_stack, "c_ors.png")
    headers = {"X-SRS-Token": server.state.token}
    seen = {"mm": 35.0, "status": "ok"}  # what both reviewers loaded (the machine read 35.0)
    first = {"page_id": page, "item": 1, "mm": 36.0, "by": "Alice", "reason": "r", "expected": seen}
    resp, _ = _request(server, "POST", "/api/correct", body=first, headers=headers)
    assert resp.status == 200
    second = {**first, "mm": 30.0, "by": "Bob", "expected": seen}
    resp, payload = _request(server, "POST", "/api/correct", body=second, headers=headers)
    assert resp.status == 409 and "changed since you loaded" in json.loads(payload)["error"]
    assert _trail_rows(audit_stack.db) == 1


@pytest.mark.parametrize("field, value", [("mm", True), ("missing", "false"), ("by", {"a": 1}), ("mm", 1e400),
                                          ("item", 1.0), ("page_id", 5)])
def test_loosely_typed_requests_are_refused(server, audit_stack, field, value):
    page = _page_id(audit_stack, "c_ors.png")
    body = {"page_id": page, "item": 1, "mm": 20.0, "by": "A", "reason": "r", field: value}
    raw = json.dumps(body).replace("Infinity", "1e400")
    con = http.client.HTTPConnection("127.0.0.1", server.state.port, timeout=10)
    con.request("POST", "/api/correct", body=raw.encode(), headers={
        "Host": f"127.0.0.1:{server.state.port}", "X-SRS-Token": server.state.token,
        "Content-Type": "application/json"})
    resp = con.getresponse()
    assert resp.status == 400, json.loads(resp.read())
    con.close()
    assert _trail_rows(audit_stack.db) == 0
