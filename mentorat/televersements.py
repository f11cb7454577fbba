"""Bounded uploads: nothing larger than the platform accepts is read, let alone stored.

Two limits, both settings:
- ``REQUETE_TAILLE_MAX``, the largest request body: a request announcing more in its
  ``Content-Length`` is answered 413 before a byte of the body is read (Django reads no more
  than ``Content-Length`` anyway, so a body cannot grow past what it announced);
- ``TELEVERSEMENT_TAILLE_MAX``, the largest file: past it, the upload handler stops handing the
  data on, so nothing more reaches memory or a temporary file, and the form receives an empty
  file that only knows its (excessive) size, which its own check refuses with a French message.
"""

from django.conf import settings
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
