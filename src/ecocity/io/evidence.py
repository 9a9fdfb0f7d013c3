"""Check one evidence file (a PDF, picture or spreadsheet sent with a submission): its type from
its content, never its name; the size limit first; hostile content refused (bombs, PDF scripts,
huge images, a program under a document's name), each problem a located message, Thai and English."""

from __future__ import annotations

import hashlib
import re
import struct
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ecocity.i18n import norm_lang, t
from ecocity.io.workbook import container
from ecocity.io.workbook.container import Refused

__all__ = ["ACCEPTED_EXTENSIONS", "EvidenceCheck", "MEDIA_TYPES", "Problem", "check_evidence"]

# Pictures: read the size from the header, never decode. A decompression bomb declares a
# huge canvas in a few hundred bytes; a phone photo is ~4,000 x 3,000 (12 megapixels), an
# A3 page scanned at 600 dpi ~7,000 x 9,900.
MAX_SIDE = 12_000  # pixels, either side
MAX_PIXELS = 50_000_000
# PDF object streams (where dictionaries, and so actions, may hide compressed) unpacked to
# look inside them, all together: real ones are a few hundred KB.
MAX_PDF_UNPACKED = 50 * 1024 * 1024

# The kinds of content accepted, and their media types (what a download declares).
MEDIA_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "xlsm": "application/vnd.ms-excel.sheet.macroEnabled.12",
    "xls": "application/vnd.ms-excel",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "csv": "text/csv",
    "text": "text/plain",
}
# A file name's extension -> the content kind it promises.
_EXTENSIONS: dict[str, str] = {
    "pdf": "pdf", "png": "png", "jpg": "jpeg", "jpeg": "jpeg", "gif": "gif", "webp": "webp",
    "xlsx": "xlsx", "xlsm": "xlsx", "xls": "xls", "ods": "ods", "csv": "text", "txt": "text",
}
ACCEPTED_EXTENSIONS: tuple[str, ...] = tuple(_EXTENSIONS)
# PDF names that run something or carry other files when the document is opened.
HOSTILE_PDF_NAMES = frozenset({"JavaScript", "JS", "Launch", "EmbeddedFile", "EmbeddedFiles", "RichMedia"})


@dataclass(frozen=True)
class Problem:
    """Why a file is refused: ``code`` (a key under ``evidence.msg``), its ``params``, and
    ``part``, the part of the file concerned when there is one (a zip member)."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)
    part: str | None = None

    def message(self, lang: str | None = "th") -> str:
        lang = norm_lang(lang)
        kw = {k: _render(k, v, lang) for k, v in self.params.items()}
        return t(f"evidence.msg.{self.code}", lang, **kw)

    def text(self, filename: str, lang: str | None = "th") -> str:
        """The message with where it applies: ``report.xlsx (xl/workbook.xml): ...``."""
        where = f"{filename} ({self.part})" if self.part else filename
        return f"{where}: {self.message(lang)}" if where else self.message(lang)


def _render(key: str, v: Any, lang: str) -> str:
    if key in ("detected", "expected"):  # kept as kind codes so the data stays language-free
        return t(f"evidence.detected.{v}", lang)
    if isinstance(v, list | tuple):
        return ", ".join(str(x) for x in v)
    if isinstance(v, int) and not isinstance(v, bool):
        return f"{v:,}"
    return str(v)


@dataclass(frozen=True)
class EvidenceCheck:
    """The outcome of checking one file. ``kind`` is what the content is ("pdf", "png",
    "jpeg", "gif", "webp", "xlsx", "xlsm", "xls", "ods", "csv", "text"; for a refused file
    what it looked like, e.g. "exe", "script", "unknown"); ``media_type`` is set only when
    accepted."""

    accepted: bool
    filename: str
    size: int
    sha256: str
    kind: str
    media_type: str = ""
    problems: tuple[Problem, ...] = ()
    width: int | None = None  # pictures: the size the header declares
    height: int | None = None

    def messages(self, lang: str | None = "th") -> list[str]:
        """Each problem with where it applies, in ``lang``."""
        return [p.text(self.filename, lang) for p in self.problems]

    def message(self, lang: str | None = "th") -> str:
        return " ".join(self.messages(lang))


class _Refuse(Exception):
    def __init__(self, code: str, part: str | None = None, *, kind: str = "", **params: Any):
        super().__init__(code)
        self.problem = Problem(code, params, part)
        self.kind = kind or str(params.get("detected") or "unknown")  # what the file looked like


# ----------------------------------------------------------------------------- entry


def check_evidence(content: bytes, filename: str, max_bytes: int | None = None) -> EvidenceCheck:
    """Check ``content`` sent as ``filename``. ``max_bytes`` defaults to the configured
    limit (ECOCITY_MAX_EVIDENCE_MB), checked before anything is parsed."""
    content = bytes(content)
    name = str(filename or "")
    if max_bytes is None:
        from ecocity.config import settings

        max_bytes = settings().max_evidence_bytes
    size = len(content)
    sha = hashlib.sha256(content).hexdigest()

    def refused(kind: str, problem: Problem) -> EvidenceCheck:
        return EvidenceCheck(False, name, size, sha, kind, problems=(problem,))

    if size > max_bytes:
        return refused("unknown", Problem("too_large", {"size_mb": _mb(size), "limit_mb": _mb(max_bytes)}))
    if not content:
        return refused("empty", Problem("empty"))
    ext = _extension(name)
    expected = _EXTENSIONS.get(ext)
    try:
        kind = _sniff(content)
    except _Refuse as r:  # hostile or unusable whatever the name says: a zip bomb, a protected file
        return refused(r.kind, r.problem)
    if kind not in MEDIA_TYPES:  # a program, a web page, a zip of something else ...
        if expected == "text" and kind == "unknown":
            return refused(kind, Problem("text_not_utf8", {"ext": ext}))
        if expected is not None:
            return refused(kind, Problem("mismatch", {"ext": ext, "detected": kind, "expected": expected}))
        return refused(kind, Problem("not_accepted", {"detected": kind, "types": _types()}))
    if expected is None:
        if not ext:
            return refused(kind, Problem("no_extension", {"detected": kind, "types": _types()}))
        return refused(kind, Problem("extension", {"ext": ext, "detected": kind, "types": _types()}))
    if _family(kind) != expected:
        return refused(kind, Problem("mismatch", {"ext": ext, "detected": kind, "expected": expected}))
    width = height = None
    try:
        if kind == "pdf":
            _check_pdf(content)
        elif kind in ("png", "jpeg", "gif", "webp"):
            width, height = _image_size(kind, content)
            if width <= 0 or height <= 0:
                raise _Refuse("damaged", detected=kind)
            if max(width, height) > MAX_SIDE or width * height > MAX_PIXELS:
                raise _Refuse("image_too_large", width=width, height=height, max_side=MAX_SIDE,
                              max_mp=MAX_PIXELS // 1_000_000)
        elif kind in ("xlsx", "ods"):
            kind = _check_zip_spreadsheet(content, ext)
        elif kind == "xls":
            _check_xls(content)
        elif kind == "text" and ext == "csv":
            kind = "csv"
    except _Refuse as r:
        return refused(kind, r.problem)
    except Refused as r:  # the workbook container's guards
        return refused(kind, _from_container(r, kind))
    return EvidenceCheck(True, name, size, sha, kind, MEDIA_TYPES[kind], width=width, height=height)


def _mb(n: int) -> float:
    return round(n / (1024 * 1024), 1)


def _types() -> str:
    return ", ".join("." + e for e in ACCEPTED_EXTENSIONS)


def _extension(name: str) -> str:
    base = re.split(r"[/\\]", name)[-1].strip().rstrip(". ")
    stem, dot, ext = base.rpartition(".")
    return ext.lower() if dot and stem else ""


def _family(kind: str) -> str:
    return {"xlsm": "xlsx", "csv": "text"}.get(kind, kind)


# ----------------------------------------------------------------------------- sniffing


def _sniff(content: bytes) -> str:
    """What the content is, from its first bytes."""
    head = content[:16]
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(container.ZIP_MAGIC):
        return _zip_kind(content)
    if head.startswith(container.OLE_MAGIC):
        return _ole_kind(content)
    if head.startswith(b"MZ"):
        return "exe"
    if head.startswith((b"\x7fELF", b"\xfe\xed\xfa", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe", b"\xca\xfe\xba\xbe")):
        return "program"
    if head.startswith(b"PK"):
        return "zip"
    if head.startswith((b"BM", b"II*\x00", b"MM\x00*")):
        return "image"  # BMP, TIFF: pictures, but not among those accepted
    return _text_kind(content)


def _zip_kind(content: bytes) -> str:
    """"xlsx" / "ods" when the zip says it is a spreadsheet, else what it is. The workbook's
    bomb guards run here, on the directory alone: a bomb is refused whatever its name."""
    try:
        zf = container.open_zip(content)
    except Refused as r:
        p = _from_container(r, "zip")
        raise _Refuse(p.code, p.part, kind="zip", **p.params) from None
    try:
        kind, _ = container.zip_kind(zf)
    except Refused as r:
        detected = r.params.get("detected")
        return {"docx": "docx", "pptx": "pptx", "xlsb": "xlsb"}.get(str(detected), "zip")
    return kind


def _ole_kind(content: bytes) -> str:
    try:
        streams = set(container.ole_streams(content))
    except Refused:
        raise _Refuse("damaged", detected="ole") from None
    if {"EncryptionInfo", "EncryptedPackage"} & streams:  # an encrypted .xlsx travels as OLE
        raise _Refuse("encrypted", detected="ole")
    return "xls" if {"Workbook", "Book"} & streams else "ole"


_HTML = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<iframe")


def _text_kind(content: bytes) -> str:
    """"text" for UTF-8 text without NUL; "html" or "script" for text that a browser or a
    shell would run; "unknown" otherwise."""
    if b"\x00" in content:
        return "unknown"
    body = content.removeprefix(b"\xef\xbb\xbf")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return "unknown"
    if any(not (ch.isprintable() or ch in "\r\n\t\f") for ch in text[:65536]):
        return "unknown"
    start = body[:1024].lstrip().lower()
    if start.startswith(_HTML) or b"<script" in body[:65536].lower():
        return "html"
    if _looks_like_script(text[:4096]):
        return "script"
    return "text"


# Lines that start a program (a shell script's "#!", a batch file's "@echo off", PHP): no
# table of figures or note starts that way.
_SCRIPT_START = re.compile(r"^\s*(?:#!|@echo\s+off\b|<\?php\b)", re.I)


def _looks_like_script(text: str) -> bool:
    return bool(_SCRIPT_START.match(text))


# ----------------------------------------------------------------------------- container


def _from_container(r: Refused, kind: str) -> Problem:
    if r.code == "zip_bomb":
        return Problem("zip_bomb", {"size_mb": r.params.get("size_mb", 0), "packed_kb": r.params.get("packed_kb", 0)})
    if r.code == "encrypted":
        return Problem("encrypted", {"detected": kind})
    if r.code == "damaged_part":
        return Problem("damaged", {"detected": kind}, str(r.params.get("part") or "") or None)
    return Problem("damaged", {"detected": kind})


_DOCTYPE = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.I)


def _check_zip_spreadsheet(content: bytes, ext: str) -> str:
    """An .xlsx/.xlsm/.ods under the workbook's zip guards (entries, sizes, ratios); every
    part read with the container's cap (so a damaged part is found) and no XML part
    declaring a DOCTYPE or entities. Macros are allowed, as for workbooks: nothing is run.
    Returns "xlsx", "xlsm" or "ods"."""
    zf = container.open_zip(content)
    kind, main = container.zip_kind(zf)
    for info in zf.infolist():
        if info.is_dir():
            continue
        data = container.read_part(zf, info.filename)
        if info.filename.lower().endswith((".xml", ".rels")) and _DOCTYPE.search(data[:4096]):
            raise _Refuse("damaged", container._shown_name(info.filename), detected=kind)
    if kind == "ods":
        return "ods"
    container.Xlsx(zf, main)  # the workbook's structure, shared strings and styles parse
    macros = any(n.endswith("vbaProject.bin") for n in zf.namelist())
    return "xlsm" if macros or ext == "xlsm" else "xlsx"


def _check_xls(content: bytes) -> None:
    streams = set(container.ole_streams(content))
    if {"EncryptionInfo", "EncryptedPackage"} & streams:
        raise Refused("encrypted")
    if not {"Workbook", "Book"} & streams:
        raise Refused("not_a_workbook", detected="ole")


# ----------------------------------------------------------------------------- pictures


def _image_size(kind: str, content: bytes) -> tuple[int, int]:
    """(width, height) from the header, without decoding; _Refuse("damaged") when the header
    is cut off or makes no sense."""
    try:
        if kind == "png":
            return _png_size(content)
        if kind == "jpeg":
            return _jpeg_size(content)
        if kind == "gif":
            return _gif_size(content)
        return _webp_size(content)
    except struct.error:
        raise _Refuse("damaged", detected=kind) from None


def _png_size(b: bytes) -> tuple[int, int]:
    length, ctype = struct.unpack(">I4s", b[8:16])
    if ctype != b"IHDR" or length != 13:
        raise _Refuse("damaged", detected="png")
    w, h = struct.unpack(">II", b[16:24])
    if b.rfind(b"IEND") < 0:  # cut off while copying: the picture would not open
        raise _Refuse("damaged", detected="png")
    return w, h


_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


def _jpeg_size(b: bytes) -> tuple[int, int]:
    i = 2
    while i < len(b):
        if b[i] != 0xFF:
            raise _Refuse("damaged", detected="jpeg")
        while i < len(b) and b[i] == 0xFF:  # fill bytes
            i += 1
        if i >= len(b):
            break
        marker = b[i]
        i += 1
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:  # no length
            continue
        if marker in (0xD9, 0xDA):  # end of image or start of scan before any frame header
            break
        (seg,) = struct.unpack(">H", b[i:i + 2])
        if seg < 2:
            break
        if marker in _SOF:
            h, w = struct.unpack(">HH", b[i + 3:i + 7])
            return w, h
        i += seg
    raise _Refuse("damaged", detected="jpeg")


def _gif_size(b: bytes) -> tuple[int, int]:
    w, h = struct.unpack("<HH", b[6:10])
    return w, h


def _webp_size(b: bytes) -> tuple[int, int]:
    chunk = b[12:16]
    if chunk == b"VP8X":
        w = int.from_bytes(b[24:27], "little") + 1
        h = int.from_bytes(b[27:30], "little") + 1
        if len(b) < 30:
            raise struct.error
        return w, h
    if chunk == b"VP8L":
        if len(b) < 25 or b[20] != 0x2F:
            raise struct.error
        bits = int.from_bytes(b[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8 ":
        if b[23:26] != b"\x9d\x01\x2a":
            raise struct.error
        w, h = struct.unpack("<HH", b[26:30])
        return w & 0x3FFF, h & 0x3FFF
    raise struct.error


# ----------------------------------------------------------------------------- PDF

# A name: "/" then regular characters; "#xx" is a character written in hex (/J#61vaScript
# is /JavaScript).
_NAME = re.compile(rb"/([^\s/<>\[\]()\{\}%]*)")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")
_STREAM = re.compile(rb">>\s*stream(?:\r\n|\n|\r)")
_OBJ = re.compile(rb"\d+\s+\d+\s+obj\b")
_LENGTH = re.compile(rb"/Length\s+(\d+)(?!\s+\d+\s+R)")


def _names(data: bytes) -> set[str]:
    return {_HEX.sub(lambda m: bytes([int(m[1], 16)]), n).decode("latin-1") for n in _NAME.findall(data)}


def _check_pdf(content: bytes) -> None:
    """Refuse a PDF that runs something or carries files when opened (JavaScript, launch
    actions, embedded files, rich media), one that is protected (its object streams could
    not be looked into) or one cut off. Dictionaries are read outside stream data (so a
    picture's bytes cannot look like a name) and inside object streams, unpacked with a cap."""
    if b"%%EOF" not in content:  # cut off while copying or downloading
        raise _Refuse("damaged", detected="pdf")
    found: set[str] = set()
    unpacked = 0
    pos = 0
    outside: list[bytes] = []
    while True:
        m = _STREAM.search(content, pos)
        if m is None:
            outside.append(content[pos:])
            break
        head = content[pos:m.start() + 2]
        outside.append(head)
        objs = list(_OBJ.finditer(head))
        dictionary = head[objs[-1].end():] if objs else head[-4096:]
        start = m.end()
        end = _stream_end(content, start, dictionary)
        names = _names(dictionary)
        if "ObjStm" in names:
            if "DecodeParms" in names or ("Filter" in names and not _flate_only(dictionary)):
                raise _Refuse("pdf_unchecked")
            body = content[start:end]
            if "Filter" in names:
                try:
                    d = zlib.decompressobj()
                    body = d.decompress(body, MAX_PDF_UNPACKED - unpacked + 1)
                except zlib.error:
                    raise _Refuse("damaged", detected="pdf") from None
            unpacked += len(body)
            if unpacked > MAX_PDF_UNPACKED:
                raise _Refuse("pdf_bomb", limit_mb=_mb(MAX_PDF_UNPACKED))
            found |= _names(body) & (HOSTILE_PDF_NAMES | {"Encrypt"})
        after = content.find(b"endstream", end)
        pos = after + len(b"endstream") if after >= 0 else len(content)
    found |= _names(b"".join(outside)) & (HOSTILE_PDF_NAMES | {"Encrypt"})
    if "Encrypt" in found:
        raise _Refuse("pdf_encrypted")
    if found:
        raise _Refuse("pdf_active", names=sorted("/" + n for n in found))


def _stream_end(content: bytes, start: int, dictionary: bytes) -> int:
    """Where a stream's data ends: at its direct /Length when ``endstream`` follows there,
    else at the next ``endstream``."""
    m = _LENGTH.search(dictionary)
    if m:
        end = start + int(m[1])
        if content[end:end + 32].lstrip().startswith(b"endstream"):
            return end
    found = content.find(b"endstream", start)
    return found if found >= 0 else len(content)


def _flate_only(dictionary: bytes) -> bool:
    m = re.search(rb"/Filter\s*(\[[^\]]*\]|/[^\s/<>\[\]()\{\}%]+)", dictionary)
    if m is None:
        return False
    filters = [n for n in _names(m[1])]
    return filters == ["FlateDecode"]
