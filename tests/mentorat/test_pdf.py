"""PDF rendering reads the project's static files and data: URIs, and nothing else.

Every resource a rendered document refers to (images, style sheets, fonts, attachments) goes
through the URL fetcher of ``mentorat.pdf``: local paths outside the static folders, the sealing
certificate, other schemes and the network are refused and logged.
"""

import base64
import io
import logging
from pathlib import Path

import pytest
import segno
from django.conf import settings
from pypdf import PdfReader
from pypdf.generic import StreamObject

from mentorat.pdf import RessourceRefusee, html_vers_pdf, url_fetcher

CSS_PROJET = 'p::after { content: " mis en forme"; }'


def png() -> bytes:
    tampon = io.BytesIO()
    segno.make("Mentorat").save(tampon, kind="png", scale=4)
    return tampon.getvalue()


@pytest.fixture
def statiques(settings, tmp_path):
    """The project's static folders, with a style sheet and an image in each."""
    sources = tmp_path / "projet" / "static"
    (sources / "css").mkdir(parents=True)
    (sources / "img").mkdir()
    (sources / "css" / "document.css").write_text(CSS_PROJET)
    (sources / "img" / "logo.png").write_bytes(png())
    collectes = tmp_path / "projet" / "staticfiles"
    (collectes / "img").mkdir(parents=True)
    (collectes / "img" / "logo.4f2a9c.png").write_bytes(png())
    (tmp_path / "projet" / "secret.txt").write_text("hors des fichiers statiques")
    settings.STATICFILES_DIRS = [sources]
    settings.STATIC_ROOT = collectes
    return sources


def read(url) -> bytes:
    response = url_fetcher().fetch(url)
    try:
        return response.read()
    finally:
        response.close()


def refused(url, caplog) -> bool:
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="mentorat.pdf"):
        try:
            read(url)
        except RessourceRefusee:
            return "refusée" in caplog.text
    return False


def everything_in(pdf: bytes) -> bytes:
    """The file's bytes and every stream decoded: compressed contents show up too."""
    reader = PdfReader(io.BytesIO(pdf))
    morceaux = [pdf]
    for numero in range(1, reader.trailer["/Size"]):
        objet = reader.get_object(numero)
        if isinstance(objet, StreamObject):
            morceaux.append(objet.get_data())
    return b"\n".join(morceaux)


def test_files_outside_the_static_folders_are_refused(statiques, sceau, caplog):
    projet = Path(settings.BASE_DIR)
    for url in (
        "file:///etc/passwd",
        "file://localhost/etc/passwd",
        "file:/etc/passwd",
        Path("/etc/passwd").as_uri(),
        Path(settings.SCEAU_CERTIFICAT).as_uri(),
        f"file://{statiques}/css/../../secret.txt",
        f"file://{statiques}/css/%2e%2e/%2e%2e/secret.txt",
        f"file://{projet}/static/css/../../mentorat/settings.py",
        (projet / "mentorat" / "settings.py").as_uri(),
        f"{settings.SITE_URL}{settings.STATIC_URL}../mentorat/settings.py",
        f"{settings.SITE_URL}{settings.STATIC_URL}css/%2e%2e/%2e%2e/secret.txt",
        f"{settings.SITE_URL}/admin/",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.org/image.png",
        "ftp://example.org/fichier",
        "gopher://example.org/",
    ):
        assert refused(url, caplog), url


def test_symbolic_links_do_not_escape_the_static_folders(statiques, caplog):
    (statiques / "passwd.css").symlink_to("/etc/passwd")
    (statiques / "projet").symlink_to(Path(settings.BASE_DIR) / "mentorat")
    for url in (
        f"{settings.STATIC_URL}passwd.css",
        f"{settings.SITE_URL}{settings.STATIC_URL}projet/settings.py",
        (statiques / "passwd.css").as_uri(),
        f"file://{statiques}/projet/settings.py",
    ):
        assert refused(url, caplog), url


def test_project_static_files_and_data_uris_load(statiques):
    image = png()
    assert read(f"{settings.SITE_URL}{settings.STATIC_URL}css/document.css").decode() == CSS_PROJET
    assert read(f"{settings.STATIC_URL}img/logo.png") == image
    assert read((statiques / "img" / "logo.png").as_uri()) == image
    assert read(f"{settings.STATIC_URL}img/logo.4f2a9c.png") == image  # collected (manifest)
    data = f"data:image/png;base64,{base64.b64encode(image).decode()}"
    assert read(data) == image


def test_the_repository_style_sheet_loads():
    css = Path(settings.BASE_DIR) / "static" / "css" / "site.css"
    assert read(f"{settings.SITE_URL}{settings.STATIC_URL}css/site.css") == css.read_bytes()


def test_crafted_html_embeds_nothing(statiques, sceau):
    certificat = Path(settings.SCEAU_CERTIFICAT)
    parametres = Path(settings.BASE_DIR) / "mentorat" / "settings.py"
    html = f"""<!doctype html><html><head>
      <link rel="stylesheet" href="{certificat.as_uri()}">
      <link rel="attachment" href="{certificat.as_uri()}">
      <link rel="attachment" href="file:///etc/passwd">
      <link rel="attachment" href="file://{statiques}/css/../../../../mentorat/settings.py">
      <style>@font-face {{ font-family: X; src: url(file:///etc/passwd); }}</style>
    </head><body>
      <p>Document</p>
      <img src="file:///etc/passwd">
      <img src="file://{statiques}/../../../mentorat/settings.py">
      <a rel="attachment" href="{parametres.as_uri()}">pièce jointe</a>
      <img src="https://example.org/pixel.png">
    </body></html>"""
    pdf = html_vers_pdf(html)
    reader = PdfReader(io.BytesIO(pdf))
    assert "Document" in reader.pages[0].extract_text()
    assert reader.attachments == {}
    contenu = everything_in(pdf)
    assert b"root:x:0:0" not in contenu
    assert certificat.read_bytes()[200:264] not in contenu
    assert b"SCEAU_MOT_DE_PASSE" not in contenu and b"STATICFILES_DIRS" not in contenu


def test_rendering_uses_the_project_files(statiques):
    image = png()
    data = f"data:image/png;base64,{base64.b64encode(image).decode()}"
    html = f"""<!doctype html><html><head>
      <link rel="stylesheet" href="{settings.STATIC_URL}css/document.css">
    </head><body>
      <p>Rapport</p>
      <img src="{settings.STATIC_URL}img/logo.png" alt="">
      <img src="{data}" alt="">
    </body></html>"""
    page = PdfReader(io.BytesIO(html_vers_pdf(html))).pages[0]
    assert "Rapport mis en forme" in page.extract_text()
    assert len(page.images) == 2
