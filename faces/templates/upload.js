"use strict";
const form = document.getElementById("upload-form"), out = document.getElementById("result");
const limit = Number(form.dataset.maxBytes), button = form.querySelector("button");
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
function show(kind, lines, rows) {
  out.replaceChildren();
  out.className = kind;
  for (const line of lines) add(out, "p", line);
  if (rows && rows.length) {
    add(out, "h2", "Rows not loaded, and why");
    const list = add(out, "ul");
    for (const row of rows) add(list, "li", row);
  }
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
  show("busy", ["Checking your file\u2026"]);
  try {
    const response = await fetch("upload?" + params, {method: "POST", body: file,
      headers: {"Content-Type": "application/octet-stream"}});
    let data;
    try { data = await response.json(); }
    catch { data = {message: "The server answered " + response.status + " "
      + response.statusText + "; try again later."}; }
    if (response.ok && data.summary_lines) {
      const lines = data.summary_lines.concat(data.notes.map((n) => "Note: " + n));
      if (data.details_error) lines.push(data.details_error);
      const rows = data.rejected_rows.map((r) => "[" + r.sheet + "] " + r.message);
      const more = data.rejected_rows_total - data.rejected_rows.length;
      if (more > 0) rows.push("\u2026 and " + more + " more: see table rejected_rows, upload "
        + data.upload_id + ".");
      show("loaded", lines, rows);
    } else {
      show("refused", [(data.status === "refused" ? "Refused: " : "Not loaded: ")
        + data.message]);
    }
  } catch (error) {
    show("refused", ["The upload did not reach the server (" + error.message
      + "); check the connection and try again."]);
  } finally {
    button.disabled = false;
  }
  try {  // the list of recent uploads, as the server renders it
    const page = await (await fetch("./", {cache: "no-store"})).text();
    const recent = new DOMParser().parseFromString(page, "text/html").getElementById("recent");
    if (recent) document.getElementById("recent").replaceWith(recent);
  } catch { /* the list stays as it was */ }
});
