"""What a file really is, from its first bytes: never from its name or what the browser claims.

``sniff`` knows the types mediaws keeps: JPEG, PNG, WebP, GIF, MP4 and WebM video, MP3, WAV and Ogg
(Opus or Vorbis) audio. Everything else is ``None``, including:

- MP4 files whose brand says audio only (``M4A``, ``M4B``, ``M4P``, ``F4A``, ``F4B``), still images
  (HEIC, AVIF) or QuickTime (``qt``): they are not kept as video.
- Matroska files that are not WebM, and Ogg files holding anything but Opus or Vorbis (Theora, FLAC).
- Text, which has no magic bytes: ``ingest.check_media`` decides text by decoding it.
"""

from __future__ import annotations

HEAD_BYTES = 4096
MP4_NOT_VIDEO = {
    b"M4A ", b"M4B ", b"M4P ", b"F4A ", b"F4B ",
    b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis",
    b"qt  ", b"crx ",
}  # fmt: skip
EBML_MAGIC = b"\x1aE\xdf\xa3"
EBML_DOCTYPE = b"\x42\x82"
OGG_CODECS = (b"OpusHead", b"\x01vorbis")


def sniff(head: bytes) -> str | None:
    """The mime type the leading bytes (``HEAD_BYTES`` is plenty) prove, or ``None`` if not one we keep."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head[4:8] == b"ftyp":
        return _mp4(head)
    if head.startswith(EBML_MAGIC):
        return "video/webm" if _ebml_doctype(head) == b"webm" else None
    if head.startswith(b"OggS"):
        return "audio/ogg" if _ogg_first_packet(head).startswith(OGG_CODECS) else None
    if head.startswith(b"ID3") or _mpeg_audio_frame(head):
        return "audio/mpeg"
    return None


def _mp4(head: bytes) -> str | None:
    """``video/mp4`` unless the major brand says audio-only, a still image or QuickTime."""
    return None if head[8:12] in MP4_NOT_VIDEO else "video/mp4"


def _ebml_doctype(head: bytes) -> bytes | None:
    """The DocType string of an EBML header ("webm", "matroska"), read from its first element."""
    start = head.find(EBML_DOCTYPE, len(EBML_MAGIC), 64)
    if start < 0 or start + 3 > len(head):
        return None
    size_byte = head[start + 2]
    if not size_byte & 0x80:
        return None
    size = size_byte & 0x7F
    return head[start + 3 : start + 3 + size].rstrip(b"\0")


def _ogg_first_packet(head: bytes) -> bytes:
    """The start of the first packet of an Ogg stream (its codec's identification header)."""
    if len(head) < 27:
        return b""
    segments = head[26]
    return head[27 + segments : 27 + segments + 8]


def _mpeg_audio_frame(head: bytes) -> bool:
    """Whether the bytes start with a plausible MPEG audio frame header (layers 1 to 3, valid rates)."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version = (head[1] >> 3) & 0b11
    layer = (head[1] >> 1) & 0b11
    bitrate = head[2] >> 4
    rate = (head[2] >> 2) & 0b11
    return version != 0b01 and layer != 0 and bitrate not in (0, 0xF) and rate != 0b11
