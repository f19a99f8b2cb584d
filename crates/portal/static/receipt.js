// Checks a receipt in the page, with the browser's own cryptography and nothing from the
// server but the receipt: the envelope hashes to the transaction hash (RFC 6962 leaf), the
// audit path leads from it to the header's Merkle root (RFC 9162 verification), the header
// bytes hash to the block hash and name this channel and height, and a trusted orderer key
// signed the block hash (Ed25519).
const bytes = (hex) => Uint8Array.from((hex.match(/../g) || []).map((h) => parseInt(h, 16)));
const toHex = (array) => Array.from(array, (b) => b.toString(16).padStart(2, "0")).join("");
const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

async function sha256(...parts) {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  const joined = new Uint8Array(length);
  let at = 0;
  for (const part of parts) { joined.set(part, at); at += part.length; }
  return new Uint8Array(await crypto.subtle.digest("SHA-256", joined));
}
const leafHash = (leaf) => sha256(Uint8Array.of(0), leaf);
const nodeHash = (left, right) => sha256(Uint8Array.of(1), left, right);
const same = (a, b) => a.length === b.length && a.every((value, i) => value === b[i]);

// RFC 9162, section 2.1.3.2.
async function verifyInclusion(index, size, leaf, path, root) {
  if (index >= size) return false;
  let fn = index, sn = size - 1, running = leaf;
  for (const sibling of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      running = await nodeHash(sibling, running);
      while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      running = await nodeHash(running, sibling);
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  return sn === 0 && same(running, root);
}

// The block header as postcard writes it: u8 version, string chain id, string channel, varint
// height, 32-byte previous hash, 32-byte Merkle root, varint count, varint batch, zigzag time.
function decodeHeader(data) {
  let at = 0;
  const varint = () => {
    let value = 0n, shift = 0n;
    for (;;) {
      const byte = data[at++];
      if (byte === undefined) throw new Error("truncated header");
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value;
      shift += 7n;
    }
  };
  const string = () => {
    const length = Number(varint());
    const text = new TextDecoder().decode(data.slice(at, at + length));
    at += length;
    return text;
  };
  const hash = () => { const out = data.slice(at, at + 32); at += 32; return out; };
  const version = data[at++];
  const chain = string(), channel = string(), height = varint();
  const previous = hash(), root = hash(), count = varint();
  return { version, chain, channel, height, previous, root, count };
}

async function verifySignatures(signatures, orderers, blockHash) {
  for (const [key, signature] of signatures) {
    if (!orderers.includes(key)) continue;
    const imported = await crypto.subtle.importKey("raw", bytes(key), { name: "Ed25519" }, false, ["verify"]);
    if (await crypto.subtle.verify({ name: "Ed25519" }, imported, bytes(signature), blockHash)) return true;
  }
  return false;
}

async function run(element) {
  const d = element.dataset;
  const labels = d.checks.split("|");
  const results = [];
  // Without the record (an auditor's page) the transaction hash is the leaf, and the first
  // check is withheld rather than passed.
  const leaf = d.envelope ? await leafHash(fromBase64(d.envelope)) : bytes(d.transaction);
  results.push(d.envelope ? toHex(leaf) === d.transaction : null);
  const header = bytes(d.header);
  let decoded = null;
  try { decoded = decodeHeader(header); } catch { decoded = null; }
  const path = d.proof ? d.proof.split(",").map(bytes) : [];
  results.push(decoded !== null && Number(decoded.count) === Number(d.size) &&
    await verifyInclusion(Number(d.index), Number(d.size), leaf, path, decoded.root));
  const blockHash = await sha256(new TextEncoder().encode("bonded-block-v1"), header);
  results.push(toHex(blockHash) === d.block && decoded !== null &&
    decoded.channel === d.channel && String(decoded.height) === d.height);
  const signatures = d.signatures ? d.signatures.split(",").map((pair) => pair.split(":")) : [];
  results.push(await verifySignatures(signatures, d.orderers.split(","), blockHash));
  const list = element.querySelector("#checks");
  list.replaceChildren(...results.map((ok, i) => {
    const item = document.createElement("li");
    const state = ok === null ? "withheld" : ok ? "ok" : "failed";
    item.className = `check ${state}`;
    item.textContent = `${labels[i]}: ${d[state]}`;
    return item;
  }));
  element.dataset.verified = results.every((ok) => ok !== false) ? "yes" : "no";
}

const receipt = document.getElementById("receipt");
if (receipt) {
  document.getElementById("verify").addEventListener("click", () => {
    run(receipt).catch((error) => {
      receipt.dataset.verified = "no";
      receipt.querySelector("#checks").textContent = `${receipt.dataset.failed}: ${error.message}`;
    });
  });
}
