"""Great Expectations Data Docs that render with no internet.

GE 1.x writes pages that load jQuery, Popper, Bootstrap, bootstrap-table, bootstrap-datepicker,
bootstrap-dark, Font Awesome and Vega from CDNs, and its logo from S3 (with the data context id in
the query). Offline the index page is blank, because bootstrap-table builds its tables in the
browser, and the validation pages are unstyled. The URLs are fixed in GE's templates and its site
builder cannot be told otherwise (custom views only add templates, they do not replace GE's), so
after GE writes a site, :func:`make_offline` copies the vendored files (``data_docs_static/``, with
their licenses and provenance in its README) into the site's ``static/vendor/`` and points the pages
at them. Links to GE's documentation stay: they are plain links, not assets.

The map below holds every asset URL that GE 1.24 writes; ``tests/quality/test_data_docs.py`` fails
when a GE upgrade adds one.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)

VENDORED = Path(__file__).parent / "data_docs_static"

# where the site's pages find the vendored files: static/vendor/<package>-<version>/...
SITE_VENDOR = "vendor"

_FILTER_CONTROL_CSS = "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.css"

# every CDN asset a GE 1.24 page loads -> its copy under data_docs_static/
CDN_COPIES: dict[str, str] = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery-3.7.1/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.js-1.12.9/popper.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap-4.3.1/bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap-4.3.1/bootstrap.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css":
        "bootstrap-table-1.19.1/bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js":
        "bootstrap-table-1.19.1/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.js",
    # GE links the filter-control stylesheet of 1.19.0 (minified on the index, plain on the other
    # pages): its two rules are the same in 1.19.1
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        _FILTER_CONTROL_CSS,
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        _FILTER_CONTROL_CSS,
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.js",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "bootstrap-dark-1.1.0/bootstrap-prefers-dark.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css":
        "fontawesome-free-6.6.0/css/all.min.css",
    # GE asks for the newest 5.x / 6.x: these are the newest when vendored
    "https://cdn.jsdelivr.net/npm/vega@5": "vega-5.33.1/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite-5.23.0/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed-6.29.0/vega-embed.min.js",
}

# GE's logo, light (the navbar's image) and dark (the navbar's background in dark mode); the query
# carries the data context id. GE ships the light one in the site's static/images; the dark one
# exists only online, so dark mode shows the light one on a light background.
_GE_ASSETS = r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/"
_GE_LOGO = re.compile(_GE_ASSETS + r"logo-long\.png(?:\?[^\"')\s]*)?")
_GE_DARK_LOGO = re.compile(r"url\((['\"]?)" + _GE_ASSETS + r"full_logo_dark\.png\1\)")
_LOCAL_LOGO = "images/logo-long.png"

_LOADING_TAG = re.compile(r"<(?:script|link|img|source|iframe|embed)\b[^>]*>", re.IGNORECASE)
_TAG_URL = re.compile(r"""\s(?:src|href)\s*=\s*["']([^"']*)["']""", re.IGNORECASE)
_CORS_ATTRIBUTE = re.compile(r"""\s+(?:integrity|crossorigin)\s*=\s*["'][^"']*["']""", re.IGNORECASE)
_CSS_URL = re.compile(r"""(?:url\(\s*["']?|@import\s+["'])([^"')\s]+)""", re.IGNORECASE)
_SITE_STATIC = re.compile(r"^(?:\./|(?:\.\./)*)static/(.+)$")
_EXTERNAL = re.compile(r"^(?:https?:)?//", re.IGNORECASE)


def asset_urls(text: str) -> list[str]:
    """The URLs a page or stylesheet loads to render: script, stylesheet, icon, image, frame
    sources and CSS ``url()`` / ``@import``. Plain ``<a href>`` links are not assets."""
    urls = [found.group(1) for tag in _LOADING_TAG.finditer(text) for found in _TAG_URL.finditer(tag.group(0))]
    return urls + [found.group(1) for found in _CSS_URL.finditer(text) if not found.group(1).startswith("data:")]


def external_assets(text: str) -> list[str]:
    """The assets of a page or stylesheet that would be fetched from the internet."""
    return [url for url in asset_urls(text) if _EXTERNAL.match(url)]


def localise(text: str, static: str) -> str:
    """A page's text with every CDN asset pointing at its vendored copy, GE's logo at the one in
    the site and links into the site's static folder made right (``static``: that folder relative
    to the page). The integrity and crossorigin attributes go with the CDN URL: a page opened from
    a file cannot make the CORS request they ask for, so the browser would refuse the local
    script. The vendored files are the ones those integrity hashes name (tests/quality/test_data_docs.py)."""

    def _tag(match: re.Match) -> str:
        tag = match.group(0)
        found = _TAG_URL.search(tag)
        if found is None:
            return tag
        url = found.group(1)
        if url in CDN_COPIES:
            return _CORS_ATTRIBUTE.sub("", tag.replace(url, f"{static}/{SITE_VENDOR}/{CDN_COPIES[url]}"))
        in_static = _SITE_STATIC.match(url)
        # GE counts one folder too few for the favicon of validation pages: every link into the
        # site's static folder is made relative to the page again
        return tag.replace(url, f"{static}/{in_static.group(1)}") if in_static else tag

    text = _GE_DARK_LOGO.sub(f"url('{static}/{_LOCAL_LOGO}') #f8f9fa", _LOADING_TAG.sub(_tag, text))
    return _GE_LOGO.sub(f"{static}/{_LOCAL_LOGO}", text)


def _write_atomically(path: Path, text: str | None = None, source: Path | None = None) -> None:
    """Replace ``path`` in one step, so that a browser or another check never reads half a file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if source is not None:
        shutil.copyfile(source, temporary)
    else:
        temporary.write_text(text or "", encoding="utf-8")
    os.replace(temporary, path)


def _copy_vendored(static_dir: Path) -> None:
    """Copy data_docs_static/ into the site's static/vendor/ (files already there with the same
    size are kept: the copy is 2.7 MB and every check run calls this)."""
    for source in VENDORED.rglob("*"):
        if not source.is_file() or source.name == "README.md":
            continue
        target = static_dir / SITE_VENDOR / source.relative_to(VENDORED)
        if target.is_file() and target.stat().st_size == source.stat().st_size:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(target, source=source)


def make_offline(site_dir: Path, pages: Iterable[Path] | None = None) -> list[str]:
    """Make a Data Docs site render with no internet: copy the vendored assets into it and point
    ``pages`` (default: every HTML file of the site) and GE's default stylesheet at local files.
    Rewriting is idempotent. Returns the external assets left (none for GE 1.24), and logs them."""
    static_dir = site_dir / "static"
    static_dir.mkdir(parents=True, exist_ok=True)
    _copy_vendored(static_dir)
    styles = sorted((static_dir / "styles").glob("*.css"))
    targets = [*styles, *(sorted(site_dir.rglob("*.html")) if pages is None else pages)]
    left = []
    for path in targets:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".html" and not text.rstrip().endswith("</html>"):
            log.warning("Data Docs page %s is incomplete (being written?): left as it is", path)
            continue
        static = Path(os.path.relpath(static_dir, path.parent)).as_posix()
        offline = localise(text, static)
        if offline != text:
            _write_atomically(path, offline)
        left += [f"{path.relative_to(site_dir)}: {url}" for url in external_assets(offline)]
    if left:
        log.warning("Data Docs assets still loaded from the internet: %s", "; ".join(left))
    return left
