"""A minimal but valid one-page PDF, so clients that parse downloads get a real file.

Connectors store or forward downloaded PDFs; a few fixed bytes would pass a `%PDF-` check
but fail any reader. This writes PDF 1.4 by hand: catalog, page tree, one page, a Helvetica
font and a text stream, then a cross-reference table whose byte offsets are computed from
the bytes actually written, and a trailer ending in `%%EOF`.
"""

from __future__ import annotations

__all__ = ["render_pdf"]

_PAGE_WIDTH, _PAGE_HEIGHT = 612, 792  # US Letter, in points
_TOP, _LEFT, _LEADING = 740, 72, 18


def _escape(text: str) -> str:
    """A PDF string literal body: Latin-1 only, with `\\`, `(` and `)` escaped."""
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _content(title: str, lines: list[str]) -> bytes:
    ops = ["BT", f"/F1 16 Tf {_LEFT} {_TOP} Td ({_escape(title)}) Tj", "/F1 11 Tf"]
    for line in lines:
        ops.append(f"0 -{_LEADING} Td ({_escape(line)}) Tj")
    ops.append("ET")
    return "\n".join(ops).encode("latin-1")


def render_pdf(title: str, lines: list[str]) -> bytes:
    """A PDF showing `title` and then `lines`, one per text line.

    Args:
        title: the first, larger line (the document name).
        lines: further lines (status, recipients, watermark...).
    """
    stream = _content(title, lines)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {_PAGE_WIDTH} {_PAGE_HEIGHT}] "
            "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
        ).encode(),
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        f"<< /Title ({_escape(title)}) /Producer (integrations PandaDoc simulator) >>".encode(
            "latin-1"
        ),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets: list[int] = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\n" % (len(objects) + 1, len(objects))
    out += b"startxref\n%d\n%%%%EOF" % xref_at
    return bytes(out)
