"""The pages in a real browser: headless Chromium (Debian's chromium and chromium-driver)
against a real server process."""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "fixtures" / "server"))
from server_support import build_release, start_server, stop_server

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
if not (CHROMIUM and DRIVER):
    pytest.skip(
        "headless Chromium is not installed (apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    process, url = start_server(
        build_release(tmp_path_factory.mktemp("release")), "--workers", "1", "--threads", "2"
    )
    yield url
    stop_server(process)


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM  # type: ignore[assignment]
    profile = tempfile.mkdtemp(prefix="cartkg-chromium-")
    for flag in [*FLAGS, f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def wait(browser, condition, seconds: float = 20):  # type: ignore[no-untyped-def]
    return WebDriverWait(browser, seconds).until(condition)


def test_query_page_runs_a_query_and_shows_rows(browser, site) -> None:  # type: ignore[no-untyped-def]
    browser.get(site + "/")
    editor = wait(browser, ec.element_to_be_clickable((By.ID, "query")))
    # The editor highlights what is typed.
    editor.clear()
    editor.send_keys(
        "SELECT ?h ?label WHERE { ?h a cartkg:Hospital ; rdfs:label ?label } ORDER BY ?label"
    )
    wait(browser, lambda b: b.find_elements(By.CSS_SELECTOR, "#highlight .tok-keyword"))
    browser.find_element(By.ID, "run").click()
    table = wait(browser, ec.presence_of_element_located((By.ID, "results-table")))
    cells = [td.text for td in table.find_elements(By.CSS_SELECTOR, "tbody td")]
    assert cells == [
        "kg:alpha-hospital",
        "Alpha Hospital @en",
        "kg:beta-hospital",
        "Beta Hospital @en",
    ]
    link = table.find_element(By.CSS_SELECTOR, "tbody a")
    assert link.get_attribute("href") == site + "/id/alpha-hospital"
    downloads = browser.find_element(By.ID, "downloads").find_elements(By.TAG_NAME, "a")
    assert [a.text for a in downloads] == ["json", "xml", "csv", "tsv"]
    assert "rows in" in browser.find_element(By.ID, "status").text


def test_query_page_examples_and_errors(browser, site) -> None:  # type: ignore[no-untyped-def]
    browser.get(site + "/")
    example = wait(
        browser,
        ec.element_to_be_clickable((By.CSS_SELECTOR, 'button.example[data-name="labels_paged"]')),
    )
    example.click()
    assert "rdfs:label ?label" in browser.find_element(By.ID, "query").get_attribute("value")
    browser.find_element(By.ID, "run").click()
    table = wait(browser, ec.presence_of_element_located((By.ID, "results-table")))
    assert len(table.find_elements(By.CSS_SELECTOR, "tbody tr")) > 3
    editor = browser.find_element(By.ID, "query")
    editor.clear()
    editor.send_keys("SELECT ?s WHERE { ?s")
    browser.find_element(By.ID, "run").click()
    error = wait(browser, ec.visibility_of_element_located((By.ID, "error")))
    assert "Error 400" in error.text


def test_entity_page_shows_facts_and_sources(browser, site) -> None:  # type: ignore[no-untyped-def]
    browser.get(site + "/id/tisagenlecleucel")
    assert browser.find_element(By.ID, "label").text == "tisagenlecleucel"
    facts = browser.find_elements(By.CSS_SELECTOR, "#facts tr.fact")
    targets = next(f for f in facts if "targets antigen" in f.text)
    assert "CD19" in targets.text
    sources = targets.find_elements(By.CSS_SELECTOR, ".source")
    assert len(sources) == 2
    assert any("Another invented article, lines 7-8" in s.text for s in sources)
    assert any("The article says the product is aimed at CD19." in s.text for s in sources)
    targets.find_element(By.LINK_TEXT, "CD19").click()
    wait(browser, ec.text_to_be_present_in_element((By.ID, "label"), "CD19"))
    identifiers = browser.find_elements(By.CSS_SELECTOR, "#identifiers a")
    assert "http://identifiers.org/hgnc/1633" in [a.get_attribute("href") for a in identifiers]


def test_canned_query_page_form(browser, site) -> None:  # type: ignore[no-untyped-def]
    browser.get(site + "/queries/by_label")
    field = browser.find_element(By.NAME, "label")
    field.send_keys("CD19")
    browser.find_element(By.CSS_SELECTOR, "#params button[type=submit]").click()
    table = wait(browser, ec.presence_of_element_located((By.CSS_SELECTOR, "table.results")))
    assert "kg:cd19" in table.text
