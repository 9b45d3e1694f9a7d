"""The QR encoder (``mp/qrencode.py``) behind ``showqrcode``: vectors and a read-back of every module.

The two full matrices below were produced by segno 1.6.6 (an independent encoder) for the same text,
level M, byte mode and mask; they pin version 1 and version 7 (version-information blocks, two alignment
rows, four RS blocks) module for module.
"""

import pytest

from wxsandbox.mp import qrencode

SEGNO_V1_MASK3_TEXT = 'wxsandbox-QR-v'
SEGNO_V1_MASK3 = [
    "111111101010001111111",
    "100000101000101000001",
    "101110100000001011101",
    "101110101000001011101",
    "101110100111001011101",
    "100000100110001000001",
    "111111101010101111111",
    "000000001011100000000",
    "101101110001001001011",
    "111101001111011110011",
    "101010100110010101011",
    "000110000111000001001",
    "000101100001011101010",
    "000000001001100011010",
    "111111101100010111100",
    "100000101110000101101",
    "101110100011000101110",
    "101110101101001000010",
    "101110101001110001100",
    "100000100000011010001",
    "111111101100000100100",
]
SEGNO_V7_MASK5_TEXT = (
    'weixin://wxpay/bizpayurl?pr=Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF'
    '3hJ6kM9nP2rS5uV8xA1cD4fG7iL0oR3tU6wY9zB2dE5gH8jK1mN4pQ7sT0vW3y'
)
SEGNO_V7_MASK5 = [
    "111111100011001101101010011111101100101111111",
    "100000101010010110110110111100001001001000001",
    "101110101001111110010000110000101101001011101",
    "101110101001101010101001001111111101101011101",
    "101110100010001001011111110110100111101011101",
    "100000100110001100101000111101001000001000001",
    "111111101010101010101010101010101010101111111",
    "000000001111010001011000100010011111100000000",
    "100000101001111011101111110000100011011001110",
    "110101001011110001010001111011100111111111100",
    "110101101110000010111001111101010010001110110",
    "011010011011110001100101010110010000101111111",
    "010101100001110000100111100111001100011011101",
    "110100001001100000010100000011100100100100011",
    "011000100000000111110101111010100111011110000",
    "001110010011100000011011011011010010000100111",
    "111101111001011110111011100001010110010101010",
    "111111011100010111011111010111110100110101100",
    "110101101110100011110001110111011010010001001",
    "001110011001110001010100000110011101001001100",
    "001111111111101001101111100000100000111111001",
    "000010001011010001001000111111101011100011100",
    "110010101111001000001010110101001011101011110",
    "001010001100101001101000101110010100100011111",
    "110011111100111111101111101011101001111111011",
    "101000001100010110110110010011110101101101111",
    "010000111100000111000100011110110010010011110",
    "100110010111001000011001111010010101101110100",
    "010100111101111011101000000001010000111111001",
    "101010010100000110001000110100110100101101110",
    "000010111011010010011000000000001111111111001",
    "000000001111111011111001110010101000011011100",
    "111100100100111010100101001000010010101010010",
    "110010011100011110110101111111101011111011100",
    "000010101100000110000101000100000011110001010",
    "011110011010101000000000100110100101101011111",
    "100110110010000011011111101110001011111110111",
    "000000001100110111011000100001111100100010011",
    "111111100110111001011010111001110111101011100",
    "100000100111000100001000111100110000100011100",
    "101110100010001010001111110001110101111111000",
    "101110100101111110111101010100110101011001111",
    "101110100110011011011000100100001001110011001",
    "100000100110000011011001101010111110010111100",
    "111111101100111000010101110001100110110110010",
]


def as_rows(matrix):
    return ["".join("1" if dark else "0" for dark in row) for row in matrix]


def test_matrices_match_an_independent_encoder():
    assert as_rows(qrencode.encode(SEGNO_V1_MASK3_TEXT, mask=3)) == SEGNO_V1_MASK3
    assert as_rows(qrencode.encode(SEGNO_V7_MASK5_TEXT, mask=5)) == SEGNO_V7_MASK5


def test_reed_solomon_vector():
    # "HELLO WORLD" at 1-M (thonky.com's worked example).
    data = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17]
    assert qrencode.rs_remainder(data, 10) == [196, 35, 39, 119, 235, 215, 231, 226, 93, 23]


def test_format_and_version_information():
    assert qrencode.format_bits(0) == 0b101010000010010  # level M, mask 0 (ISO 18004 table C.1)
    assert qrencode.version_bits(7) == 0x07C94
    assert qrencode.alignment_positions(7) == [6, 22, 38]
    assert [qrencode.data_capacity(v) for v in (1, 5, 10)] == [16, 86, 216]


def gf_pow2(n):
    value = 1
    for _ in range(n):
        value = qrencode._gf_mul(value, 2)
    return value


def read_back(matrix):
    """A minimal decoder (no error correction): format → mask, unmask, zigzag, de-interleave, parse."""
    size = len(matrix)
    version = (size - 17) // 4
    fmt = 0
    for i in range(6):
        fmt |= matrix[i][8] << i
    fmt |= matrix[7][8] << 6 | matrix[8][8] << 7 | matrix[8][7] << 8
    for i in range(9, 15):
        fmt |= matrix[8][14 - i] << i
    fmt ^= 0x5412
    assert fmt >> 13 == 0b00, "level M"
    mask = (fmt >> 10) & 7
    layout = qrencode._Matrix(version)
    layout.draw_function_patterns()
    probe = qrencode._Matrix(version)
    probe.function = layout.function
    probe.apply_mask(mask)  # probe.dark now marks exactly the flipped data modules
    bits = []
    right = size - 1
    while right >= 1:
        if right == 6:
            right = 5
        for vert in range(size):
            for j in range(2):
                x = right - j
                y = size - 1 - vert if ((right + 1) & 2) == 0 else vert
                if not layout.function[y][x]:
                    bits.append(int(matrix[y][x] ^ probe.dark[y][x]))
        right -= 2
    raw = [int("".join(map(str, bits[i:i + 8])), 2) for i in range(0, len(bits) // 8 * 8, 8)]
    blocks_n, ecc = qrencode.NUM_BLOCKS[version], qrencode.ECC_PER_BLOCK[version]
    total = qrencode.raw_modules(version) // 8
    short_len, short_blocks = total // blocks_n, blocks_n - total % blocks_n
    lengths = [short_len - ecc + (i >= short_blocks) for i in range(blocks_n)]
    blocks = [[] for _ in range(blocks_n)]
    pos = 0
    for i in range(max(lengths)):
        for b in range(blocks_n):
            if i < lengths[b]:
                blocks[b].append(raw[pos])
                pos += 1
    for _ in range(ecc):
        for b in range(blocks_n):
            blocks[b].append(raw[pos])
            pos += 1
    for block in blocks:  # every RS codeword is a multiple of the generator: zero syndromes
        for k in range(ecc):
            syndrome = 0
            for byte in block:
                syndrome = qrencode._gf_mul(syndrome, gf_pow2(k)) ^ byte
            assert syndrome == 0
    data = [byte for block, n in zip(blocks, lengths, strict=True) for byte in block[:n]]
    stream = "".join(format(b, "08b") for b in data)
    assert stream[:4] == "0100", "byte mode"
    count_bits = 8 if version < 10 else 16
    count = int(stream[4:4 + count_bits], 2)
    start = 4 + count_bits
    return bytes(int(stream[start + 8 * i:start + 8 * i + 8], 2) for i in range(count)).decode()


@pytest.mark.parametrize("length", [1, 14, 15, 40, 46, 62, 63, 100, 122, 123, 152, 180, 213])
def test_every_version_reads_back(length):
    text = ("https://weixin.qq.com/q/" + "0123456789abcdefghijklmnopqrstuvwxyz-_" * 6)[:length]
    matrix = qrencode.encode(text)
    assert read_back(matrix) == text


def test_sandbox_urls_fit_small_versions():
    assert len(qrencode.encode("https://weixin.qq.com/q/" + "x" * 22)) == 33  # version 4
    assert len(qrencode.encode("weixin://wxpay/bizpayurl?pr=AbCdEfG")) == 29  # version 3


def test_too_long_is_refused():
    with pytest.raises(ValueError):
        qrencode.encode("x" * 214)


def test_png_has_quiet_zone_and_one_bit_pixels():
    import struct
    import zlib

    matrix = qrencode.encode("hello")
    png = qrencode.to_png(matrix, scale=2, quiet=4, text="hello")
    width = struct.unpack(">I", png[16:20])[0]
    assert width == (21 + 8) * 2 and png[24] == 1  # bit depth 1
    idat = png.index(b"IDAT")
    length = struct.unpack(">I", png[idat - 4:idat])[0]
    rows = zlib.decompress(png[idat + 4:idat + 4 + length])
    stride = 1 + (width + 7) // 8
    first_dark_row = rows[stride * 8:stride * 9]  # y = 8 px = first module row; finder starts at x = 8 px
    assert first_dark_row[1] == 0xFF and first_dark_row[2] == 0x00
    assert b"tEXtURL\x00hello" in png
