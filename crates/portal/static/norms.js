// Norm entry. Reads the rows from the form or from a Mẫu 16 workbook (exceljs), checks each one,
// then seals them in this browser with HPKE (@hpke/core) to the customs enclave's norms key and
// posts only the commitment and the sealed envelope. The opening is built exactly as
// crates/norms builds it: "bonded-norms-v1\n", the salt in hex, then one canonical line per row
// (sorted by product, material and validity start, tab-separated, decimals without trailing
// zeros); the enclave refuses anything else, so a mistake here fails loudly at verification.
import { Aes128Gcm, CipherSuite, DhkemX25519HkdfSha256, HkdfSha256 } from "@hpke/core";

const root = document.getElementById("norm-entry");
const context = JSON.parse(root.dataset.context);
const texts = JSON.parse(root.dataset.messages);
const rowsBody = document.querySelector("#norm-rows tbody");
const rowTemplate = document.getElementById("norm-row");
const errorList = document.getElementById("norm-errors");
const statusLine = document.getElementById("norm-status");

const FILE_BYTES_MAX = 10 * 1024 * 1024;
const HEADER_ROWS_MAX = 40;
const DIGITS_MAX = 28;
const encoder = new TextEncoder();

function say(key, ...args) {
  return texts[key].replace(/\{(\d)\}/g, (_, index) => String(args[Number(index)]));
}

const registered = {
  product: new Map((context?.products ?? []).map(([code, unit]) => [code, unit])),
  material: new Map((context?.materials ?? []).map(([code, unit]) => [code, unit])),
};

for (const [list, items] of [["products", registered.product], ["materials", registered.material]]) {
  const datalist = document.getElementById(list);
  for (const code of items.keys()) {
    const option = document.createElement("option");
    option.value = code;
    datalist.append(option);
  }
}

const validFromInput = document.getElementById("valid-from");
validFromInput.value = `${new Date().getFullYear()}-01-01`;

function addRow(values = {}, label = "") {
  const row = rowTemplate.content.firstElementChild.cloneNode(true);
  row.querySelector(".source").textContent = label || String(rowsBody.children.length + 1);
  for (const [name, value] of Object.entries(values)) {
    const field = row.querySelector(`[name="${name}"]`);
    if (field) field.value = value;
    else row.dataset[name] = value;
  }
  row.querySelector(".remove").addEventListener("click", () => row.remove());
  row.addEventListener("input", () => delete row.dataset.unreadable);
  rowsBody.append(row);
  return row;
}

function showErrors(errors) {
  errorList.replaceChildren(...errors.map((error) => {
    const item = document.createElement("li");
    item.textContent = error;
    return item;
  }));
}

// A decimal as the ledger writes it: digits, one point, no trailing zeros. A comma alone is
// read as the decimal point, as Vietnamese forms write it.
function canonicalDecimal(value) {
  let text = typeof value === "number" ? numberText(value) : String(value ?? "").trim();
  if (!text.includes(".") && (text.match(/,/g) ?? []).length === 1) text = text.replace(",", ".");
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return null;
  const whole = match[1].replace(/^0+(?=\d)/, "");
  const fraction = (match[2] ?? "").replace(/0+$/, "");
  if (whole.length + fraction.length > DIGITS_MAX) return null;
  return fraction ? `${whole}.${fraction}` : whole;
}

// A spreadsheet number to the 15 significant digits a workbook keeps.
function numberText(number) {
  if (!Number.isFinite(number) || number < 0) return "";
  const text = Number(number.toPrecision(15)).toString();
  return /e/i.test(text) ? number.toFixed(20) : text;
}

const isDate = (text) => /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(text));
const hasControl = (text) => /[\u0000-\u001f\u007f-\u009f]/.test(text);

function readRow(tr) {
  const field = (name) => tr.querySelector(`[name="${name}"]`).value.trim();
  return {
    label: tr.querySelector(".source").textContent,
    product: field("product"),
    material: field("material"),
    norm: field("norm"),
    loss: field("loss") || "0",
    convention: field("convention"),
    validTo: field("valid_to"),
    productUnit: tr.dataset.productUnit ?? "",
    materialUnit: tr.dataset.materialUnit ?? "",
    unreadable: tr.dataset.unreadable ?? "",
  };
}

// The reasons one row cannot be sealed, empty when it can.
function rowProblems(row, validFrom) {
  const problems = row.unreadable ? [say("m_unreadable", row.unreadable)] : [];
  for (const [kind, code, unit, name] of [
    ["product", row.product, row.productUnit, "f_product"],
    ["material", row.material, row.materialUnit, "f_material"],
  ]) {
    if (!code || hasControl(code)) problems.push(say("f_empty", texts[name]));
    else if (!registered[kind].has(code)) problems.push(say(`m_${kind}_unknown`, code));
    else if (unit && unit.toUpperCase() !== registered[kind].get(code)) {
      problems.push(say("m_unit", code, registered[kind].get(code), unit));
    }
  }
  const norm = canonicalDecimal(row.norm);
  if (norm === null) problems.push(say("m_not_number", texts.f_norm, row.norm));
  else if (!/[1-9]/.test(norm)) problems.push(say("m_norm_positive"));
  const loss = canonicalDecimal(row.loss);
  if (loss === null) problems.push(say("m_not_number", texts.f_loss, row.loss));
  else if (Number(loss) >= 100) problems.push(say("m_loss_range"));
  if (row.validTo && !isDate(row.validTo)) problems.push(say("m_date", texts.f_valid_to));
  else if (row.validTo && row.validTo < validFrom) problems.push(say("m_valid_to_before"));
  return { problems, norm, loss };
}

const utf8Compare = (a, b) => {
  const [x, y] = [encoder.encode(a), encoder.encode(b)];
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
};

// Every row checked; the norm set in canonical order, or the errors that stop it.
function collect() {
  const validFrom = validFromInput.value;
  const errors = [];
  if (!isDate(validFrom)) errors.push(say("m_date", texts.f_valid_from));
  const rows = [];
  for (const tr of rowsBody.children) {
    const row = readRow(tr);
    const { problems, norm, loss } = rowProblems(row, validFrom);
    tr.classList.toggle("invalid", problems.length > 0);
    for (const problem of problems) errors.push(say("m_row", row.label, problem));
    if (problems.length === 0) rows.push({ ...row, norm, loss, validFrom });
  }
  if (rowsBody.children.length === 0) errors.push(say("m_empty"));
  rows.sort((a, b) => utf8Compare(a.product, b.product) || utf8Compare(a.material, b.material));
  for (let i = 1; i < rows.length; i += 1) {
    if (rows[i].product === rows[i - 1].product && rows[i].material === rows[i - 1].material) {
      errors.push(say("m_row", rows[i].label, say("m_duplicate", rows[i].product, rows[i].material)));
    }
  }
  return { rows, errors, validFrom };
}

const hex = (bytes) => Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
const fromHex = (text) => new Uint8Array(text.match(/../g).map((pair) => parseInt(pair, 16)));
const base64 = (bytes) => btoa(Array.from(bytes, (byte) => String.fromCharCode(byte)).join(""));

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((length, part) => length + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

// The opening, its commitment and the envelope sealed to the customs enclave.
async function seal(rows) {
  const lines = rows.map((row) => [row.product, row.material, row.norm, row.loss, row.convention,
    row.validFrom, row.validTo].join("\t") + "\n");
  const salt = crypto.getRandomValues(new Uint8Array(32));
  const opening = encoder.encode(`bonded-norms-v1\n${hex(salt)}\n${lines.join("")}`);
  const commitment = new Uint8Array(await crypto.subtle.digest("SHA-256", opening));
  const suite = new CipherSuite({
    kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm(),
  });
  const zero = new Uint8Array([0]);
  const info = concat(encoder.encode("bonded-norms-v1"), zero, encoder.encode(context.chain_id),
    zero, encoder.encode(context.enterprise), zero, commitment);
  const recipientPublicKey = await suite.kem.deserializePublicKey(fromHex(context.norms_key));
  const sender = await suite.createSenderContext({ recipientPublicKey, info });
  const ciphertext = new Uint8Array(await sender.seal(opening));
  const envelope = concat(new Uint8Array([1]), new Uint8Array(sender.enc), ciphertext);
  return { commitment: hex(commitment), envelope: base64(envelope) };
}

async function sealAndSend() {
  const { rows, errors, validFrom } = collect();
  if (errors.length > 0 || !context || root.dataset.canSend !== "true") {
    showErrors(errors);
    statusLine.textContent = say("m_nothing_sent");
    return;
  }
  showErrors([]);
  statusLine.textContent = say("m_sealing");
  const sealed = await seal(rows);
  statusLine.textContent = say("m_sending");
  const openEnded = rows.some((row) => !row.validTo);
  const response = await fetch("/portal/norms", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      csrf: root.dataset.csrf,
      commitment: sealed.commitment,
      sealed_norms: sealed.envelope,
      norm_count: rows.length,
      valid_from: validFrom,
      valid_to: openEnded ? null : rows.map((row) => row.validTo).sort().at(-1),
      loss_convention: rows[0].convention,
    }),
  });
  const answer = await response.json().catch(() => ({ error: response.statusText }));
  if (response.ok) {
    rowsBody.replaceChildren();
    statusLine.textContent = say("m_sent", answer.version, sealed.commitment.slice(0, 16));
    root.dataset.sent = answer.version;
  } else {
    statusLine.textContent = say("m_failed", answer.error ?? response.status);
  }
}

// ---- Mẫu 16 -------------------------------------------------------------------------------

const normalize = (text) => String(text).normalize("NFC").toLowerCase().replace(/\s+/g, " ")
  .replace(/\s*([,.])\s*/g, "$1").trim();

const HEADERS = {
  product: ["mã sp", "mã sản phẩm", "product_code"],
  productUnit: ["đvt sp", "đơn vị tính sp", "product_unit"],
  material: ["mã nl,vt", "mã nguyên liệu,vật tư", "mã nl", "material_code"],
  materialUnit: ["đvt nl,vt", "đvt nl", "đơn vị tính nl,vt", "material_unit"],
  norm: ["định mức thực tế", "định mức", "norm"],
  note: ["ghi chú", "note"],
};

class Unreadable extends Error {}

// A cell's value as text, a formula by its stored result; an error cell cannot be read.
function cellValue(cell) {
  const value = cell.value;
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "string") return value;
  if (value instanceof Date) throw new Unreadable(cell.address);
  if (typeof value === "object") {
    if ("result" in value || "formula" in value || "sharedFormula" in value) {
      const result = value.result;
      if (typeof result === "number" || typeof result === "string") return result;
      throw new Unreadable(cell.address);
    }
    if (Array.isArray(value.richText)) return value.richText.map((part) => part.text).join("");
    if (typeof value.text === "string") return value.text;
  }
  throw new Unreadable(cell.address);
}

const cellText = (cell) => String(cellValue(cell)).trim();

function findHeader(sheet) {
  const last = Math.min(sheet.rowCount, HEADER_ROWS_MAX);
  for (let number = 1; number <= last; number += 1) {
    const columns = {};
    sheet.getRow(number).eachCell((cell, column) => {
      let text;
      try { text = normalize(cellText(cell)); } catch { return; }
      for (const [field, names] of Object.entries(HEADERS)) {
        if (columns[field] === undefined && names.includes(text)) columns[field] = column;
      }
    });
    if (columns.product && columns.material && columns.norm) return { number, columns };
  }
  return null;
}

// The rows of a Mẫu 16 sheet and the rows it leaves out. A cell that cannot be read keeps its
// row, marked, so the row shows its error and blocks sending until it is corrected.
function sheetRows(sheet, header) {
  const rows = [];
  const notes = [];
  for (let number = header.number + 1; number <= sheet.rowCount; number += 1) {
    const row = sheet.getRow(number);
    const read = { unreadable: "" };
    for (const [field, column] of Object.entries(header.columns)) {
      try {
        read[field] = cellText(row.getCell(column));
      } catch (error) {
        if (!(error instanceof Unreadable)) throw error;
        read[field] = "";
        read.unreadable ||= error.message;
      }
    }
    if (!read.product && !read.material && !read.norm && !read.unreadable) continue;
    const note = normalize(read.note ?? "");
    if (note === "x" || note === "kxdđm") {
      notes.push(say("m_skipped", number, read.material, texts[note === "x" ? "m_domestic" : "m_no_norm"]));
      continue;
    }
    rows.push({ number, ...read });
  }
  return { rows, notes };
}

// Whether the rows name registered products and materials, four in five at least: a header
// found by its texts over the wrong columns fails this.
function layoutHolds(rows) {
  const held = rows.filter((row) => registered.product.has(row.product) &&
    registered.material.has(row.material)).length;
  return rows.length === 0 || held * 5 >= rows.length * 4;
}

async function readWorkbook(file) {
  if (file.size > FILE_BYTES_MAX) throw new Error(say("m_too_large", FILE_BYTES_MAX / 1048576));
  const bytes = await file.arrayBuffer();
  const magic = new Uint8Array(bytes.slice(0, 4));
  if (magic[0] !== 0x50 || magic[1] !== 0x4b) throw new Error(say("m_not_xlsx"));
  const workbook = new ExcelJS.Workbook();
  try {
    await workbook.xlsx.load(bytes);
  } catch {
    throw new Error(say("m_not_xlsx"));
  }
  for (const sheet of workbook.worksheets) {
    const header = findHeader(sheet);
    if (!header) continue;
    const read = sheetRows(sheet, header);
    if (!layoutHolds(read.rows)) throw new Error(say("m_layout"));
    return read;
  }
  throw new Error(say("m_no_header"));
}

async function loadMau16(event) {
  const file = event.target.files[0];
  if (!file) return;
  statusLine.textContent = say("m_reading");
  rowsBody.replaceChildren();
  try {
    const { rows, notes } = await readWorkbook(file);
    for (const row of rows) {
      addRow({
        product: row.product, material: row.material, norm: row.norm, loss: "0",
        convention: "included", productUnit: row.productUnit ?? "",
        materialUnit: row.materialUnit ?? "", unreadable: row.unreadable,
      }, String(row.number));
    }
    const checked = collect();
    showErrors([...checked.errors, ...notes]);
    statusLine.textContent = say("m_read", rows.length, file.name);
    root.dataset.parsed = String(rows.length);
  } catch (error) {
    showErrors([error.message]);
    statusLine.textContent = say("m_nothing_sent");
    root.dataset.parsed = "0";
  }
}

document.getElementById("add-row").addEventListener("click", () => addRow());
document.getElementById("seal").addEventListener("click", () => {
  sealAndSend().catch((error) => { statusLine.textContent = say("m_failed", error.message); });
});
document.getElementById("mau16").addEventListener("change", loadMau16);
if (rowsBody.children.length === 0) addRow();
root.dataset.ready = "yes";
