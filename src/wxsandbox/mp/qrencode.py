"""A small QR code encoder (ISO/IEC 18004): byte mode, error correction level M, versions 1–10.

No QR library is installed, and the sandbox only ever encodes short URLs (``https://weixin.qq.com/q/…``,
``weixin://wxpay/bizpayurl?pr=…``), so this covers exactly that: up to 213 bytes. The steps are the
standard ones — segment bits, pad codewords, Reed–Solomon over GF(256) per block, interleave, zigzag
placement, the mask with the lowest penalty, BCH-coded format and version information — following the
structure of Nayuki's reference implementation.
"""

from __future__ import annotations

import struct
import zlib

# Level M, indexed by version (index 0 unused).
ECC_PER_BLOCK = (0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26)
NUM_BLOCKS = (0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5)
MAX_VERSION = 10
FORMAT_BITS_M = 0b00  # the EC level's two format bits (L=01, M=00, Q=11, H=10)


def _gf_mul(x: int, y: int) -> int:
    z = 0
    for i in reversed(range(8)):
        z = (z << 1) ^ ((z >> 7) * 0x11D)
        z ^= ((y >> i) & 1) * x
    return z


def rs_divisor(degree: int) -> list[int]:
    result = [0] * (degree - 1) + [1]
    root = 1
    for _ in range(degree):
        for j in range(degree):
            result[j] = _gf_mul(result[j], root)
            if j + 1 < degree:
                result[j] ^= result[j + 1]
        root = _gf_mul(root, 0x02)
    return result


def rs_remainder(data: list[int], degree: int) -> list[int]:
    """The ``degree`` error-correction codewords of ``data``."""
    divisor = rs_divisor(degree)
    result = [0] * degree
    for byte in data:
        factor = byte ^ result.pop(0)
        result.append(0)
        for i, coef in enumerate(divisor):
            result[i] ^= _gf_mul(coef, factor)
    return result


def raw_modules(version: int) -> int:
    result = (16 * version + 128) * version + 64
    if version >= 2:
        aligns = version // 7 + 2
        result -= (25 * aligns - 10) * aligns - 55
        if version >= 7:
            result -= 36
    return result


def data_capacity(version: int) -> int:
    """Data codewords at level M."""
    return raw_modules(version) // 8 - ECC_PER_BLOCK[version] * NUM_BLOCKS[version]


def alignment_positions(version: int) -> list[int]:
    if version == 1:
        return []
    size = version * 4 + 17
    aligns = version // 7 + 2
    step = (version * 8 + aligns * 3 + 5) // (aligns * 4 - 4) * 2
    return [6] + sorted(size - 7 - i * step for i in range(aligns - 1))


def format_bits(mask: int) -> int:
    data = FORMAT_BITS_M << 3 | mask
    rem = data
    for _ in range(10):
        rem = (rem << 1) ^ ((rem >> 9) * 0x537)
    return (data << 10 | rem) ^ 0x5412


def version_bits(version: int) -> int:
    rem = version
    for _ in range(12):
        rem = (rem << 1) ^ ((rem >> 11) * 0x1F25)
    return version << 12 | rem


def codewords(payload: bytes, version: int) -> list[int]:
    """Data codewords (segment, terminator, padding) followed by interleaved error correction."""
    capacity = data_capacity(version)
    bits: list[int] = []

    def put(value: int, length: int) -> None:
        bits.extend((value >> i) & 1 for i in reversed(range(length)))

    put(0b0100, 4)
    put(len(payload), 8 if version < 10 else 16)
    for byte in payload:
        put(byte, 8)
    put(0, min(4, capacity * 8 - len(bits)))
    put(0, -len(bits) % 8)
    data = [int("".join(map(str, bits[i:i + 8])), 2) for i in range(0, len(bits), 8)]
    for pad in (0xEC, 0x11) * capacity:
        if len(data) >= capacity:
            break
        data.append(pad)

    blocks_n, ecc = NUM_BLOCKS[version], ECC_PER_BLOCK[version]
    raw = raw_modules(version) // 8
    short_blocks = blocks_n - raw % blocks_n
    short_len = raw // blocks_n
    blocks, k = [], 0
    for i in range(blocks_n):
        size = short_len - ecc + (0 if i < short_blocks else 1)
        chunk = data[k:k + size]
        k += size
        block = chunk + ([0] if i < short_blocks else []) + rs_remainder(chunk, ecc)
        blocks.append(block)
    result = []
    for i in range(len(blocks[0])):
        for j, block in enumerate(blocks):
            if i != short_len - ecc or j >= short_blocks:  # skip the short blocks' placeholder
                result.append(block[i])
    return result


class _Matrix:
    def __init__(self, version: int):
        self.version = version
        self.size = version * 4 + 17
        self.dark = [[False] * self.size for _ in range(self.size)]
        self.function = [[False] * self.size for _ in range(self.size)]

    def set_function(self, x: int, y: int, dark: bool) -> None:
        self.dark[y][x] = dark
        self.function[y][x] = True

    def draw_function_patterns(self) -> None:
        size = self.size
        for i in range(size):
            self.set_function(6, i, i % 2 == 0)
            self.set_function(i, 6, i % 2 == 0)
        for cx, cy in ((3, 3), (size - 4, 3), (3, size - 4)):
            for dy in range(-4, 5):
                for dx in range(-4, 5):
                    x, y = cx + dx, cy + dy
                    if 0 <= x < size and 0 <= y < size:
                        self.set_function(x, y, max(abs(dx), abs(dy)) not in (2, 4))
        positions = alignment_positions(self.version)
        last = len(positions) - 1
        for i, cx in enumerate(positions):
            for j, cy in enumerate(positions):
                if (i, j) in ((0, 0), (0, last), (last, 0)):
                    continue  # would overlap a finder pattern
                for dy in range(-2, 3):
                    for dx in range(-2, 3):
                        self.set_function(cx + dx, cy + dy, max(abs(dx), abs(dy)) != 1)
        self.draw_format(0)  # reserve the areas; redrawn with the chosen mask
        if self.version >= 7:
            bits = version_bits(self.version)
            for i in range(18):
                bit = bool((bits >> i) & 1)
                a, b = size - 11 + i % 3, i // 3
                self.set_function(a, b, bit)
                self.set_function(b, a, bit)

    def draw_format(self, mask: int) -> None:
        bits, size = format_bits(mask), self.size

        def bit(i: int) -> bool:
            return bool((bits >> i) & 1)

        for i in range(6):
            self.set_function(8, i, bit(i))
        self.set_function(8, 7, bit(6))
        self.set_function(8, 8, bit(7))
        self.set_function(7, 8, bit(8))
        for i in range(9, 15):
            self.set_function(14 - i, 8, bit(i))
        for i in range(8):
            self.set_function(size - 1 - i, 8, bit(i))
        for i in range(8, 15):
            self.set_function(8, size - 15 + i, bit(i))
        self.set_function(8, size - 8, True)  # the dark module

    def draw_codewords(self, data: list[int]) -> None:
        size, i, total = self.size, 0, len(data) * 8
        right = size - 1
        while right >= 1:
            if right == 6:
                right = 5  # skip the vertical timing pattern
            for vert in range(size):
                for j in range(2):
                    x = right - j
                    upward = ((right + 1) & 2) == 0
                    y = size - 1 - vert if upward else vert
                    if not self.function[y][x] and i < total:
                        self.dark[y][x] = bool((data[i >> 3] >> (7 - (i & 7))) & 1)
                        i += 1
            right -= 2

    def apply_mask(self, mask: int) -> None:
        rules = (
            lambda x, y: (x + y) % 2 == 0,
            lambda x, y: y % 2 == 0,
            lambda x, y: x % 3 == 0,
            lambda x, y: (x + y) % 3 == 0,
            lambda x, y: (x // 3 + y // 2) % 2 == 0,
            lambda x, y: x * y % 2 + x * y % 3 == 0,
            lambda x, y: (x * y % 2 + x * y % 3) % 2 == 0,
            lambda x, y: ((x + y) % 2 + x * y % 3) % 2 == 0,
        )
        rule = rules[mask]
        for y in range(self.size):
            for x in range(self.size):
                if not self.function[y][x] and rule(x, y):
                    self.dark[y][x] = not self.dark[y][x]

    def penalty(self) -> int:
        """Rules 1 (runs), 2 (2×2 blocks), 3 (finder-like 1:1:3:1:1 with 4 light) and 4 (balance)."""
        size, grid, score = self.size, self.dark, 0
        lines = [row for row in grid] + [[grid[y][x] for y in range(size)] for x in range(size)]
        pattern_a = [True, False, True, True, True, False, True, False, False, False, False]
        pattern_b = pattern_a[::-1]
        for line in lines:
            run = 1
            for i in range(1, size + 1):
                if i < size and line[i] == line[i - 1]:
                    run += 1
                else:
                    if run >= 5:
                        score += 3 + run - 5
                    run = 1
            for i in range(size - 10):
                window = line[i:i + 11]
                if window in (pattern_a, pattern_b):
                    score += 40
        for y in range(size - 1):
            for x in range(size - 1):
                if grid[y][x] == grid[y][x + 1] == grid[y + 1][x] == grid[y + 1][x + 1]:
                    score += 3
        dark = sum(map(sum, grid))
        total = size * size
        deviation = (abs(dark * 20 - total * 10) + total - 1) // total - 1  # per 5 % away from half dark
        return score + max(0, deviation) * 10


def encode(text: str | bytes, *, mask: int | None = None, min_version: int = 1) -> list[list[bool]]:
    """The module matrix (rows of booleans, True = dark) of ``text`` at level M."""
    payload = text.encode("utf-8") if isinstance(text, str) else text
    for version in range(min_version, MAX_VERSION + 1):
        header = 12 if version < 10 else 20
        if header + len(payload) * 8 <= data_capacity(version) * 8:
            break
    else:
        raise ValueError(f"{len(payload)} bytes do not fit a version-{MAX_VERSION} QR code at level M")
    data = codewords(payload, version)
    best: _Matrix | None = None
    best_score = None
    for candidate in range(8) if mask is None else (mask,):
        matrix = _Matrix(version)
        matrix.draw_function_patterns()
        matrix.draw_codewords(data)
        matrix.apply_mask(candidate)
        matrix.draw_format(candidate)
        score = matrix.penalty()
        if best_score is None or score < best_score:
            best, best_score = matrix, score
    assert best is not None
    return best.dark


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def to_png(matrix: list[list[bool]], *, scale: int = 8, quiet: int = 4, text: str = "") -> bytes:
    """A 1-bit greyscale PNG of the matrix with a quiet zone; ``text`` goes into a ``tEXt`` chunk (``URL``)."""
    modules = len(matrix)
    size = (modules + 2 * quiet) * scale
    rows = []
    for py in range(size):
        y = py // scale - quiet
        row = bytearray([0])  # filter type: none
        acc, nbits = 0, 0
        for px in range(size):
            x = px // scale - quiet
            light = not (0 <= x < modules and 0 <= y < modules and matrix[y][x])
            acc = acc << 1 | light
            nbits += 1
            if nbits == 8:
                row.append(acc)
                acc, nbits = 0, 0
        if nbits:
            row.append(acc << (8 - nbits))
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", size, size, 1, 0, 0, 0, 0)
    chunks = _chunk(b"IHDR", header)
    if text:
        chunks += _chunk(b"tEXt", b"URL\x00" + text.encode("latin-1", "replace"))
    return b"\x89PNG\r\n\x1a\n" + chunks + _chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + _chunk(b"IEND", b"")
