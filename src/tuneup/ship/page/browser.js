// In-browser inference with ONNX Runtime Web (vendored under ort/ at export time: no network needed).
// Preprocessing repeats what the server does in Python, step for step: images as Pillow decodes and
// resizes them (data/images.py: decode_one), table rows as Encoder.raw_numeric and Encoder._codes do.
"use strict";

const PRECISION_BITS = 22; // Pillow's fixed-point resampling for 8-bit images (Resample.c)
const UNKNOWN = "<unknown>", MISSING = "<missing>";
const DATE_PARTS = ["year", "month", "day", "dayofweek", "hour"];

// ---- images: Pillow's BILINEAR resize, exactly --------------------------------------------------
function coefficients(inSize, outSize) {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1.0);
  const support = 1.0 * filterscale; // the bilinear filter's support is 1
  const out = [];
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    const w = new Float64Array(xmax);
    let total = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - center + 0.5) / filterscale);
      w[x] = t < 1.0 ? 1.0 - t : 0.0;
      total += w[x];
    }
    const k = new Int32Array(xmax);
    for (let x = 0; x < xmax; x++) {
      const v = total !== 0 ? w[x] / total : w[x];
      k[x] = Math.trunc(v < 0 ? -0.5 + v * (1 << PRECISION_BITS) : 0.5 + v * (1 << PRECISION_BITS));
    }
    out.push({ xmin, k });
  }
  return out;
}

function clip8(ss) {
  return Math.min(255, Math.max(0, ss >> PRECISION_BITS));
}

// one 8-bit plane (h, w) -> (outH, outW): horizontal pass, then vertical, each rounded to 8 bits
function resizePlane(src, w, h, outW, outH) {
  let cur = src, cw = w;
  if (outW !== w) {
    const cs = coefficients(w, outW);
    const tmp = new Uint8Array(outW * h);
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < outW; xx++) {
        const { xmin, k } = cs[xx];
        let ss = 1 << (PRECISION_BITS - 1);
        for (let x = 0; x < k.length; x++) ss += cur[y * cw + x + xmin] * k[x];
        tmp[y * outW + xx] = clip8(ss);
      }
    }
    cur = tmp;
    cw = outW;
  }
  if (outH !== h) {
    const cs = coefficients(h, outH);
    const tmp = new Uint8Array(cw * outH);
    for (let yy = 0; yy < outH; yy++) {
      const { xmin: ymin, k } = cs[yy];
      for (let x = 0; x < cw; x++) {
        let ss = 1 << (PRECISION_BITS - 1);
        for (let y = 0; y < k.length; y++) ss += cur[(y + ymin) * cw + x] * k[y];
        tmp[yy * cw + x] = clip8(ss);
      }
    }
    cur = tmp;
  }
  return cur;
}

async function decodePixels(file, size, channels) {
  const bitmap = await createImageBitmap(file, { colorSpaceConversion: "none", imageOrientation: "from-image" });
  const w = bitmap.width, h = bitmap.height;
  const canvas = document.createElement("canvas");
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext("2d", { willReadFrequently: true });
  ctx.drawImage(bitmap, 0, 0);
  const rgba = ctx.getImageData(0, 0, w, h).data;
  const planes = Array.from({ length: channels }, () => new Uint8Array(w * h));
  for (let i = 0; i < w * h; i++) {
    const a = rgba[4 * i + 3];
    // transparent pixels over white, as decode_one flattens alpha
    const c = (v) => (a === 255 ? v : Math.round((v * a + 255 * (255 - a)) / 255));
    const r = c(rgba[4 * i]), g = c(rgba[4 * i + 1]), b = c(rgba[4 * i + 2]);
    if (channels === 1) planes[0][i] = (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16; // Pillow's RGB -> L
    else { planes[0][i] = r; planes[1][i] = g; planes[2][i] = b; }
  }
  const pixels = new Uint8Array(channels * size * size); // (C, H, W)
  planes.forEach((p, ch) => pixels.set(resizePlane(p, w, h, size, size), ch * size * size));
  return { pixels, width: w, height: h };
}

// ---- tables: Encoder.raw_numeric and category codes ---------------------------------------------
function categoryText(v) {
  return v === null || v === undefined ? MISSING : String(v);
}

function dateParts(v) {
  const m = v == null ? null : String(v).match(/^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2})(?::(\d{2}))?)?/);
  if (!m) return DATE_PARTS.map(() => NaN);
  const [y, mo, d, hr] = [Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] || 0)];
  const dow = (new Date(Date.UTC(y, mo - 1, d)).getUTCDay() + 6) % 7; // pandas: Monday = 0
  return [y, mo, d, dow, hr];
}

function number(v) {
  if (v === null || v === undefined || v === "") return NaN;
  if (v === true || v === false) return v ? 1 : 0;
  return Number(v);
}

function tableFeeds(spec, row) {
  const values = [], codes = [];
  for (const c of spec.columns) {
    const v = row[c.name];
    if (c.type === "numeric" || c.type === "boolean") values.push(number(v));
    else if (c.type === "datetime") values.push(...dateParts(v));
    else if (c.encoding === "onehot") {
      const at = c.categories.indexOf(categoryText(v)) + 1; // 0: unknown
      for (let i = 0; i <= c.categories.length; i++) values.push(i === at ? 1 : 0);
    } else codes.push(c.categories.indexOf(categoryText(v)) + 1);
  }
  const feeds = { features: new ort.Tensor("float32", Float32Array.from(values), [1, values.length]) };
  if (spec.columns.some((c) => c.encoding === "embedding")) {
    feeds.categories = new ort.Tensor("int64", BigInt64Array.from(codes.map(BigInt)), [1, codes.length]);
  }
  return feeds;
}

// ---- outputs, as Bundle.describe ----------------------------------------------------------------
function describe(meta, out) {
  const { task, classes, threshold } = meta;
  const row = Array.from(out);
  if (task === "binary") {
    const p = row[0];
    return { prediction: p >= threshold ? classes[1] : classes[0], score: p, threshold,
             probabilities: { [String(classes[0])]: 1 - p, [String(classes[1])]: p } };
  }
  if (task === "regression") return { prediction: row[0], score: null, threshold: null, probabilities: null };
  const probabilities = Object.fromEntries(classes.map((c, i) => [String(c), row[i]]));
  if (task === "multilabel") {
    return { prediction: classes.filter((c, i) => row[i] >= threshold), score: null, threshold: null, probabilities };
  }
  const best = row.indexOf(Math.max(...row));
  return { prediction: classes[best], score: null, threshold: null, probabilities };
}

window.TuneupBrowser = {
  decodePixels,
  async create(meta) {
    await loadScript("ort/ort.wasm.min.js");
    ort.env.wasm.wasmPaths = new URL("ort/", location.href).href;
    ort.env.wasm.numThreads = 1; // threads need cross-origin isolation, which a plain static server lacks
    const session = await ort.InferenceSession.create("model.onnx", { executionProviders: ["wasm"] });
    const encoder = await (await fetch(meta.encoder || "encoder.json")).json();
    const answer = async (feeds) => {
      const out = (await session.run(feeds))[meta.model.output];
      return { model: meta.model_version, variant: "browser", predictions: [{ request_id: null, ...describe(meta, out.data) }] };
    };
    return {
      async predictImage(file) {
        const { channels, height } = meta.input;
        const { pixels } = await decodePixels(file, height, channels);
        window.tuneupLastPixels = Array.from(pixels);
        const x = Float32Array.from(pixels, (v) => v / 255);
        return answer({ image: new ort.Tensor("float32", x, [1, channels, height, height]) });
      },
      predictRow(row) {
        return answer(tableFeeds(encoder, row));
      },
    };
  },
};
