// srs-scan review page. Everything comes from this server; corrections are POSTed as
// JSON with the launch token in a header (see srs_scan/review.py).
"use strict";

const token = document.querySelector('meta[name="srs-scan-token"]').content;
let current = null; // the page shown (its detail, as the server sent it)

function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}

function fmt(value) { return value === null || value === undefined ? "-" : Number(value).toFixed(1); }

async function api(path, options) {
  const response = await fetch(path, Object.assign({ credentials: "same-origin" }, options || {}));
  const data = await response.json();
  if (!response.ok) throw new Error(data.error || response.statusText);
  return data;
}

async function loadPages(selectId) {
  const data = await api("/api/pages");
  const list = document.getElementById("pages");
  list.replaceChildren();
  const review = data.pages.filter((p) => p.status === "review").length;
  document.getElementById("counts").textContent =
    `${data.pages.length} page(s), ${review} to review`;
  for (const p of data.pages) {
    const item = el("li");
    item.dataset.pageId = p.page_id;
    const status = el("span", p.corrected ? `${p.status}, corrected` : p.status,
      p.status === "review" ? "review" : p.corrected ? "corrected" : "ok");
    status.dataset.role = "status";
    item.append(el("code", p.page_id), " ", el("span", `${p.source} p${p.page}`), el("br"),
      el("span", `${(p.form || "?").toUpperCase()} total ${fmt(p.total)} `), status);
    if (p.near_cutoff) item.append(el("br"), el("span", `close to cutoff: ${p.near_cutoff}`, "muted"));
    item.addEventListener("click", () => showPage(p.page_id));
    list.append(item);
  }
  const first = selectId || (data.pages.length ? data.pages[0].page_id : null);
  if (first) await showPage(first);
}

function render(page) {
  current = page;
  document.getElementById("mm").placeholder = `0.0-${lineMm().toFixed(1)}`; // the form's own line
  document.getElementById("detail").hidden = false;
  document.getElementById("client-view").hidden = true;
  showAssignment(page);
  for (const li of document.querySelectorAll("#pages li")) {
    li.classList.toggle("current", li.dataset.pageId === page.page_id);
    if (li.dataset.pageId === page.page_id) {
      const status = li.querySelector('[data-role="status"]');
      if (status) {
        status.textContent = page.corrected ? `${page.status}, corrected` : page.status;
        status.className = page.status === "review" ? "review" : page.corrected ? "corrected" : "ok";
      }
    }
  }
  document.getElementById("title").textContent =
    `${page.source} p${page.page}: ${(page.form || "form type unknown").toUpperCase()}, total ${fmt(page.total)}, ${page.status}`;
  const meta = [`page id ${page.page_id}`];
  if (page.client) meta.push(`client ${page.client}`);
  if (page.session !== null) meta.push(`session ${page.session}`);
  if (page.near_cutoff) meta.push(`close to a clinical cutoff: ${page.near_cutoff}`);
  document.getElementById("meta").textContent = meta.join(" · ");
  const reasons = document.getElementById("reasons");
  reasons.replaceChildren();
  for (const r of page.reasons) reasons.append(el("li", `review: ${r}`, "review"));
  for (const f of page.flags) reasons.append(el("li", `flag: ${f}`));
  for (const w of page.warnings) reasons.append(el("li", `warning: ${w}`, "muted"));
  const body = document.querySelector("#items tbody");
  body.replaceChildren();
  page.items.forEach((item, i) => {
    const row = el("tr");
    row.dataset.item = String(i + 1);
    const notes = item.reasons.slice();
    if (item.corrected) notes.push(`machine read ${item.machine_mm === null ? "no mark" : fmt(item.machine_mm) + " mm"}`);
    row.append(el("td", i + 1), el("td", item.name), el("td", fmt(item.mm)), el("td", fmt(item.score)),
      el("td", item.corrected ? "corrected" : item.status,
        item.corrected ? "corrected" : item.status === "review" ? "review" : ""),
      el("td", notes.join("; ")));
    row.addEventListener("click", () => chooseItem(i + 1, item.mm));
    body.append(row);
  });
  // one choice per line of this page's form (four on the PCOMS forms, a clinic form's own count)
  const select = document.getElementById("item");
  const chosen = select.value;
  select.replaceChildren(...Array.from({ length: Math.max(page.items.length, 1) }, (_, i) => {
    const option = el("option", String(i + 1));
    option.value = String(i + 1);
    return option;
  }));
  if (Number(chosen) <= select.options.length) select.value = chosen;
  document.getElementById("correction").hidden = !page.correctable;
  const note = document.getElementById("image-note");
  const audit = document.getElementById("audit-image");
  const original = document.getElementById("original-image");
  if (page.image) {
    note.hidden = true;
    audit.hidden = original.hidden = false;
    audit.src = `/image/${page.page_id}/audit.jpg?v=${page.image.version}`;
    original.src = `/image/${page.page_id}/original.jpg?v=${page.image.version}`;
  } else {
    note.hidden = false;
    note.textContent = `No image: ${page.image_note}`;
    audit.hidden = original.hidden = true;
  }
  const trail = document.getElementById("trail");
  trail.replaceChildren();
  if (page.trail.length) {
    trail.append(el("h2", "Corrections (the machine reading is kept)"));
    const table = el("table");
    table.append(el("tr"));
    table.firstChild.append(...["when (UTC)", "item", "from", "to", "by", "reason", "via"].map((h) => el("th", h)));
    for (const c of page.trail) {
      const row = el("tr");
      row.append(el("td", c.at), el("td", c.item), el("td", c.old_mm === null ? c.old_status : fmt(c.old_mm)),
        el("td", c.new_mm === null ? "missing" : fmt(c.new_mm)), el("td", c.by), el("td", c.reason), el("td", c.via));
      table.append(row);
    }
    trail.append(table);
  }
}

async function showPage(pageId) {
  setMessage("");
  render(await api(`/api/page/${pageId}`));
}

// "64.5" or "64,5" (a decimal comma) -> 64.5; anything else -> null. Never a thousands
// separator: "6,4" is 6.4, not 64.
function lineMm() { return current && current.line_mm ? current.line_mm : 100; }

function parseMm(raw) {
  const text = raw.trim().replace(",", ".");
  if (!/^\d{1,3}(\.\d+)?$/.test(text)) return null;
  const value = Number(text);
  return value >= 0 && value <= lineMm() ? Math.round(value * 10) / 10 : null;
}

function updatePreview() {
  const raw = document.getElementById("mm").value;
  const preview = document.getElementById("preview");
  if (document.getElementById("missing").checked || raw.trim() === "") { preview.textContent = ""; return; }
  const mm = parseMm(raw);
  const top = lineMm();
  preview.textContent = mm === null ? `type mm from 0.0 to ${top.toFixed(1)}`
    : `= score ${(top === 100 ? mm / 10 : 10 * mm / top).toFixed(1)} (${mm.toFixed(1)} mm)`;
}

function chooseItem(n, mm) {
  document.getElementById("item").value = String(n);
  document.getElementById("missing").checked = false;
  document.getElementById("mm").value = mm === null || mm === undefined ? "" : Number(mm).toFixed(1);
  updatePreview();
}

function setMessage(text, cls) {
  const m = document.getElementById("message");
  m.textContent = text;
  m.className = cls || "";
}

async function onImageClick(event) {
  if (!current || !current.image) return;
  const img = event.currentTarget;
  const x = (event.offsetX * img.naturalWidth) / img.clientWidth;
  const y = (event.offsetY * img.naturalHeight) / img.clientHeight;
  const hit = await api(`/api/locate/${current.page_id}?x=${x.toFixed(1)}&y=${y.toFixed(1)}`);
  if (hit.item === null) {
    setMessage("That is not on a line: click on the line, where the mark is.", "error");
    return;
  }
  chooseItem(hit.item, hit.mm);
  setMessage(`Item ${hit.item}: ${fmt(hit.mm)} mm. Add your name and a reason, then save.`);
  document.getElementById("reason").focus();
}

async function onSave(event) {
  event.preventDefault();
  setMessage("");
  if (!current) return;
  const missing = document.getElementById("missing").checked;
  const raw = document.getElementById("mm").value;
  const mm = missing ? null : parseMm(raw);
  if (!missing && mm === null) {
    setMessage(`Not saved: type the value in mm, from 0.0 to ${lineMm().toFixed(1)} (e.g. 64.5), or tick 'no mark'.`, "error");
    return;
  }
  const by = document.getElementById("by").value.trim();
  const n = Number(document.getElementById("item").value);
  const shown = current.items[n - 1];
  const request = {
    page_id: current.page_id,
    item: n,
    missing: missing,
    mm: mm,
    by: by,
    reason: document.getElementById("reason").value,
    // the value this person saw: if someone else changed it meanwhile, nothing is saved
    expected: shown ? { mm: shown.mm, status: shown.status } : null,
  };
  try {
    const page = await api("/api/correct", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-SRS-Token": token },
      body: JSON.stringify(request),
    });
    try { localStorage.setItem("srs-scan-reviewer", by); } catch (e) { /* private mode */ }
    render(page);
    document.getElementById("reason").value = "";
    setMessage(`Saved: item ${request.item} ${missing ? "marked missing" : `set to ${fmt(request.mm)} mm`}.`, "ok");
  } catch (error) {
    setMessage(`Not saved: ${error.message}`, "error");
  }
}

// --- whose form and when ------------------------------------------------------------------

function showAssignment(page) {
  const a = page.assignment || {};
  const shown = [];
  if (page.client) shown.push(`QR code: client ${page.client}` + (page.session !== null ? `, session ${page.session}` : ""));
  const parts = ["client", "session", "date", "therapist", "site"].filter((k) => a[k] !== null && a[k] !== undefined)
    .map((k) => `${k} ${a[k]}`);
  if (parts.length) shown.push(`assigned: ${parts.join(", ")}`);
  if (!shown.length) shown.push("not assigned yet: no client, session or date");
  if (page.assignment_trail && page.assignment_trail.length) {
    const last = page.assignment_trail[page.assignment_trail.length - 1];
    shown.push(`last change ${last.at} by ${last.by} (${last.via})`);
  }
  document.getElementById("as-current").textContent = shown.join(" · ");
  for (const k of ["client", "session", "date", "therapist", "site"]) document.getElementById(`as-${k}`).value = "";
  document.getElementById("as-message").textContent = "";
}

async function onAssign(event) {
  event.preventDefault();
  if (!current) return;
  const request = { page_id: current.page_id, by: document.getElementById("by").value.trim() };
  for (const k of ["client", "session", "date", "therapist", "site"]) {
    const v = document.getElementById(`as-${k}`).value.trim();
    request[k] = v === "" ? null : v;
  }
  const message = document.getElementById("as-message");
  if (!request.by) { message.textContent = "Not saved: type your name (in the correction form) first."; message.className = "error"; return; }
  try {
    const result = await api("/api/assign", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-SRS-Token": token },
      body: JSON.stringify(request),
    });
    current.assignment = result.assignment;
    current.assignment_trail = result.assignment_trail;
    showAssignment(current);
    message.textContent = "Saved: the assignment is in the ledger's trail.";
    message.className = "ok";
  } catch (error) {
    message.textContent = `Not saved: ${error.message}`;
    message.className = "error";
  }
}

// --- clients ------------------------------------------------------------------------------

function showTab(which) {
  document.getElementById("pages-pane").hidden = which !== "pages";
  document.getElementById("clients-pane").hidden = which !== "clients";
  document.getElementById("tab-pages").classList.toggle("current", which === "pages");
  document.getElementById("tab-clients").classList.toggle("current", which === "clients");
  if (which === "clients") loadClients().catch((error) => setMessage(`Cannot load the clients: ${error.message}`, "error"));
}

async function loadClients() {
  const data = await api("/api/clients");
  const list = document.getElementById("clients");
  list.replaceChildren();
  const concerns = (c) => c.alerts.filter((a) => !a.good_news);
  const order = data.clients.slice().sort((a, b) =>
    (concerns(a).length ? Math.min(...concerns(a).map((x) => x.rank)) : 99) -
    (concerns(b).length ? Math.min(...concerns(b).map((x) => x.rank)) : 99) || a.id.localeCompare(b.id));
  for (const c of order) {
    const item = el("li");
    item.dataset.client = c.id;
    item.append(el("code", c.id), " ", el("span", `${c.sessions} session(s), ORS ${fmt(c.last_ors)}, SRS ${fmt(c.last_srs)}`));
    const open = concerns(c);
    if (open.length) item.append(el("br"), el("span", [...new Set(open.map((a) => a.code))].join(", "), "concern"));
    item.addEventListener("click", () => showClient(c.id));
    list.append(item);
  }
}

async function showClient(id) {
  const c = await api(`/api/client/${encodeURIComponent(id)}`);
  document.getElementById("detail").hidden = true;
  document.getElementById("client-view").hidden = false;
  for (const li of document.querySelectorAll("#clients li")) li.classList.toggle("current", li.dataset.client === id);
  document.getElementById("client-title").textContent = `Client ${c.id}`;
  const meta = [`${c.sessions} session(s)`];
  if (c.intake_ors !== null) meta.push(`intake ${(c.outcome_form || "ors").toUpperCase()} ${fmt(c.intake_ors)}`);
  if (c.change !== null) meta.push(`change ${c.change > 0 ? "+" : ""}${fmt(c.change)} (${c.category})`);
  if (c.unreviewed_pages) meta.push(`${c.unreviewed_pages} page(s) not yet reviewed`);
  document.getElementById("client-meta").textContent = meta.join(" · ");
  const alerts = document.getElementById("client-alerts");
  alerts.replaceChildren();
  for (const a of c.alerts) {
    const li = el("li");
    li.append(el("span", `session ${a.session}: ${a.code}`, a.good_news ? "good" : "concern"),
      ` ${a.message} (${a.rule})${a.unreviewed ? " - page not yet reviewed" : ""}`);
    alerts.append(li);
  }
  if (!c.alerts.length) alerts.append(el("li", "no open alert", "muted"));
  document.getElementById("client-plot").src = `/plot/client/${encodeURIComponent(c.id)}.svg?t=${Date.now()}`;
  const body = document.querySelector("#client-sessions tbody");
  body.replaceChildren();
  const form = (f) => f === null ? "-" : `${f.form.toUpperCase()} ${fmt(f.total)}${f.corrected ? " (corrected)" : ""}${f.reviewed ? "" : " (to review)"}`;
  for (const s of c.session_table) {
    const row = el("tr");
    const pages = el("td");
    for (const f of [s.outcome, s.alliance]) {
      if (f === null) continue;
      const link = el("a", f.page_id);
      link.href = "#";
      link.addEventListener("click", (e) => { e.preventDefault(); showPage(f.page_id); });
      pages.append(link, " ");
    }
    row.append(el("td", s.session), el("td", s.date || "unknown"), el("td", s.therapist || ""), el("td", form(s.outcome)),
      el("td", form(s.alliance)), pages);
    body.append(row);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("tab-pages").addEventListener("click", () => showTab("pages"));
  document.getElementById("tab-clients").addEventListener("click", () => showTab("clients"));
  document.getElementById("assignment").addEventListener("submit", onAssign);
  try { document.getElementById("by").value = localStorage.getItem("srs-scan-reviewer") || ""; } catch (e) { /* */ }
  document.getElementById("audit-image").addEventListener("click", onImageClick);
  document.getElementById("correction").addEventListener("submit", onSave);
  document.getElementById("mm").addEventListener("input", updatePreview);
  document.getElementById("missing").addEventListener("change", updatePreview);
  loadPages().catch((error) => setMessage(`Cannot load the pages: ${error.message}`, "error"));
});
