// The upload page: one UI, two engines. "server" posts to /predict; "browser" runs the ONNX model here
// with ONNX Runtime Web (browser.js). Both answer {model, variant, predictions: [{prediction, probabilities, ...}]}.
"use strict";

const MODE = document.querySelector('meta[name="tuneup-mode"]').content;
let META = {}; // the model's metadata, once loaded
const $ = (id) => document.getElementById(id);

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

function loadScript(src) {
  return new Promise((resolve, reject) => {
    const s = document.createElement("script");
    s.src = src;
    s.onload = resolve;
    s.onerror = () => reject(new Error("cannot load " + src));
    document.head.appendChild(s);
  });
}

// ---- the server engine --------------------------------------------------------------------------
function serverEngine(meta) {
  const keyBox = $("api-key");
  if (meta.api_key_required) {
    $("key-box").hidden = false;
    keyBox.value = localStorage.getItem("tuneup-api-key") || "";
    keyBox.addEventListener("change", () => localStorage.setItem("tuneup-api-key", keyBox.value));
  }
  // one id per browser, so an A/B test shows this person the same model every time
  let client = localStorage.getItem("tuneup-client-id");
  if (!client) {
    client = crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2);
    localStorage.setItem("tuneup-client-id", client);
  }
  async function post(body, json) {
    const headers = json ? { "Content-Type": "application/json" } : {};
    headers["X-Client-Id"] = client;
    // a browser that opened this page sends the key it was asked for (HTTP Basic); the box is another way
    if (meta.api_key_required && keyBox.value) headers["X-API-Key"] = keyBox.value;
    const r = await fetch("predict", { method: "POST", body, headers });
    const answer = await r.json().catch(() => ({ error: `the server answered ${r.status}` }));
    if (!r.ok) throw new Error(answer.error || `the server answered ${r.status}`);
    return answer;
  }
  return {
    predictImage(file) {
      const form = new FormData();
      form.append("files", file, file.name || "upload");
      return post(form, false);
    },
    predictRow(row) {
      return post(JSON.stringify({ rows: [row] }), true);
    },
  };
}

// ---- showing a prediction -----------------------------------------------------------------------
function fmt(p) {
  return (100 * p).toFixed(1) + "%";
}

function showAnswer(answer) {
  const p = answer.predictions[0];
  const label = Array.isArray(p.prediction) ? (p.prediction.join(", ") || "(no label)") : String(p.prediction);
  $("label").textContent = label;
  const positive = META.positive_class != null ? String(META.positive_class) : "positive";
  $("confidence").textContent = p.score == null ? "" : `P(${positive}) = ${p.score.toFixed(3)}, ` +
    `${p.score >= p.threshold ? "at or above" : "below"} the decision threshold ${p.threshold}`;
  const table = $("probabilities");
  table.replaceChildren();
  const probs = Object.entries(p.probabilities || {}).sort((a, b) => b[1] - a[1]);
  for (const [name, value] of probs) {
    const tr = table.insertRow();
    tr.dataset.label = name;
    tr.insertCell().textContent = name;
    const bar = tr.insertCell();
    bar.className = "bar";
    const fill = document.createElement("div");
    fill.className = "fill";
    fill.style.width = fmt(value);
    bar.appendChild(fill);
    const v = tr.insertCell();
    v.className = "p";
    v.textContent = fmt(value);
    v.dataset.value = String(value);
  }
  $("model").textContent = answer.model + (answer.variant && answer.variant !== "primary" ? ` (${answer.variant})` : "");
  $("request-id").textContent = p.request_id || "-";
  $("notes").replaceChildren(...(p.notes || []).map((n) => Object.assign(document.createElement("li"), { textContent: n })));
  $("result").hidden = false;
  $("result").dataset.ready = "1";
  window.tuneupLastAnswer = answer;
}

async function run(task) {
  showError("");
  $("result").dataset.ready = "";
  try {
    showAnswer(await task());
  } catch (e) {
    showError(e.message || String(e));
  }
}

// ---- images -------------------------------------------------------------------------------------
function imageUI(engine) {
  $("image-box").hidden = false;
  const drop = $("drop");
  const choose = (file) => {
    if (!file) return;
    const preview = $("preview");
    preview.src = URL.createObjectURL(file);
    preview.hidden = false;
    run(() => engine.predictImage(file));
  };
  $("file").addEventListener("change", (e) => choose(e.target.files[0]));
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => {
    e.preventDefault();
    drop.classList.remove("over");
    choose(e.dataTransfer.files[0]);
  });
}

// ---- tables -------------------------------------------------------------------------------------
const OTHER = "<another value>"; // the select's "another value…": a value training never saw (the model treats it as unknown)
const MAX_SELECT = 60; // more categories than this: a text box that suggests them as one types

function number(v) { // 6 significant digits, no trailing zeros after the point: 18.25, 120000, 1e+6
  const s = Number(v).toPrecision(6);
  if (s.includes("e")) return s.replace(/\.?0+e/, "e");
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}

// a column's control, and what to say beside it (the training categories or range)
function field(col) {
  let input, hint = "";
  if (col.type === "boolean") {
    input = document.createElement("select");
    for (const v of ["", "true", "false"]) input.add(new Option(v || "(missing)", v));
  } else if (col.type === "categorical" && col.categories.length <= MAX_SELECT) {
    input = document.createElement("select");
    input.add(new Option(col.nullable ? "(missing)" : "choose…", ""));
    for (const c of col.categories) input.add(new Option(c, c));
    input.add(new Option("another value…", OTHER));
    hint = `${col.categories.length} categories in training`;
  } else {
    input = document.createElement("input");
    input.type = col.type === "numeric" ? "number" : col.type === "datetime" ? "datetime-local" : "text";
    if (col.type === "numeric") {
      input.step = "any";
      if (col.min != null) hint = `training range ${number(col.min)} to ${number(col.max)}`;
    }
    if (col.type === "categorical") {
      const list = document.createElement("datalist");
      list.id = "choices-" + col.name;
      for (const c of col.categories) list.appendChild(new Option(c));
      document.body.appendChild(list);
      input.setAttribute("list", list.id);
      hint = `${col.categories.length} categories in training: type to see them`;
    }
    input.placeholder = col.nullable ? "(may be left empty)" : "";
  }
  input.name = col.name;
  input.required = !col.nullable;
  return { input, hint };
}

// the text box "another value…" opens
function otherBox(col) {
  const other = document.createElement("input");
  other.type = "text";
  other.id = "field-" + col.name + "-other";
  other.hidden = true;
  other.placeholder = "a value not seen in training";
  other.setAttribute("aria-label", col.name + " (another value)");
  return other;
}

function value(col) {
  const control = document.getElementById("field-" + col.name);
  if (control.value === OTHER) return document.getElementById("field-" + col.name + "-other").value.trim();
  return control.value.trim();
}

// a number outside the training range is allowed (the model extrapolates) but said
function watchRange(col, input, hint) {
  if (col.type !== "numeric" || col.min == null) return;
  const check = () => {
    const v = input.value.trim() === "" ? NaN : Number(input.value);
    const outside = Number.isFinite(v) && (v < col.min || v > col.max);
    hint.classList.toggle("outside", outside);
    hint.textContent = `training range ${number(col.min)} to ${number(col.max)}` +
      (outside ? ": this value is outside it, the model has not seen such values" : "");
  };
  input.addEventListener("input", check);
}

function readRow(columns) {
  const row = {};
  for (const col of columns) {
    const raw = value(col);
    if (raw === "") { row[col.name] = null; continue; }
    if (col.type === "numeric") row[col.name] = Number(raw);
    else if (col.type === "boolean") row[col.name] = raw === "true";
    else row[col.name] = raw;
  }
  return row;
}

function tableUI(engine, schema) {
  $("table-box").hidden = false;
  const fields = $("fields");
  for (const col of schema.columns) {
    const label = document.createElement("label");
    label.textContent = col.name;
    label.htmlFor = "field-" + col.name;
    const { input, hint } = field(col);
    input.id = "field-" + col.name;
    const cell = document.createElement("div");
    cell.className = "control";
    cell.append(input);
    if (input.tagName === "SELECT" && col.type === "categorical") {
      const other = otherBox(col);
      input.addEventListener("change", () => { other.hidden = input.value !== OTHER; other.required = !other.hidden; });
      cell.append(other);
    }
    const note = document.createElement("span");
    note.className = "hint muted";
    note.id = "hint-" + col.name;
    note.textContent = hint;
    cell.append(note);
    watchRange(col, input, note);
    fields.append(label, cell);
  }
  $("table-box").addEventListener("submit", (e) => {
    e.preventDefault();
    run(() => engine.predictRow(readRow(schema.columns)));
  });
}

// which model answers, and at which decision threshold
function servingLine(meta, name) {
  const binary = meta.task === "binary";
  const positive = meta.positive_class != null ? String(meta.positive_class) : "the positive class";
  const rule = (m) => binary && m.threshold != null
    ? ` answers ${positive} when P(${positive}) is at least the decision threshold ${m.threshold_is || m.threshold}`
    : "";
  const file = meta.file || (meta.files && meta.files.fp32) || "";
  let text = `Answers come from model version ${name}` + (file ? ` (${file})` : "");
  const own = rule(meta);
  text += own ? `, which${own}.` : ".";
  const cand = meta.candidate;
  if (cand) {
    text += ` For ${Math.round(100 * cand.share)}% of browsers model version ${cand.model}` +
      (cand.file ? ` (${cand.file})` : "") + " answers instead, in an A/B test; each answer names its model" +
      (rule(cand) ? `. That model${rule(cand)}` : "") + ".";
  }
  return text;
}

// ---- start --------------------------------------------------------------------------------------
async function start() {
  try {
    const meta = await (await fetch(MODE === "browser" ? "metadata.json" : "metadata")).json();
    META = meta;
    const name = typeof meta.model === "string" ? meta.model : meta.model_version; // metadata.json's model: its graph
    document.title = name;
    $("title").textContent = name;
    const dev = meta.dev_metric != null ? `, dev ${meta.metric} ${Number(meta.dev_metric).toFixed(3)}` : "";
    $("about").textContent = `${meta.task} ${meta.kind} model${dev}; ` +
      (MODE === "browser" ? "runs entirely in this browser" : "predictions from the server");
    $("serving").textContent = servingLine(meta, name);
    let engine;
    if (MODE === "browser") {
      await loadScript("page/browser.js");
      engine = await window.TuneupBrowser.create(meta);
    } else {
      engine = serverEngine(meta);
    }
    if (meta.kind === "image") imageUI(engine); else tableUI(engine, meta.input);
    document.body.dataset.ready = "1";
  } catch (e) {
    showError("cannot start: " + (e.message || e));
  }
}

start();
