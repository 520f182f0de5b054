"""The app's settings with the benchmarks' URLconf (the app's URLs plus the anchors); used
only by the benchmark server, selected by DJANGO_SETTINGS_MODULE in its environment."""

from wushe.settings import *  # noqa: F403

ROOT_URLCONF = "urls_bench"
