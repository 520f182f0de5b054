"""The `wushe` command: Django's management commands under the platform's own name."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "wushe.settings")
    from django.core.management import execute_from_command_line

    argv = sys.argv[:]
    argv[0] = "wushe"
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
