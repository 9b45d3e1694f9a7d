/* A QR code reader for the phone's 扫一扫: clean, upright images (screenshots, generated PNGs), not camera
 * frames. Versions 1–10, every mask and error-correction level, numeric / alphanumeric / byte segments.
 * Reed–Solomon correction is not attempted: a generated image has no errors to correct.
 *
 *   wxsandboxQr.decodeImageData(imageData) → string | null     (ImageData from a canvas)
 *   wxsandboxQr.decodeMatrix(rows) → string                    (rows of 0/1, dark = 1; throws on failure)
 */
(function () {
  "use strict";

  // [EC codewords per block, blocks in group 1, data codewords each, blocks in group 2, data codewords each]
  const BLOCKS = {
    1: { L: [7, 1, 19], M: [10, 1, 16], Q: [13, 1, 13], H: [17, 1, 9] },
    2: { L: [10, 1, 34], M: [16, 1, 28], Q: [22, 1, 22], H: [28, 1, 16] },
    3: { L: [15, 1, 55], M: [26, 1, 44], Q: [18, 2, 17], H: [22, 2, 13] },
    4: { L: [20, 1, 80], M: [18, 2, 32], Q: [26, 2, 24], H: [16, 4, 9] },
    5: { L: [26, 1, 108], M: [24, 2, 43], Q: [18, 2, 15, 2, 16], H: [22, 2, 11, 2, 12] },
    6: { L: [18, 2, 68], M: [16, 4, 27], Q: [24, 4, 19], H: [28, 4, 15] },
    7: { L: [20, 2, 78], M: [18, 4, 31], Q: [18, 2, 14, 4, 15], H: [26, 4, 13, 1, 14] },
    8: { L: [24, 2, 97], M: [22, 2, 38, 2, 39], Q: [22, 4, 18, 2, 19], H: [26, 4, 14, 2, 15] },
    9: { L: [30, 2, 116], M: [22, 3, 36, 2, 37], Q: [20, 4, 16, 4, 17], H: [24, 4, 12, 4, 13] },
    10: { L: [18, 2, 68, 2, 69], M: [26, 4, 43, 1, 44], Q: [24, 6, 19, 2, 20], H: [28, 6, 15, 2, 16] },
  };
  const ALIGNMENT = { 2: [6, 18], 3: [6, 22], 4: [6, 26], 5: [6, 30], 6: [6, 34], 7: [6, 22, 38],
    8: [6, 24, 42], 9: [6, 26, 46], 10: [6, 28, 50] };
  const EC_BITS = { 1: "L", 0: "M", 3: "Q", 2: "H" };
  const ALNUM = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
  const MASKS = [
    (i, j) => (i + j) % 2 === 0,
    (i) => i % 2 === 0,
    (i, j) => j % 3 === 0,
    (i, j) => (i + j) % 3 === 0,
    (i, j) => (Math.floor(i / 2) + Math.floor(j / 3)) % 2 === 0,
    (i, j) => ((i * j) % 2) + ((i * j) % 3) === 0,
    (i, j) => (((i * j) % 2) + ((i * j) % 3)) % 2 === 0,
    (i, j) => (((i + j) % 2) + ((i * j) % 3)) % 2 === 0,
  ];

  // The 32 valid format words: 5 data bits + BCH(15,5) remainder, XOR-masked with 0x5412.
  const FORMATS = [];
  for (let data = 0; data < 32; data++) {
    let rem = data << 10;
    for (let bit = 14; bit >= 10; bit--) if (rem & (1 << bit)) rem ^= 0x537 << (bit - 10);
    FORMATS.push({ word: ((data << 10) | rem) ^ 0x5412, ec: EC_BITS[data >> 3], mask: data & 7 });
  }

  function popcount(n) { let c = 0; while (n) { c += n & 1; n >>>= 1; } return c; }

  function readFormat(m) {
    const n = m.length;
    let a = 0;
    let b = 0;
    const bitA = (r, c) => { a = (a << 1) | m[r][c]; };
    const bitB = (r, c) => { b = (b << 1) | m[r][c]; };
    for (let c = 0; c <= 5; c++) bitA(8, c);
    bitA(8, 7); bitA(8, 8); bitA(7, 8);
    for (let r = 5; r >= 0; r--) bitA(r, 8);
    for (let r = n - 1; r >= n - 7; r--) bitB(r, 8);
    for (let c = n - 8; c < n; c++) bitB(8, c);
    let best = null;
    let distance = 99;
    for (const f of FORMATS) {
      for (const read of [a, b]) {
        const d = popcount(f.word ^ read);
        if (d < distance) { distance = d; best = f; }
      }
    }
    if (distance > 3) throw new Error("format information unreadable");
    return best;
  }

  function functionModules(version, n) {
    const fixed = Array.from({ length: n }, () => new Uint8Array(n));
    const fill = (r0, c0, h, w) => {
      for (let r = Math.max(0, r0); r < Math.min(n, r0 + h); r++) {
        for (let c = Math.max(0, c0); c < Math.min(n, c0 + w); c++) fixed[r][c] = 1;
      }
    };
    fill(0, 0, 9, 9);                // finder, separator and format area, top-left
    fill(0, n - 8, 9, 8);            // top-right
    fill(n - 8, 0, 8, 9);            // bottom-left (includes the dark module)
    fill(6, 0, 1, n);                // timing patterns
    fill(0, 6, n, 1);
    const centres = ALIGNMENT[version] || [];
    const first = centres[0];
    const last = centres[centres.length - 1];
    for (const r of centres) {
      for (const c of centres) {
        const corner = (r === first && (c === first || c === last)) || (r === last && c === first);
        if (!corner) fill(r - 2, c - 2, 5, 5);  // the three corners are finder patterns
      }
    }
    if (version >= 7) {              // version information blocks
      fill(n - 11, 0, 3, 6);
      fill(0, n - 11, 6, 3);
    }
    return fixed;
  }

  function codewords(m, version, mask) {
    const n = m.length;
    const fixed = functionModules(version, n);
    const unmask = MASKS[mask];
    const bytes = [];
    let current = 0;
    let bits = 0;
    let upward = true;
    for (let col = n - 1; col > 0; col -= 2) {
      if (col === 6) col -= 1;       // the vertical timing pattern takes a whole column
      for (let k = 0; k < n; k++) {
        const row = upward ? n - 1 - k : k;
        for (let d = 0; d < 2; d++) {
          const c = col - d;
          if (fixed[row][c]) continue;
          current = (current << 1) | (m[row][c] ^ (unmask(row, c) ? 1 : 0));
          if (++bits === 8) { bytes.push(current); current = 0; bits = 0; }
        }
      }
      upward = !upward;
    }
    return bytes;
  }

  function dataCodewords(raw, version, ec) {
    const [, g1, d1, g2 = 0, d2 = 0] = BLOCKS[version][ec];
    const blocks = [];
    for (let i = 0; i < g1; i++) blocks.push({ size: d1, data: [] });
    for (let i = 0; i < g2; i++) blocks.push({ size: d2, data: [] });
    let k = 0;
    for (let i = 0; i < Math.max(d1, d2); i++) {
      for (const block of blocks) if (i < block.size) block.data.push(raw[k++]);
    }
    return blocks.flatMap((block) => block.data);
  }

  function parseSegments(data, version) {
    let pos = 0;
    const total = data.length * 8;
    const read = (count) => {
      let value = 0;
      for (let i = 0; i < count; i++, pos++) {
        value = (value << 1) | ((data[pos >> 3] >> (7 - (pos & 7))) & 1);
      }
      return value;
    };
    const big = version >= 10;
    const pieces = [];
    let bytes = [];
    const flushBytes = () => {
      if (!bytes.length) return;
      const array = Uint8Array.from(bytes);
      try { pieces.push(new TextDecoder("utf-8", { fatal: true }).decode(array)); }
      catch (_) { pieces.push(String.fromCharCode(...array)); }
      bytes = [];
    };
    while (pos + 4 <= total) {
      const mode = read(4);
      if (mode === 0) break;
      if (mode === 7) { read(8); continue; }                 // ECI designator (one byte): UTF-8 assumed
      if (mode === 4) {
        const count = read(big ? 16 : 8);
        for (let i = 0; i < count; i++) bytes.push(read(8));
        continue;
      }
      flushBytes();
      if (mode === 1) {
        let count = read(big ? 12 : 10);
        let text = "";
        for (; count >= 3; count -= 3) text += String(read(10)).padStart(3, "0");
        if (count === 2) text += String(read(7)).padStart(2, "0");
        else if (count === 1) text += String(read(4));
        pieces.push(text);
      } else if (mode === 2) {
        let count = read(big ? 11 : 9);
        let text = "";
        for (; count >= 2; count -= 2) { const v = read(11); text += ALNUM[Math.floor(v / 45)] + ALNUM[v % 45]; }
        if (count === 1) text += ALNUM[read(6)];
        pieces.push(text);
      } else {
        throw new Error(`unsupported segment mode ${mode}`);
      }
    }
    flushBytes();
    // What follows the terminator is padding: 0xEC, 0x11, … — a misread grid almost never looks like that.
    // (Some encoders, segno among them, add one whole zero byte when the terminator ends on a byte boundary.)
    let next = (pos + 7) >> 3;
    if (data[next] === 0 && pos % 8 === 0) next += 1;
    for (let i = next; i < data.length; i++) {
      if (data[i] !== ((i - next) % 2 === 0 ? 0xec : 0x11)) throw new Error("bad padding");
    }
    return pieces.join("");
  }

  function decodeMatrix(m) {
    const n = m.length;
    const version = (n - 17) / 4;
    if (!Number.isInteger(version) || !BLOCKS[version]) throw new Error(`unsupported size ${n}`);
    for (let c = 8; c < n - 8; c++) {  // the timing pattern proves the grid was sampled in step
      if (m[6][c] !== (c % 2 === 0 ? 1 : 0) || m[c][6] !== (c % 2 === 0 ? 1 : 0)) throw new Error("no timing pattern");
    }
    const format = readFormat(m);
    const raw = codewords(m, version, format.mask);
    return parseSegments(dataCodewords(raw, version, format.ec), version);
  }

  // -- from pixels ---------------------------------------------------------------------------------------

  function binarize(image) {
    const { width, height, data } = image;
    const grey = new Uint8Array(width * height);
    let lo = 255;
    let hi = 0;
    for (let i = 0; i < width * height; i++) {
      const alpha = data[i * 4 + 3] / 255;  // transparent counts as white paper
      const v = Math.round((0.299 * data[i * 4] + 0.587 * data[i * 4 + 1] + 0.114 * data[i * 4 + 2]) * alpha
        + 255 * (1 - alpha));
      grey[i] = v;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    const threshold = (lo + hi) / 2;
    const dark = new Uint8Array(width * height);
    for (let i = 0; i < grey.length; i++) dark[i] = grey[i] < threshold ? 1 : 0;
    return { width, height, dark };
  }

  /** Runs of 1:1:3:1:1 (dark first) along a line; yields [centre, module size]. */
  function finderRuns(get, length) {
    const found = [];
    const runs = [];
    let start = 0;
    for (let i = 1; i <= length; i++) {
      if (i === length || get(i) !== get(start)) {
        runs.push({ value: get(start), start, size: i - start });
        start = i;
      }
    }
    for (let k = 0; k + 4 < runs.length; k++) {
      const r = runs.slice(k, k + 5);
      if (r[0].value !== 1) continue;
      const unit = r.reduce((sum, x) => sum + x.size, 0) / 7;
      const ok = Math.abs(r[0].size - unit) < unit / 2 && Math.abs(r[1].size - unit) < unit / 2
        && Math.abs(r[2].size - 3 * unit) < 1.5 * unit && Math.abs(r[3].size - unit) < unit / 2
        && Math.abs(r[4].size - unit) < unit / 2;
      if (ok) found.push([r[2].start + r[2].size / 2, unit]);
    }
    return found;
  }

  function findFinders(img) {
    const { width, height, dark } = img;
    const centres = [];
    for (let y = 0; y < height; y++) {
      for (const [x, unit] of finderRuns((i) => dark[y * width + i], width)) {
        const column = Math.floor(x);
        const vertical = finderRuns((i) => dark[i * width + column], height)
          .filter(([cy, u]) => Math.abs(cy - (y + 0.5)) < 2 * u && Math.abs(u - unit) < unit / 2);
        if (!vertical.length) continue;
        const [cy] = vertical[0];
        const near = centres.find((c) => Math.abs(c.x - x) < unit * 2 && Math.abs(c.y - cy) < unit * 2);
        if (near) { near.hits += 1; near.unit = (near.unit + unit) / 2; }
        else centres.push({ x, y: cy, unit, hits: 1 });
      }
    }
    return centres.sort((a, b) => b.hits - a.hits).slice(0, 12);
  }

  function sample(img, tl, tr, bl, n) {
    const px = (tr.x - tl.x) / (n - 7);
    const py = (bl.y - tl.y) / (n - 7);
    const rows = [];
    for (let r = 0; r < n; r++) {
      const row = [];
      for (let c = 0; c < n; c++) {
        const x = Math.floor(tl.x + (c - 3) * px);
        const y = Math.floor(tl.y + (r - 3) * py);
        row.push(x >= 0 && y >= 0 && x < img.width && y < img.height ? img.dark[y * img.width + x] : 0);
      }
      rows.push(row);
    }
    return rows;
  }

  function decodeImageData(image) {
    const img = binarize(image);
    const finders = findFinders(img);
    for (const tl of finders) {
      for (const tr of finders) {
        if (tr === tl || tr.x <= tl.x || Math.abs(tr.y - tl.y) > tl.unit * 2) continue;
        for (const bl of finders) {
          if (bl === tl || bl === tr || bl.y <= tl.y || Math.abs(bl.x - tl.x) > tl.unit * 2) continue;
          const unit = (tl.unit + tr.unit + bl.unit) / 3;
          const estimate = Math.round(((tr.x - tl.x) + (bl.y - tl.y)) / 2 / unit) + 7;
          const base = estimate - ((estimate - 1) % 4 + 4) % 4;  // sizes are 4v + 17 ≡ 1 (mod 4)
          for (const n of [base, base + 4, base - 4]) {
            if (n < 21) continue;
            try { return decodeMatrix(sample(img, tl, tr, bl, n)); } catch (_) { /* next guess */ }
          }
        }
      }
    }
    return null;
  }

  window.wxsandboxQr = { decodeMatrix, decodeImageData };
})();
