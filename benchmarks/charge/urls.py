"""The project's URLs plus ``/_nu/``, a bare view: the floor every page is compared with.

It goes through the same gunicorn workers and the same middleware as the pages, and does
nothing else: no template, no query, no session read.
"""

from django.http import HttpResponse
from django.urls import path

from mentorat.urls import urlpatterns as project_urlpatterns


def nu(request):
    return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [path("_nu/", nu), *project_urlpatterns]
