"""Data Docs that render with no internet, and a check that links its own validation page.

One hand-made warehouse (a 1,000-row customer profile against a previous publish of 1,000) and its
check run twice as Dagster runs it, the second time on 500 rows: a pass, then a failure. Every
assertion reads the Data Docs site those two runs wrote."""

import base64
import hashlib
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dagster as dg
import duckdb
import pytest

from dagster_project.assets.quality import quality_checks
from dagster_project.resources import DuckDBWarehouse, ServingDatabase
from expectations.data_docs import CDN_COPIES, VENDORED, external_assets, make_offline
from expectations.engine import data_docs_index

SUITE = "mart_customer_profile_suite"
CDN_HOSTS = ("cdn.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com", "bootstrapcdn.com", "code.jquery.com",
             "amazonaws.com")


class _Assets(HTMLParser):
    """What a page loads (src/href of every tag but <a>, url() and @import in styles) and where its
    plain links go, read with the standard library's parser rather than the module's own regexes."""

    def __init__(self) -> None:
        super().__init__()
        self.assets: list[str] = []
        self.links: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name in ("src", "href"):
            if values.get(name):
                (self.links if tag == "a" else self.assets).append(values[name])
        self.assets += _css_urls(values.get("style") or "")
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.assets += _css_urls(data)


def _css_urls(css: str) -> list[str]:
    found = re.findall(r"""url\(\s*["']?([^"')\s]+)|@import\s+["']([^"']+)""", css)
    return [url or imported for url, imported in found if not (url or imported).startswith("data:")]


def _parse(page: Path) -> _Assets:
    parser = _Assets()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def _local(url: str) -> bool:
    return not re.match(r"^([a-z][a-z0-9+.-]*:|//|#)", url, re.IGNORECASE) and bool(url)


def _target(base: Path, url: str) -> Path:
    return (base.parent / unquote(urlsplit(url).path)).resolve()


def _status(page: Path) -> str:
    return re.search(r'Status:</span>\s*<i[^>]*></i>\s*(\w+)', page.read_text(encoding="utf-8")).group(1)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site after two runs of the check, and the two check results."""
    root = tmp_path_factory.mktemp("docs")
    warehouse, serving = root / "warehouse.duckdb", root / "serving.duckdb"
    with duckdb.connect(str(serving)) as con:
        con.execute("create schema _publish")
        con.execute("create table _publish.published_tables as "
                    "select 'mart_customer_profile' as table_name, 1000 as row_count")
    check = next(c for c in quality_checks if dg.AssetCheckKey(dg.AssetKey(["marts", "mart_customer_profile"]),
                                                                SUITE) in c.check_keys)
    results = []
    for rows in (1000, 500):  # within 30% of the previous publish, then not
        with duckdb.connect(str(warehouse)) as con:
            con.execute("create schema if not exists marts")
            con.execute(f"create or replace table marts.mart_customer_profile as "
                        f"select i as customer_key from range({rows}) as r(i)")
        results.append(check(dg.build_asset_check_context(), warehouse=DuckDBWarehouse(path=str(warehouse)),
                             serving=ServingDatabase(path=str(serving))))
    return data_docs_index(root / "quality_docs").parent, results


def _pages(site_dir: Path) -> list[Path]:
    return sorted(site_dir.rglob("*.html"))


def test_each_check_run_links_its_own_validation_page(site):
    site_dir, (passed, failed) = site
    assert (passed.passed, failed.passed) == (True, False)
    pages = [Path(result.metadata["data_docs"].value) for result in (passed, failed)]
    assert pages[0] != pages[1]
    for page, status in zip(pages, ("Succeeded", "Failed"), strict=True):
        assert page.is_file()
        assert page.parents[2] == site_dir / "validations" / SUITE
        assert _status(page) == status  # the page of that run, not the newest
        assert f'href="../../../../expectations/{SUITE}.html"' in page.read_text(encoding="utf-8")
    # the index lists both runs and links each page
    index = (site_dir / "index.html").read_text(encoding="utf-8")
    for page in pages:
        assert page.relative_to(site_dir).as_posix() in index


def test_no_page_loads_anything_from_the_internet(site):
    site_dir, _ = site
    pages = _pages(site_dir)
    assert len(pages) == 4  # the index, the suite, two validations
    for page in pages:
        parsed = _parse(page)
        assert parsed.assets, page
        assert [url for url in parsed.assets if not _local(url) and not url.startswith("data:")] == [], page
        text = page.read_text(encoding="utf-8")
        assert not [host for host in CDN_HOSTS if host in text], page
        assert " integrity=" not in text and "crossorigin" not in text  # file pages cannot make CORS requests
        assert external_assets(text) == []
    for stylesheet in site_dir.rglob("*.css"):
        assert [url for url in _css_urls(stylesheet.read_text(encoding="utf-8")) if not _local(url)] == [], stylesheet


def test_every_local_asset_and_link_exists(site):
    site_dir, _ = site
    for page in _pages(site_dir):
        parsed = _parse(page)
        for url in [*parsed.assets, *parsed.links]:
            if _local(url):
                assert _target(page, url).is_file(), f"{page.relative_to(site_dir)}: {url}"
    for stylesheet in site_dir.rglob("*.css"):  # Font Awesome's fonts, GE's logo
        for url in _css_urls(stylesheet.read_text(encoding="utf-8")):
            assert _target(stylesheet, url).is_file(), f"{stylesheet.relative_to(site_dir)}: {url}"


def test_making_a_site_offline_again_changes_nothing(site):
    site_dir, _ = site
    before = {page: page.read_bytes() for page in _pages(site_dir)}
    assert make_offline(site_dir) == []
    assert {page: page.read_bytes() for page in _pages(site_dir)} == before


def _ge_templates() -> Path:
    import great_expectations

    return Path(great_expectations.__file__).parent / "render" / "view" / "templates"


def test_every_cdn_asset_in_ge_templates_has_a_vendored_copy_with_its_license():
    templates = "".join(path.read_text(encoding="utf-8") for path in _ge_templates().glob("*.j2"))
    loaded = set(re.findall(r"""<(?:script|link)\b[^>]*?(?:src|href)="(https?://[^"]+)\"""", templates))
    assert loaded == set(CDN_COPIES)  # a GE upgrade that loads something new fails here
    for copy in set(CDN_COPIES.values()):
        package = VENDORED / copy.split("/")[0]
        assert (VENDORED / copy).is_file()
        assert list(package.glob("LICENSE*")), package


def test_vendored_scripts_are_the_files_ge_pins_by_hash():
    """GE names Popper and Bootstrap's script by an integrity hash: the vendored files are those."""
    imports = (_ge_templates() / "js_script_imports.j2").read_text(encoding="utf-8")
    pinned = dict(re.findall(r'src="([^"]+)" integrity="([^"]+)"', imports))
    assert len(pinned) == 2
    for url, integrity in pinned.items():
        algorithm, digest = integrity.split("-", 1)
        vendored = (VENDORED / CDN_COPIES[url]).read_bytes()
        assert base64.b64encode(hashlib.new(algorithm, vendored).digest()).decode() == digest


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _dom(page: Path) -> str:
    """The page as headless Chromium leaves it after its scripts ran, with every host unresolvable."""
    out = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                          "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=5000", "--dump-dom",
                          page.as_uri()], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
def test_the_index_renders_its_validation_table_offline(site):
    site_dir, (passed, failed) = site
    dom = _dom(site_dir / "index.html")
    # bootstrap-table built one row per run, each linking its page (a blank index has none)
    rows = re.findall(r'<tr class="clickable-row" data-href="(validations/[^"]+)"', dom)
    assert sorted(rows) == sorted(Path(r.metadata["data_docs"].value).relative_to(site_dir).as_posix()
                                  for r in (passed, failed))
    page = _dom(Path(failed.metadata["data_docs"].value))
    assert 'class="bootstrap-table bootstrap4"' in page  # the scripts of the validation page ran too
