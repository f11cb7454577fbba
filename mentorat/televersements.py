"""Bounded uploads: nothing larger than the platform accepts is read, let alone stored.

Two limits, both settings:
- ``REQUETE_TAILLE_MAX``, the largest request body: a request announcing more in its
  ``Content-Length`` is answered 413 before a byte of the body is read (Django reads no more
  than ``Content-Length`` anyway, so a body cannot grow past what it announced);
- ``TELEVERSEMENT_TAILLE_MAX``, the largest file: past it, the upload handler stops handing the
  data on, so nothing more reaches memory or a temporary file, and the form receives an empty
  file that only knows its (excessive) size, which its own check refuses with a French message.

``fichier_televerse_verifier`` is that check for a document kept on the platform: its size, and
its type read from its content (never from the name or the browser's word alone).
"""

import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.shortcuts import render


def _mo(octets: int) -> int:
    return max(1, octets // (1024 * 1024))


class RequeteBorneeMiddleware:
    """413 in French for a request body announced larger than REQUETE_TAILLE_MAX."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            annonce = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            annonce = 0
        limite = settings.REQUETE_TAILLE_MAX
        if annonce > limite:
            response = render(request, "413.html", {"taille_max_mo": _mo(limite)}, status=413)
            # The body stays unread: the connection is not reused for another request.
            response["Connection"] = "close"
            return response
        return self.get_response(request)


class FichierTropGros(UploadedFile):
    """What a form receives for a file past the limit: its name and size, no content."""

    def __init__(self, name, content_type, size):
        super().__init__(file=None, name=name, content_type=content_type, size=size)

    def read(self, *args, **kwargs):
        return b""

    def seek(self, *args, **kwargs):
        return 0

    def close(self):
        pass


class TeleversementBorneHandler(FileUploadHandler):
    """First of the upload handlers: passes each file's data on up to TELEVERSEMENT_TAILLE_MAX,
    then swallows the rest and hands the form a ``FichierTropGros``."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.recu = 0

    def receive_data_chunk(self, raw_data, start):
        self.recu += len(raw_data)
        if self.recu > settings.TELEVERSEMENT_TAILLE_MAX:
            return None  # the later handlers (memory, temporary file) see nothing more
        return raw_data

    def file_complete(self, file_size):
        if self.recu > settings.TELEVERSEMENT_TAILLE_MAX:
            # The start the later handlers kept (in memory or a temporary file) is dropped now.
            for handler in self.request.upload_handlers:
                partiel = getattr(handler, "file", None) if handler is not self else None
                if partiel is not None:
                    partiel.close()
            return FichierTropGros(self.file_name, self.content_type, self.recu)
        return None  # the later handlers build the file as usual


# -- what a file is, read from its content ---------------------------------------------------


@dataclass(frozen=True)
class Format:
    """A kind of document the platform accepts, as its content shows it."""

    code: str
    libelle: str
    extensions: tuple[str, ...]
    type_mime: str


FORMATS = {
    f.code: f
    for f in (
        Format("pdf", "PDF", ("pdf",), "application/pdf"),
        Format(
            "docx",
            "Word",
            ("docx",),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        Format(
            "xlsx",
            "Excel",
            ("xlsx",),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        Format(
            "pptx",
            "PowerPoint",
            ("pptx",),
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        Format("odt", "OpenDocument texte", ("odt",), "application/vnd.oasis.opendocument.text"),
        Format(
            "ods",
            "OpenDocument tableur",
            ("ods",),
            "application/vnd.oasis.opendocument.spreadsheet",
        ),
        Format("png", "Image PNG", ("png",), "image/png"),
        Format("jpeg", "Image JPEG", ("jpg", "jpeg"), "image/jpeg"),
        Format("txt", "Texte", ("txt",), "text/plain; charset=utf-8"),
    )
}

# The parts each office format's archive holds (ECMA-376 part 2; OASIS OpenDocument 1.3,
# part 2, §3.3: the first entry "mimetype", stored uncompressed, names the type).
_PARTIES_OOXML = {
    "word/document.xml": "docx",
    "xl/workbook.xml": "xlsx",
    "ppt/presentation.xml": "pptx",
}
_MIMETYPES_ODF = {
    b"application/vnd.oasis.opendocument.text": "odt",
    b"application/vnd.oasis.opendocument.spreadsheet": "ods",
}
_LECTURE_TEXTE = 64 * 1024


def _format_archive(fichier) -> str | None:
    try:
        with zipfile.ZipFile(fichier) as archive:
            noms = set(archive.namelist())
            for partie, code in _PARTIES_OOXML.items():
                if partie in noms and "[Content_Types].xml" in noms:
                    return code
            if "mimetype" in noms:
                return _MIMETYPES_ODF.get(archive.read("mimetype").strip())
    except (zipfile.BadZipFile, OSError, KeyError, RuntimeError, ValueError):
        return None
    return None


def _est_du_texte(debut: bytes) -> bool:
    if b"\x00" in debut:
        return False
    try:
        debut.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A read that cut a character in two is still text.
        return exc.start >= len(debut) - 3 and len(debut) == _LECTURE_TEXTE
    return True


def format_detecter(fichier) -> str | None:
    """The code of the format ``fichier``'s content is (``FORMATS``), or None. The name the
    sender gave and the type their browser announced are not read: only the bytes."""
    fichier.seek(0)
    debut = fichier.read(_LECTURE_TEXTE)
    fichier.seek(0)
    code = None
    if debut.startswith(b"%PDF-"):
        code = "pdf"
    elif debut.startswith(b"\x89PNG\r\n\x1a\n"):
        code = "png"
    elif debut.startswith(b"\xff\xd8\xff"):
        code = "jpeg"
    elif debut.startswith(b"PK\x03\x04"):
        code = _format_archive(fichier)
        fichier.seek(0)
    elif debut and _est_du_texte(debut):
        code = "txt"
    return code


def fichier_televerse_verifier(fichier, *, formats=tuple(FORMATS)) -> Format:
    """The format of an uploaded file, when its size and its content are accepted; a French
    ``ValidationError`` otherwise.

    Its size: up to ``TELEVERSEMENT_TAILLE_MAX`` (a larger file reaches here as a
    ``FichierTropGros``, with no content). Its content: one of ``formats``, and the one its
    name's extension announces (a text renamed « guide.pdf » is refused, so that nobody who
    downloads it is misled).
    """
    limite = settings.TELEVERSEMENT_TAILLE_MAX
    if fichier.size > limite:
        raise ValidationError(
            f"Le fichier dépasse la taille maximale de {_mo(limite)} Mo.", code="trop_gros"
        )
    if not fichier.size:
        raise ValidationError("Le fichier est vide.", code="vide")
    acceptes = ", ".join(sorted({FORMATS[c].libelle for c in formats}))
    code = format_detecter(fichier)
    if code not in formats:
        raise ValidationError(
            f"Ce type de fichier n'est pas accepté. Formats acceptés : {acceptes}.",
            code="format",
        )
    format_ = FORMATS[code]
    extension = Path(fichier.name or "").suffix.lower().lstrip(".")
    if extension not in format_.extensions:
        attendue = f".{format_.extensions[0]}"
        message = (
            f"Le contenu du fichier ({format_.libelle}) ne correspond pas à son extension "
            f"« .{extension} » : renommez-le en {attendue} ou envoyez le bon fichier."
            if extension
            else f"Le fichier n'a pas d'extension : son contenu ({format_.libelle}) "
            f"demande {attendue}."
        )
        raise ValidationError(message, code="extension")
    return format_


def taille_lisible(octets: int) -> str:
    """« 240 Ko », « 1,2 Mo », « 512 octets » (units of 1 024, as file managers show them)."""
    if octets < 1024:
        return f"{octets} octet{'s' if octets > 1 else ''}"
    if octets < 1024 * 1024:
        return f"{-(-octets // 1024)} Ko"
    return f"{octets / (1024 * 1024):.1f} Mo".replace(".", ",")
