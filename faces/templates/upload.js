"use strict";
// Text from the server is written with textContent only, never as HTML.
const form = document.getElementById("upload-form"), out = document.getElementById("result");
const limit = Number(form.dataset.maxBytes), button = form.querySelector("button");
const progress = document.getElementById("progress");
const bar = document.getElementById("progress-bar"), said = document.getElementById("progress-text");
function size(n) {
  if (n < 1024) return n + " bytes";
  let s = n / 1024;
  for (const unit of ["KB", "MB"]) { if (s < 1024) return s.toFixed(1) + " " + unit; s /= 1024; }
  return s.toFixed(1) + " GB";
}
function add(parent, tag, text) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  parent.append(node);
  return node;
}
function link(parent, href, text, download) {
  const a = add(parent, "a", text);
  a.href = href;
  if (download) { a.setAttribute("download", ""); a.className = "button"; }
  return a;
}
function show(kind, lines) {
  out.replaceChildren();
  out.className = kind;
  for (const line of lines) add(out, "p", line);
}
function details(data) {
  const problems = data.issues.filter((i) => i.whole_sheet);
  for (const issue of problems) add(out, "p", issue.message).className = "problem";
  if (data.links) {
    const p = add(out, "p");
    p.className = "downloads";
    if (data.kind !== "duplicate") {
      link(p, data.links.feedback, "Download your file with every problem marked (.xlsx)", true);
      p.append(" ");
    }
    link(p, data.links.page, "Open upload " + data.upload_id);
  }
  if (data.columns.length) {
    add(out, "h3", "Columns read");
    const table = add(add(out, "div"), "table");
    table.parentNode.className = "scroll";
    const head = add(add(table, "thead"), "tr");
    for (const h of ["Sheet", "Column", "Header in your file", "Read as"]) add(head, "th", h);
    const body = add(table, "tbody");
    for (const c of data.columns) {
      const row = add(body, "tr");
      row.className = c.field ? "known" : "unknown";
      for (const v of [c.sheet, c.column, c.header,
        c.field || "not recognised (kept as an extra attribute)"]) add(row, "td", v);
    }
  }
  const rows = data.issues.filter((i) => i.severity === "error" && !i.whole_sheet);
  if (rows.length) {
    add(out, "h3", "Rows not loaded, and why");
    const list = add(out, "ul");
    for (const issue of rows) for (const m of issue.messages) add(list, "li", m);
  }
  const grouped = data.issues.filter((i) => !i.whole_sheet && i.severity !== "error");
  if (grouped.length) {
    add(out, "h3", "Warnings, skipped lines and notes");
    const list = add(out, "ul");
    for (const i of grouped) {
      const item = add(list, "li");
      add(item, "strong", i.title);
      item.append((i.where ? ", " + i.where : "") + (i.count > 1 ? " (" + i.count + ")" : "")
        + ": " + i.message);
    }
  }
}
function ticking(started) {  // said while the server reads, checks and screens the file
  return setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    said.textContent = "Checking every row and screening the projects\u2026 " + seconds
      + " s (a large workbook takes a minute)";
  }, 1000);
}
function send(file, params) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    let timer;
    xhr.open("POST", "upload?" + params);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      bar.value = Math.round(100 * e.loaded / e.total);
      said.textContent = "Sending " + size(e.loaded) + " of " + size(e.total) + "\u2026";
    };
    xhr.upload.onload = () => {
      bar.removeAttribute("value");  // indeterminate: the server is at work
      said.textContent = "Checking every row and screening the projects\u2026";
      timer = ticking(Date.now());
    };
    xhr.onload = () => { clearInterval(timer); resolve(xhr); };
    xhr.onerror = () => { clearInterval(timer); reject(new Error("no connection")); };
    xhr.send(file);
  });
}
form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = document.getElementById("file").files[0];
  if (!file) return show("refused", ["Choose a file first."]);
  if (file.size > limit) return show("refused", [form.dataset.tooLarge
    .replace("{file_name}", file.name)
    .replace("{detail}", size(file.size) + " (the limit is " + size(limit) + ")")]);
  const params = new URLSearchParams({file_name: file.name});
  const channel = document.getElementById("channel").value;
  const portfolio = document.getElementById("portfolio").value.trim();
  if (channel) params.set("channel", channel);
  if (portfolio) params.set("portfolio", portfolio);
  button.disabled = true;
  out.replaceChildren();
  bar.value = 0;
  said.textContent = "Sending\u2026";
  progress.hidden = false;
  try {
    const response = await send(file, params);
    let data;
    try { data = JSON.parse(response.responseText); }
    catch { data = {message: "The server answered " + response.status + " "
      + response.statusText + "; try again later."}; }
    if (response.status === 200 && data.summary_lines) {
      show(data.kind, data.summary_lines.concat(data.details_error || []));
      details(data);
    } else {
      show("refused", [(data.status === "refused" ? "Refused: " : "Not loaded: ")
        + data.message]);
    }
  } catch (error) {
    show("refused", ["The upload did not reach the server (" + error.message
      + "); check the connection and try again."]);
  } finally {
    button.disabled = false;
    progress.hidden = true;
  }
  try {  // the list of recent uploads, as the server renders it
    const page = await (await fetch("./", {cache: "no-store"})).text();
    const recent = new DOMParser().parseFromString(page, "text/html").getElementById("recent");
    if (recent) document.getElementById("recent").replaceWith(recent);
  } catch { /* the list stays as it was */ }
});
