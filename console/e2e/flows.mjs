// Browser tests of the SpeakSafe console against the real binary (started
// by scripts/console-e2e.sh with `speaksafe demo` and a fake FCM). Drives
// Debian's chromium through playwright-core (no browser download), runs
// axe-core on every screen (no serious or critical violation), checks that
// every control is reachable with the Tab key, and saves a screenshot of
// every screen in OUT (and in DOCS, for docs/console.md, when set).
import { chromium } from "playwright-core";
import { createHmac, randomUUID } from "node:crypto";
import { readFileSync, mkdirSync, copyFileSync } from "node:fs";
import { createRequire } from "node:module";
import assert from "node:assert/strict";
import { mashFlows } from "./mash.mjs";
import { oversightFlows } from "./oversight.mjs";

const BASE = process.env.BASE;
const OUT = process.env.OUT;
const DOCS = process.env.DOCS || "";
const FCM = process.env.FCM_ADMIN || "";
const demo = JSON.parse(readFileSync(process.env.DEMO_USERS, "utf8"));
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
mkdirSync(OUT, { recursive: true });

const user = (role) => demo.users.find((u) => u.role === role);

// TOTP (RFC 6238): HMAC-SHA1 over the 30-second step, 6 digits.
function totp(secret, step = Math.floor(Date.now() / 30000)) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const c of secret.replace(/=+$/, "")) bits += alphabet.indexOf(c).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = createHmac("sha1", key).update(msg).digest();
  const o = h[h.length - 1] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, "0");
}

const usedSteps = new Set();
async function freshCode(secret) {
  // A code is accepted once: wait for the next step when this one is spent.
  let step = Math.floor(Date.now() / 30000);
  while (usedSteps.has(secret + step)) {
    await new Promise((r) => setTimeout(r, 1000));
    step = Math.floor(Date.now() / 30000);
  }
  usedSteps.add(secret + step);
  return totp(secret, step);
}

const cspViolations = [];

async function check(page, name) {
  await page.evaluate(axeSource);
  const res = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = res.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(" ")}`), [], `axe on ${name}`);
  await keyboardReachable(page, name);
  const file = `${OUT}/${name}.png`;
  await page.screenshot({ path: file, fullPage: true });
  if (DOCS) copyFileSync(file, `${DOCS}/${name}.png`);
  console.log(`ok  ${name}`);
}

// Every link, button and field is reached by pressing Tab from the top.
async function keyboardReachable(page, name) {
  const total = await page.evaluate(() => {
    const els = [...document.querySelectorAll("a[href], button, input:not([type=hidden]), select, textarea")]
      .filter((e) => !e.disabled && e.getClientRects().length > 0);
    els.forEach((e, i) => e.setAttribute("data-kb", String(i)));
    return els.length;
  });
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  const seen = new Set();
  for (let i = 0; i < total * 2 + 5 && seen.size < total; i++) {
    await page.keyboard.press("Tab");
    const k = await page.evaluate(() => document.activeElement && document.activeElement.getAttribute("data-kb"));
    if (k !== null) seen.add(k);
  }
  assert.equal(seen.size, total, `${name}: ${total - seen.size} of ${total} controls not reachable with Tab`);
}

async function signIn(browser, role) {
  const u = user(role);
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await ctx.newPage();
  page.on("console", (m) => { if (/Content Security Policy|Refused to/.test(m.text())) cspViolations.push(m.text()); });
  for (let attempt = 0; attempt < 2; attempt++) {
    await page.goto(`${BASE}/console/signin`);
    await page.fill("#email", u.email);
    await page.fill("#password", u.password);
    if (u.totpSecret) await page.fill("#totpCode", await freshCode(u.totpSecret));
    await page.click("button[type=submit]:has-text('Sign in')");
    if (!page.url().includes("/signin")) return page;
    // The seeding may have spent this step's code: the next one works.
    if (u.totpSecret) usedSteps.add(u.totpSecret + Math.floor(Date.now() / 30000));
  }
  throw new Error(`${role} could not sign in: ${await page.textContent("main")}`);
}

async function api(method, path, body, headers = {}) {
  const res = await fetch(BASE + path, { method, headers: { "Content-Type": "application/json", ...headers },
    body: body && JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : null };
}

async function officerFlow(browser) {
  const page = await signIn(browser, "officer");
  assert.match(page.url(), /\/console\/cases/);
  // A child reports an urgent case: a meeting planned today.
  const rep = await api("POST", "/v1/reports", { forceCode: demo.forceCode, category: "adult_wants_to_meet",
    whatHappened: "A man from a game says he will wait for me at the park after school today.",
    answers: { meetingPlanned: true, ageBand: "11-13" } }, { "Idempotency-Key": randomUUID() });
  assert.equal(rep.status, 201);
  const { reference, receipt } = rep.json;
  await page.goto(`${BASE}/console/alerts`);
  await page.waitForSelector(`text=${reference}`);
  await check(page, "alerts");
  if (FCM) {
    const pushes = await (await fetch(`${FCM}/requests`)).json();
    assert.ok(pushes.some((p) => p.Token === "demo-officer-phone"), "the officer's phone was paged");
    assert.ok(!pushes.some((p) => JSON.stringify(p.Message).includes("park")), "a push carried report text");
  }
  await page.click(`button[aria-label*="${reference}"]`);
  await page.waitForSelector(`tr:has-text("${reference}") >> text=acknowledged`);

  await page.goto(`${BASE}/console/cases`);
  await check(page, "queue");
  await page.click(`a:has-text("${reference}")`);
  await page.waitForSelector("#what-happened");
  await check(page, "case");
  // Reply by keyboard only: focus the box, type, Tab to Send, Enter.
  await page.focus("#message-body");
  await page.keyboard.type("Thank you for telling us. An officer is on the way to help.");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await page.waitForSelector("text=An officer is on the way to help.");
  const sess = await api("POST", "/v1/reports/session", { reference, receipt });
  assert.equal(sess.status, 201);
  const mine = await api("GET", "/v1/reporter/case", null, { Authorization: `Bearer ${sess.json.token}` });
  assert.ok(JSON.stringify(mine.json).includes("An officer is on the way to help."), "the reporter sees the message");

  await page.selectOption("#new-status", "closed");
  await page.selectOption("#disposition", "advice_given");
  await page.fill("#outcome", "We made sure you are safe and spoke to your school.");
  await page.click("button:has-text('Update status')");
  await page.waitForSelector("text=Closed");
  const after = await api("GET", "/v1/reporter/case", null, { Authorization: `Bearer ${sess.json.token}` });
  assert.equal(after.json.status, "closed");
  await page.goto(`${BASE}/console/account`);
  await check(page, "account");
  await page.context().close();
}

async function supervisorFlow(browser) {
  const page = await signIn(browser, "supervisor");
  await page.goto(`${BASE}/console/oncall`);
  await check(page, "oncall");
  await page.fill("#rot-name", "Night cover");
  await page.selectOption("#rot-members", { label: "PC Olu Officer (officer)" });
  await page.fill("#rot-hours", "12");
  await page.fill("#rot-handover", "19:00");
  await page.fill("#rot-start", "2026-12-01");
  await page.click("button:has-text('Create rotation')");
  await page.waitForSelector("td:has-text('Night cover')");
  await check(page, "oncall-rotation-created");
  await page.goto(`${BASE}/console/users`);
  await check(page, "supervisor-users");
  await page.context().close();
}

async function contentFlow(browser) {
  const slug = `e2e-${Date.now()}`;
  const teacher = await signIn(browser, "school_staff");
  await teacher.goto(`${BASE}/console/content/new`);
  await teacher.fill("#title", "Secrets and gifts");
  await teacher.fill("#slug", slug);
  await teacher.fill("#summary", "When a gift comes with a secret");
  await teacher.check("#age-11-13");
  await teacher.selectOption("#topics", "gifts-and-secrets");
  await teacher.fill("#body", "");
  await teacher.type("#body", "## Gifts with strings\n\nIf someone online gives you **gifts** and asks you to keep a secret, tell a trusted adult.");
  await teacher.waitForSelector("#preview h2, #preview strong");
  assert.match(await teacher.innerHTML("#preview"), /<strong>gifts<\/strong>/);
  await check(teacher, "content-editor");
  await teacher.click("button:has-text('Save draft')");
  await teacher.waitForSelector("#item-state");
  const itemURL = teacher.url();
  await teacher.click("button:has-text('Send for review')");
  await teacher.waitForSelector("#item-state:has-text('in review')");
  await teacher.goto(`${BASE}/console/content`);
  await check(teacher, "content-list");

  const lead = await signIn(browser, "safeguarding_lead");
  await lead.goto(itemURL);
  await check(lead, "content-review");
  await lead.click("button:has-text('Publish')");
  await lead.waitForSelector("#item-state:has-text('published')");
  await lead.goto(`${BASE}/console/collection`);
  await lead.click(`button[aria-label="Add Secrets and gifts"]`);
  await lead.waitForSelector(`button[aria-label="Remove Secrets and gifts"]`);
  await check(lead, "collection");
  await lead.goto(`${BASE}/console/collection/poster`);
  await lead.waitForSelector("#poster-code");
  await check(lead, "poster");
  const code = (await lead.textContent("#poster-code")).replace(/[^A-Za-z0-9]/g, "");
  const shared = await api("GET", `/v1/schools/${code}/collection`);
  assert.ok(JSON.stringify(shared.json).includes("Secrets and gifts"), "pupils see the published item through the join code");
  await teacher.context().close();
  await lead.context().close();
}

async function adminFlow(browser) {
  const page = await signIn(browser, "admin");
  await page.goto(`${BASE}/console/organisations`);
  await check(page, "organisations");
  await page.goto(`${BASE}/console/users`);
  await page.fill("#u-email", "pc.new@demo.test");
  await page.fill("#u-name", "PC New Starter");
  await page.selectOption("#u-role", "officer");
  await page.selectOption("#u-org", { label: "Demo Police" });
  await page.click("button:has-text('Invite')");
  const invite = (await page.textContent("#invite-code")).trim();
  await check(page, "users");
  await page.context().close();

  // The new officer sets a password, signs in and turns on two-step
  // sign-in from their account page, then signs out everywhere.
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const np = await ctx.newPage();
  await np.goto(`${BASE}/console/invite`);
  await check(np, "invite");
  await np.fill("#inviteToken", invite);
  await np.fill("#new-password", "a new officer's password");
  await np.click("button:has-text('Set password')");
  await np.waitForSelector("text=Your password is set");
  await np.goto(`${BASE}/console/signin`);
  await np.fill("#email", "pc.new@demo.test");
  await np.fill("#password", "a new officer's password");
  await np.click("button[type=submit]:has-text('Sign in')");
  await np.waitForURL(/\/console\/cases/);
  await np.goto(`${BASE}/console/account`);
  await np.fill("#password", "a new officer's password");
  await np.click("button:has-text('Set up an authenticator app')");
  const secret = (await np.textContent("#totp-secret")).trim();
  await check(np, "enrol");
  await np.fill("#code", await freshCode(secret));
  await np.click("button:has-text('Turn on two-step sign-in')");
  await np.waitForSelector(".codes li");
  await check(np, "recovery-codes");
  await np.goto(`${BASE}/console/account`);
  await np.click("button:has-text('Sign out everywhere')");
  await np.waitForURL(/\/console\/signin/);
  await np.goto(`${BASE}/console/cases`);
  assert.match(np.url(), /\/console\/signin/, "signed out everywhere");
  await ctx.close();
}

async function signInScreen(browser) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 700 } });
  const page = await ctx.newPage();
  const res = await page.goto(`${BASE}/console/signin`);
  assert.ok(!/unsafe-inline/.test(res.headers()["content-security-policy"]));
  await check(page, "signin");
  await ctx.close();
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-dev-shm-usage"] });
try {
  await signInScreen(browser);
  await officerFlow(browser);
  await supervisorFlow(browser);
  await contentFlow(browser);
  await adminFlow(browser);
  await mashFlows(browser, { BASE, demo, signIn, check, api });
  await oversightFlows(browser, { BASE, check, signIn, assert });
  assert.deepEqual(cspViolations, [], "the CSP refused something a page needs");
  console.log("console e2e passed");
} finally {
  await browser.close();
}
