#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorat.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    # Django defers a settings error and fails later with "Models aren't loaded yet": say the
    # real reason at once.
    try:
        settings.INSTALLED_APPS  # noqa: B018 - loads the settings module
    except ImproperlyConfigured as exc:
        sys.exit(f"Configuration incomplète : {exc}")
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
