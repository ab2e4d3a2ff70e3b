"""Settings for extracting one module app's strings into its own catalogue (scripts/messages.py).

Identical to the project settings but without LOCALE_PATHS: makemessages run inside an app then
writes to that app's locale/ instead of the project catalogue.
"""

from tongxin.settings import *  # noqa: F403

LOCALE_PATHS: list = []
