"""The file as a PDF: WeasyPrint lays out `casework/dossier.html` on A4 pages, in Debian's
Noto CJK fonts, numbered 第 N 页 / 共 M 页."""

from __future__ import annotations

from django.template.loader import render_to_string

from wushe.casework.dossier.contents import Dossier


def render_pdf(dossier: Dossier) -> bytes:
    # WeasyPrint takes a second to import: only the processes that print pay for it.
    from weasyprint import HTML, URLFetcher

    html = render_to_string("casework/dossier.html", {"dossier": dossier})
    # Built from records only, the file loads nothing: no URL in a record is ever fetched.
    nothing = URLFetcher(allowed_protocols=())
    return HTML(string=html, url_fetcher=nothing).write_pdf()
