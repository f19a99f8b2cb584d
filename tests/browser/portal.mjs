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
    await page.click('a[href="/portal/enterprises/ENT-0302222222"]');
    check((await page.textContent("h1")).includes("Dong Nai Garment"), "an officer opens an enterprise page");
    check((await page.locator("section").nth(1).locator("tbody tr").count()) >= 1, "its verdicts are listed");
    check((await page.locator('h2:has-text("Warehouse movements")').count()) === 1, "its movements are listed");
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
    for (const path of ["/portal/enterprises/ENT-0301111111", "/portal/customs", "/portal/audit", footwearReceipt]) {
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

  // Auditor: chain heads, nothing else.
  {
    const { context, page } = await signIn(by("auditor"));
    check(page.url().endsWith("/portal/audit"), "an auditor lands on the audit page");
    check((await page.locator("section").first().locator("tbody tr").count()) === 4, "the audit page lists the 4 channels");
    const views = await page.locator("section").nth(1).locator("tbody tr").allTextContents();
    check(views.some((row) => row.includes(by("officer").user) && row.includes("/portal/enterprises/ENT-0302222222")),
      "the audit page shows who opened which page");
    await page.screenshot({ path: `${shots}/audit.png`, fullPage: true });
    const response = await page.goto(`${base}/portal/enterprises/ENT-0302222222`);
    check(response.status() === 403, "an auditor cannot open an enterprise page (403)");
    await context.close();
  }
} finally {
  await browser.close();
}
