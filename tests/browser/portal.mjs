// Drives Debian's Chromium against a running bonded demo's portal and checks what each role can
// see and do. Run by crates/cli/tests/portal.rs with:
//   PORTAL_URL      the demo's base URL, e.g. http://127.0.0.1:7300
//   ACCOUNTS        the demo's accounts.json
//   SCREENSHOTS     folder for the page screenshots
// Prints one line per check and exits 1 on the first failure.
import { readFileSync, mkdirSync } from "node:fs";
import { chromium } from "playwright-core";

const base = process.env.PORTAL_URL;
const accounts = JSON.parse(readFileSync(process.env.ACCOUNTS, "utf8"));
const shots = process.env.SCREENSHOTS;
mkdirSync(shots, { recursive: true });
const by = (role, organization) =>
  accounts.find((a) => a.role === role && (!organization || a.organization === organization));

function check(condition, what) {
  if (!condition) {
    console.error(`FAIL ${what}`);
    process.exit(1);
  }
  console.log(`ok   ${what}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

async function signIn(account, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport, locale: "vi-VN" });
  const page = await context.newPage();
  await page.goto(`${base}/portal/`);
  check(page.url().endsWith("/portal/login"), `${account.user}: an anonymous visit lands on sign-in`);
  await page.fill('input[name="user"]', account.user);
  await page.fill('input[name="password"]', account.password);
  await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
  return { context, page };
}

try {
  // Sign-in page, and a wrong password.
  {
    const english = await browser.newContext({ locale: "en-US" });
    const first = await english.newPage();
    await first.goto(`${base}/portal/login`);
    check((await first.textContent("h1")).includes("Sign in"), "a browser preferring English gets English");
    await english.close();
    const context = await browser.newContext({ locale: "vi-VN" });
    const page = await context.newPage();
    await page.goto(`${base}/portal/login`);
    check((await page.textContent("h1")).includes("Đăng nhập"), "a browser preferring Vietnamese gets Vietnamese");
    await page.screenshot({ path: `${shots}/login.png` });
    await page.fill('input[name="user"]', by("officer").user);
    await page.fill('input[name="password"]', "not the password");
    await Promise.all([page.waitForNavigation(), page.click('button[type="submit"]')]);
    check((await page.textContent(".error")).length > 0, "a wrong password is refused with a message");
    const forged = await context.request.post(`${base}/portal/login`, {
      form: { csrf: "0".repeat(64), user: by("officer").user, password: by("officer").password },
    });
    check(forged.status() === 403, "a sign-in post without the page's token is refused (403)");
    await context.close();
  }

  // Officer: the dashboard, an enterprise page, the language switch, a forged sign-out, sign-out.
  let footwearReceipt;
  {
    const { context, page } = await signIn(by("officer"));
    check(page.url().endsWith("/portal/customs"), "an officer lands on the customs dashboard");
    const rows = await page.locator("tbody tr").count();
    check(rows === 4, `the dashboard lists the 3 demo enterprises and the test's (${rows})`);
    const hostile = process.env.HOSTILE_NAME;
    check((await page.locator(`td:text-is(${JSON.stringify(hostile)})`).count()) === 1,
      "a name made of markup shows as text");
    check((await page.locator("main script, main img").count()) === 0 && !(await page.title()).includes("owned"),
      "the markup in the name is not run");
    check((await page.locator(".status.not_compliant").count()) === 1, "one enterprise is not compliant");
    check((await page.locator(".risk.high").count()) >= 1 && (await page.locator(".risk.low").count()) >= 1,
      "the dashboard ranks enterprises by risk");
    await page.click('a:has-text("English")');
    await page.screenshot({ path: `${shots}/customs-dashboard.png`, fullPage: true });
    check((await page.textContent("h1")).includes("Customs dashboard"), "the language switch shows English");
    await Promise.all([page.waitForNavigation(), page.click('a[href="/portal/enterprises/ENT-0302222222"]')]);
    check((await page.textContent("h1")).includes("Dong Nai Garment"), "an officer opens an enterprise page");
    check((await page.locator("section").nth(1).locator("tbody tr").count()) >= 1, "its verdicts are listed");
    check((await page.locator('h2:has-text("Warehouse movements")').count()) === 1, "its movements are listed");
    check((await page.locator("#findings .finding.critical").count()) >= 1,
      "the garment maker's critical findings are shown with their evidence");
    const verdictsBefore = await page.locator("section").nth(1).locator("tbody tr").count();
    await Promise.all([page.waitForNavigation(), page.click("form.verify-now button")]);
    check((await page.locator("section").nth(1).locator("tbody tr").count()) === verdictsBefore + 1,
      "an officer runs a verification from the page and its verdict appears");
    // A decision, with markup in its note.
    await page.selectOption('select[name="kind"]', "request_explanation");
    await page.fill('textarea[name="note"]', "Explain the cotton gap <b>by Friday</b>");
    await Promise.all([page.waitForNavigation(), page.click("form.decide button")]);
    check((await page.locator('td:text-is("Explain the cotton gap <b>by Friday</b>")').count()) === 1 &&
      (await page.locator("main b").count()) === 0, "an officer records a decision; its note shows as text");
    check((await page.locator(`td:text-is("${by("officer").user}")`).count()) >= 1, "the decision names its officer");
    const forgedDecision = await context.request.post(`${base}/portal/enterprises/ENT-0302222222/decisions`,
      { form: { csrf: "0".repeat(64), kind: "open_inspection", note: "x" } });
    check(forgedDecision.status() === 403, "a decision post without the page's token is refused (403)");
    await page.screenshot({ path: `${shots}/enterprise-officer.png`, fullPage: true });
    await page.goto(`${base}/portal/enterprises/ENT-0301111111`);
    footwearReceipt = await page.locator('a[href^="/portal/receipts/"]').first().getAttribute("href");
    check(footwearReceipt !== null, "declarations link to their receipts");
    const forgedOut = await context.request.post(`${base}/portal/logout`, { form: { csrf: "f".repeat(64) } });
    check(forgedOut.status() === 403, "a sign-out post with a wrong token is refused (403)");
    await Promise.all([page.waitForNavigation(), page.click('header button[type="submit"]')]);
    check(page.url().endsWith("/portal/login"), "signing out returns to sign-in");
    await page.goto(`${base}/portal/customs`);
    check(page.url().endsWith("/portal/login"), "after signing out the dashboard needs a sign-in");
    await context.close();
  }

  // Enterprise: its own page only, on a phone too.
  {
    const garment = by("enterprise", "ENT-0302222222");
    const { context, page } = await signIn(garment);
    check(page.url().endsWith("/portal/enterprises/ENT-0302222222"), "an enterprise lands on its own page");
    check((await page.locator('td:text-is("Explain the cotton gap <b>by Friday</b>")').count()) === 1 &&
      (await page.locator("form.decide").count()) === 0, "the enterprise sees the decision, with no form to make one");
    // Verify a receipt of its own in the page, then one whose proof was tampered with.
    await page.locator('a[href^="/portal/receipts/"]').first().click();
    await page.click("#verify");
    await page.waitForSelector("#receipt[data-verified]");
    check(await page.getAttribute("#receipt", "data-verified") === "yes" &&
      (await page.locator(".check.ok").count()) === 4, "its receipt verifies in the page (4 checks)");
    await page.screenshot({ path: `${shots}/receipt.png`, fullPage: true });
    await page.evaluate(() => {
      const receipt = document.getElementById("receipt");
      delete receipt.dataset.verified;
      const header = receipt.dataset.header;
      receipt.dataset.header = header.slice(0, -2) + (header.endsWith("00") ? "01" : "00");
    });
    await page.click("#verify");
    await page.waitForSelector("#receipt[data-verified]");
    check(await page.getAttribute("#receipt", "data-verified") === "no" &&
      (await page.locator(".check.failed").count()) >= 1, "an altered block header fails the check");
    // Uploads: a Mẫu 15 with a bad cell and a markup code, wrong files, and the line extract.
    await page.goto(`${base}/portal/enterprises/ENT-0302222222/uploads`);
    await page.waitForSelector("#uploads[data-ready]");
    const upload = async (kind, file) => {
      const section = page.locator(`.upload[data-kind="${kind}"]`);
      await page.evaluate((k) => {
        const s = document.querySelector(`.upload[data-kind="${k}"]`);
        delete s.dataset.result; delete s.dataset.failed;
      }, kind);
      await section.locator('input[type="file"]').setInputFiles(file);
      await section.locator(".send").click();
      await page.waitForSelector(`.upload[data-kind="${kind}"][data-result], .upload[data-kind="${kind}"][data-failed]`);
      return section;
    };
    const report = await upload("report", process.env.MAU15);
    const reportErrors = await report.locator(".row-errors li").allTextContents();
    check(reportErrors.length === 1 && reportErrors[0].includes("12,5 tấn"),
      `the Mẫu 15 row that cannot be read is named with its cell (${reportErrors.join(" | ")})`);
    check((await report.locator(".compared tbody tr").count()) === 2, "the 2 readable Mẫu 15 rows are listed");
    check((await report.locator(`td:text-is(${JSON.stringify(process.env.MARKUP_CODE)})`).count()) === 1 &&
      (await page.locator(".result img").count()) === 0, "a code made of markup shows as text");
    const cotton = report.locator(".compared tbody tr").first().locator("td");
    check(/^\d/.test(await cotton.nth(4).textContent()), "the filed closing stands beside the ledger's");
    await page.screenshot({ path: `${shots}/uploads.png`, fullPage: true });
    const legacy = await upload("report", process.env.LEGACY_XLS);
    check(JSON.parse(await legacy.getAttribute("data-summary")).rows === 2 &&
      (await legacy.locator(".row-errors li").count()) === 1, "a legacy Excel 97 .xls report is read (2 rows, 1 error)");
    for (const [what, file] of [["a file that is no workbook", process.env.NOT_A_WORKBOOK],
      ["a truncated .xlsx", process.env.TRUNCATED_XLSX]]) {
      const refused = await upload("report", file);
      check(await refused.getAttribute("data-failed") === "yes" &&
        (await refused.locator(".status").textContent()).length > 20, `${what} is refused with a message`);
    }
    const extract = await upload("extract", process.env.EXTRACT);
    const summary = JSON.parse(await extract.getAttribute("data-summary"));
    check(summary.equal === Number(process.env.LEDGER_DECLARATIONS) && summary.missing === 1 &&
      summary.errors >= 1 && summary.differing === 0,
      `the XML extract saved as .xls matches the ledger's declarations, one missing, one unreadable (${JSON.stringify(summary)})`);
    check((await extract.locator('input[name="record"]').count()) === 0, "an enterprise cannot record declarations");
    const forgedUpload = await context.request.post(`${base}/portal/enterprises/ENT-0302222222/uploads?kind=report`,
      { headers: { "x-csrf-token": "0".repeat(64) }, data: Buffer.from("PK") });
    check(forgedUpload.status() === 403, "an upload without the page's token is refused (403)");
    for (const path of ["/portal/enterprises/ENT-0301111111", "/portal/customs", "/portal/audit", footwearReceipt,
      "/portal/enterprises/ENT-0301111111/uploads",
      "/portal/enterprises/ENT-0301111111/report.xlsx", "/portal/enterprises/ENT-0301111111/report.pdf"]) {
      const response = await page.goto(`${base}${path}`);
      check(response.status() === 403, `an enterprise user cannot open ${path} (403)`);
    }
    await context.close();
    const phone = await signIn(garment, { width: 390, height: 844 });
    const overflow = await phone.page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `the enterprise page fits a phone's width (overflow ${overflow}px)`);
    await phone.page.screenshot({ path: `${shots}/enterprise-phone.png` });
    const manifest = await phone.page.evaluate(
      () => document.querySelector('link[rel="manifest"]').href);
    const installable = await (await phone.context.request.get(manifest)).json();
    check(installable.display === "standalone" && installable.start_url === "/portal/",
      "the portal has a web app manifest for installing it");
    await phone.context.close();
  }

  // Small enterprise (group 3): norms typed into the form and a Mẫu 16 upload, sealed in the page.
  {
    const small = by("enterprise", "ENT-0303333333");
    const { context, page } = await signIn(small);
    const requests = [];
    page.on("request", (request) => requests.push({ url: request.url(), body: request.postData() ?? "" }));
    const normPosts = () => requests.filter((r) => r.url.endsWith("/portal/norms") && r.body).length;
    await page.click('a[href="/portal/norms"]');
    await page.waitForSelector("#norm-entry[data-ready]");
    const norms = JSON.parse(process.env.SMALL_NORMS);
    for (const [index, norm] of norms.entries()) {
      if (index > 0) await page.click("#add-row");
      const row = page.locator("#norm-rows tbody tr").nth(index);
      await row.locator('[name="product"]').fill(norm.product);
      await row.locator('[name="material"]').fill(norm.material);
      await row.locator('[name="norm"]').fill(norm.norm);
      await row.locator('[name="loss"]').fill(norm.loss);
      await row.locator('[name="convention"]').selectOption(norm.convention);
    }
    await page.screenshot({ path: `${shots}/norms-entry.png`, fullPage: true });
    await page.click("#seal");
    await page.waitForSelector("#norm-entry[data-sent]");
    check(await page.getAttribute("#norm-entry", "data-sent") === "2",
      `the typed norms are recorded as version 2 (${await page.textContent("#norm-status")})`);
    const post = requests.find((r) => r.url.endsWith("/portal/norms") && r.body);
    check(post && JSON.parse(post.body).sealed_norms.length > 100, "the page posts a sealed envelope");
    // Material codes hold a dash and decimals a point: neither can occur in hex or base64.
    const secrets = norms.flatMap((n) => [n.material, `${n.product}\t${n.material}`,
      ...[n.norm, n.loss].filter((v) => v.includes("."))]);
    const leaks = requests.filter((r) => secrets.some((secret) =>
      r.url.includes(secret) || r.body.includes(secret) || r.body.includes(JSON.stringify(secret).slice(1, -1))));
    check(requests.length > 3 && leaks.length === 0,
      `none of the ${requests.length} requests the page sent holds a norm in clear (${secrets.length} values looked for)`);

    await page.goto(`${base}/portal/norms`);
    await page.waitForSelector("#norm-entry[data-ready]");
    const postsBefore = normPosts();
    await page.setInputFiles("#mau16", process.env.MAU16_BAD);
    await page.waitForSelector("#norm-entry[data-parsed]");
    const badRow = process.env.MAU16_BAD_ROW;
    const errors = await page.locator("#norm-errors li").allTextContents();
    check(errors.some((e) => e.startsWith(`Dòng ${badRow}:`) && e.includes("0,03 kg")),
      `the bad Mẫu 16 row ${badRow} shows its error (${errors.join(" | ")})`);
    check((await page.locator("#norm-rows tr.invalid").count()) === 1, "only that row is marked");
    await page.screenshot({ path: `${shots}/norms-mau16-error.png`, fullPage: true });
    await page.click("#seal");
    check(normPosts() === postsBefore && (await page.getAttribute("#norm-entry", "data-sent")) === null,
      "a Mẫu 16 with a bad row sends nothing");
    await page.evaluate(() => delete document.getElementById("norm-entry").dataset.parsed);
    await page.setInputFiles("#mau16", process.env.MAU16_GOOD);
    await page.waitForSelector("#norm-entry[data-parsed]");
    check(await page.getAttribute("#norm-entry", "data-parsed") === "3" &&
      (await page.locator("#norm-errors li").allTextContents()).some((e) => e.includes("NL-LABEL")),
      "the good Mẫu 16 gives 3 rows for review, the domestic material left out and said so");
    await page.click("#seal");
    await page.waitForSelector("#norm-entry[data-sent]");
    check(await page.getAttribute("#norm-entry", "data-sent") === "3", "the Mẫu 16 norms are recorded as version 3");
    await page.goto(`${base}/portal/norms`);
    check((await page.locator("#versions tbody tr").count()) === 3, "the page lists the 3 committed versions");
    const response = await page.request.post(`${base}/portal/norms`, {
      data: { csrf: "0".repeat(64), commitment: "00".repeat(32), sealed_norms: "AQ==", norm_count: 1,
        valid_from: "2026-01-01", valid_to: null, loss_convention: "included" },
    });
    check(response.status() === 403, "a norm post without the page's token is refused (403)");
    await context.close();
    const phone = await signIn(small, { width: 390, height: 844 });
    await phone.page.goto(`${base}/portal/norms`);
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    check(overflow <= 0, `the norm entry page fits a phone's width (overflow ${overflow}px)`);
    await phone.context.close();
  }

  // The officer verifies the small enterprise: the enclave opens the norms the browser sealed.
  {
    const { context, page } = await signIn(by("officer"));
    await page.goto(`${base}/portal/enterprises/ENT-0303333333`);
    const verdicts = page.locator("section").nth(1).locator("tbody tr");
    const before = await verdicts.count();
    await Promise.all([page.waitForNavigation(), page.click("form.verify-now button")]);
    check((await verdicts.count()) === before + 1 &&
      (await verdicts.first().locator("td").nth(1).textContent()).trim() === "Đạt",
      "the enclave opens the browser-sealed Mẫu 16 norms and the enterprise is compliant");
    check((await page.locator("#balance-table tbody tr").count()) === 3,
      "the enterprise page shows the material balance of its 3 materials");
    await page.waitForSelector("#balances .charts[data-drawn]");
    check((await page.locator("#balance-chart").boundingBox()).height > 100, "the balance charts are drawn");
    await page.goto(`${base}/portal/enterprises/ENT-0302222222`);
    const declarations = async () => page.locator("section:has(h2:has-text('Tờ khai')) tbody tr").count();
    const declarationsBefore = await declarations();
    await page.goto(`${base}/portal/enterprises/ENT-0302222222/uploads`);
    await page.waitForSelector("#uploads[data-ready]");
    const section = page.locator('.upload[data-kind="extract"]');
    await section.locator('input[name="record"]').check();
    await section.locator('input[type="file"]').setInputFiles(process.env.EXTRACT);
    await section.locator(".send").click();
    await page.waitForSelector('.upload[data-kind="extract"][data-result]');
    const recorded = JSON.parse(await section.getAttribute("data-summary"));
    await page.goto(`${base}/portal/enterprises/ENT-0302222222`);
    check(recorded.recorded === 1 && (await declarations()) === declarationsBefore + 1,
      `an officer records the declaration the ledger lacked (${JSON.stringify(recorded)})`);
    await page.goto(`${base}/portal/enterprises/ENT-0303333333`);
    for (const [extension, type, magic] of [["xlsx", "spreadsheetml", "PK"], ["pdf", "application/pdf", "%PDF"]]) {
      const download = await context.request.get(`${base}/portal/enterprises/ENT-0303333333/report.${extension}`);
      const body = await download.body();
      check(download.status() === 200 && download.headers()["content-type"].includes(type) &&
        body.subarray(0, magic.length).toString() === magic, `the finalization report downloads as ${extension}`);
    }
    await context.close();
  }

  // Auditor: chain heads, nothing else.
  {
    const { context, page } = await signIn(by("auditor"));
    check(page.url().endsWith("/portal/audit"), "an auditor lands on the audit page");
    check((await page.locator("section").first().locator("tbody tr").count()) === 4, "the audit page lists the 4 channels");
    const views = await page.locator("section").nth(1).locator("tbody tr").allTextContents();
    check(views.some((row) => row.includes(by("officer").user) && row.includes("/portal/enterprises/ENT-0302222222")),
      "the audit page shows who opened which page");
    await page.screenshot({ path: `${shots}/audit.png`, fullPage: true });
    await page.goto(`${base}${footwearReceipt}`);
    check(await page.getAttribute("#receipt", "data-envelope") === "", "an auditor's receipt page leaves the record out");
    await page.click("#verify");
    await page.waitForSelector("#receipt[data-verified]");
    check(await page.getAttribute("#receipt", "data-verified") === "yes" &&
      (await page.locator(".check.ok").count()) === 3 && (await page.locator(".check.withheld").count()) === 1,
      "the auditor checks the receipt's inclusion and signatures (3 checks, the record withheld)");
    const response = await page.goto(`${base}/portal/enterprises/ENT-0302222222`);
    check(response.status() === 403, "an auditor cannot open an enterprise page (403)");
    await context.close();
  }
} finally {
  await browser.close();
}
