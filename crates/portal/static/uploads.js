// Uploads a workbook as the request body, shows the upload's progress, and renders the server's
// answer: row errors, and how the rows stand against the ledger. Every text is set with
// textContent, so nothing in a workbook is ever read as markup.
(function () {
  const root = document.getElementById("uploads");
  if (!root) return;
  const texts = JSON.parse(root.dataset.messages);
  const BYTES_MAX = 100 * 1024 * 1024;
  const say = (key, ...args) => texts[key].replace(/\{(\d)\}/g, (_, i) => String(args[Number(i)]));

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function list(items, className) {
    const ul = element("ul", undefined, className);
    for (const item of items) ul.append(element("li", item));
    return ul;
  }

  function reportResult(answer) {
    const table = element("table", undefined, "stack compared");
    const head = element("tr");
    for (const key of ["form", "row", "code", "closing_filed", "closing_ledger"]) head.append(element("th", texts[key]));
    table.append(element("thead"));
    table.tHead.append(head);
    const body = element("tbody");
    for (const row of answer.compared) {
      const tr = element("tr");
      const ledger = row.ledger_closing ?? texts.u_no_verdict;
      const differs = row.ledger_closing !== null && row.ledger_closing !== undefined &&
        Number(row.ledger_closing) !== Number(row.closing);
      if (differs || !row.adds_up) tr.className = "invalid";
      const cells = [row.form, row.row, row.code, row.closing, ledger];
      ["form", "row", "code", "closing_filed", "closing_ledger"].forEach((key, index) => {
        const td = element("td", String(cells[index]));
        td.dataset.label = texts[key];
        tr.append(td);
      });
      body.append(tr);
    }
    table.append(body);
    return [element("p", say("u_report_summary", answer.rows, answer.error_count)), table];
  }

  function extractResult(answer) {
    const parts = [element("p", say("u_extract_summary", answer.rows, answer.declarations,
      answer.error_count, answer.equal, answer.differing.length, answer.missing_count))];
    if (answer.recorded) {
      parts.push(element("p", say("u_recorded", answer.recorded.accepted, answer.recorded.refused_count), "recorded"));
      parts.push(list(answer.recorded.refused.map((r) => say("u_differs", r.number, r.reason)), "error"));
    }
    parts.push(list(answer.differing.map((d) => say("u_differs", d.number, d.reason)), "differing"));
    if (answer.missing.length > 0) parts.push(element("p", say("u_missing", answer.missing.join(", ")), "missing"));
    return parts;
  }

  function show(section, answer) {
    const result = section.querySelector(".result");
    const errors = answer.errors.map((e) => say("u_error_row", e.sheet, e.row, e.reason));
    const parts = answer.kind === "report" ? reportResult(answer) : extractResult(answer);
    result.replaceChildren(list(errors, "error row-errors"), ...parts);
    section.dataset.summary = JSON.stringify({
      rows: answer.rows, errors: answer.error_count, equal: answer.equal,
      differing: answer.differing?.length, missing: answer.missing_count,
      recorded: answer.recorded?.accepted,
    });
    section.dataset.result = answer.kind;
  }

  function send(section) {
    const file = section.querySelector('input[type="file"]').files[0];
    const status = section.querySelector(".status");
    const progress = section.querySelector("progress");
    delete section.dataset.result;
    delete section.dataset.failed;
    if (!file) return;
    if (file.size > BYTES_MAX) {
      status.textContent = say("u_too_large", BYTES_MAX / 1048576);
      section.dataset.failed = "yes";
      return;
    }
    const record = section.querySelector('input[name="record"]')?.checked ? "&record=true" : "";
    const request = new XMLHttpRequest();
    request.open("POST", `/portal/enterprises/${encodeURIComponent(root.dataset.enterprise)}/uploads?kind=${section.dataset.kind}${record}`);
    request.setRequestHeader("x-csrf-token", root.dataset.csrf);
    request.setRequestHeader("content-type", "application/octet-stream");
    progress.hidden = false;
    request.upload.onprogress = (event) => {
      if (!event.lengthComputable) return;
      progress.value = Math.round((100 * event.loaded) / event.total);
      status.textContent = event.loaded < event.total ? say("u_sending", progress.value) : say("u_reading");
    };
    request.onload = () => {
      progress.hidden = true;
      let answer;
      try { answer = JSON.parse(request.responseText); } catch { answer = { error: request.statusText }; }
      if (request.status === 200) {
        status.textContent = "";
        show(section, answer);
      } else {
        status.textContent = say("u_failed", answer.error ?? request.status);
        section.querySelector(".result").replaceChildren();
        section.dataset.failed = "yes";
      }
    };
    request.onerror = () => {
      progress.hidden = true;
      status.textContent = say("u_failed", request.statusText || "network");
      section.dataset.failed = "yes";
    };
    request.send(file);
  }

  for (const section of root.querySelectorAll(".upload")) {
    section.querySelector(".send").addEventListener("click", () => send(section));
  }
  root.dataset.ready = "yes";
})();
