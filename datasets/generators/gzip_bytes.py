"""Reproducible gzip for the generators in this folder."""
import struct
import zlib


def gzip_bytes(data):
    """A gzip member with mtime 0, no file name and OS byte 255, so the bytes depend only on the
    data (and zlib's deflate at level 9)."""
    co = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    body = co.compress(data) + co.flush()
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + body + struct.pack("<II", zlib.crc32(data) & 0xFFFFFFFF,
                                       len(data) & 0xFFFFFFFF)
