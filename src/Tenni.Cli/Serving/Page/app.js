// tenni serve's page: plain JavaScript, no dependencies, nothing from outside this server.
"use strict";

const $ = (id) => document.getElementById(id);
let limits = null; // from /api/model: a request over them is refused before it is sent

function element(tag, attributes = {}, text = "") {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, v);
  if (text) e.textContent = text;
  return e;
}

function percent(p) { return (100 * p).toFixed(1) + "%"; }

async function loadModel() {
  try {
    const model = await (await fetch("/api/model")).json();
    limits = model.limits;
    $("model").textContent = `${model.source_model} cut at ${model.layer} → ${model.classes.join(", ")}`;
    const report = $("report");
    if (model.report) report.append(element("a", { href: model.report, id: "report-link" }, "Open the run's report"));
    else report.textContent = "no report yet";
  } catch (e) {
    $("model").textContent = "cannot read /api/model: " + e;
  }
}

function showResult(result, file) {
  const item = element("li", { class: "result", "data-file": result.file });
  if (file) item.append(element("img", { src: URL.createObjectURL(file), alt: result.file }));
  const body = element("div", { class: "classes" });
  body.append(element("div", { class: "name" }, result.file));
  if (result.error) {
    item.classList.add("failed");
    body.append(element("div", { class: "error" }, result.error));
  } else {
    item.dataset.predicted = result.top[0].class;
    for (const t of result.top) {
      const row = element("div", { class: "bar-row", "data-class": t.class, "data-probability": t.probability });
      const bar = element("div", { class: "bar" });
      const fill = element("span");
      fill.style.width = percent(t.probability);
      bar.append(fill);
      row.append(element("span", { class: "class-name" }, t.class), bar, element("span", { class: "probability" }, percent(t.probability)));
      body.append(row);
    }
  }
  item.append(body);
  $("results").prepend(item);
}

async function classify(files) {
  if (!files.length) return;
  const total = files.reduce((sum, f) => sum + f.size, 0);
  if (limits && (files.length > limits.max_files || total > limits.max_request_bytes)) {
    $("status").textContent = `too much at once: ${files.length} files, ${total} bytes (at most ${limits.max_files} files, ${limits.max_request_bytes} bytes)`;
    return;
  }
  const form = new FormData();
  for (const f of files) form.append("files", f, f.name);
  $("status").textContent = `classifying ${files.length} photo(s)…`;
  $("status").dataset.state = "busy";
  try {
    const response = await fetch("/api/predict", { method: "POST", body: form });
    const body = await response.json();
    const results = Array.isArray(body) ? body : (body.files || [{ file: files.length === 1 ? files[0].name : "request", error: body.error }]);
    results.forEach((r, i) => showResult(r, files[i]));
    $("status").textContent = response.ok ? `classified ${results.filter((r) => !r.error).length} of ${results.length}` : body.error;
  } catch (e) {
    $("status").textContent = "the request failed: " + e;
  }
  $("status").dataset.state = "done";
}

async function loadMistakes() {
  $("mistakes-status").textContent = "evaluating the validation photos (once)…";
  const body = await (await fetch("/api/mistakes")).json();
  const list = $("mistakes");
  list.replaceChildren();
  if (!body.available) {
    $("mistakes-status").textContent = body.reason || body.error;
    return;
  }
  $("mistakes-status").textContent = `${body.count} validation photos, accuracy ${percent(body.accuracy)}; ` +
    (body.mistakes.length ? `the ${body.mistakes.length} most confident mistakes:` : "no mistakes");
  for (const m of body.mistakes) {
    const item = element("li", { "data-class": m.predicted_class });
    item.append(element("img", { src: m.thumbnail, alt: m.file, loading: "lazy" }));
    item.append(element("div", {}, `${m.file}: ${m.true_class}, predicted ${m.predicted_class} (${percent(m.probability)})`));
    list.append(item);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  loadModel();
  const input = $("files");
  input.addEventListener("change", () => { classify([...input.files]); input.value = ""; });
  const drop = $("drop");
  drop.addEventListener("dragover", (e) => { e.preventDefault(); drop.classList.add("over"); });
  drop.addEventListener("dragleave", () => drop.classList.remove("over"));
  drop.addEventListener("drop", (e) => { e.preventDefault(); drop.classList.remove("over"); classify([...e.dataTransfer.files]); });
  $("load-mistakes").addEventListener("click", loadMistakes);
});
