"""A person's file (一人一档) and a household's (一户一档), as PDF and as an editable Word file.

`collect` / `collect_household` read what the user may see into a `Dossier`; `render_pdf`
and `render_docx` print the same `Dossier`, so the two files agree.
"""

from wushe.casework.dossier.contents import Dossier, collect, collect_household
from wushe.casework.dossier.pdf import render_pdf
from wushe.casework.dossier.word import FONT, render_docx

__all__ = ["FONT", "Dossier", "collect", "collect_household", "render_docx", "render_pdf"]
