// Browser flows of the oversight screens: a supervisor edits a rotation
// and sees the calendar follow, edits a policy's tiers and makes it the
// default, reads the force's figures, changes a reminder threshold and
// reads a case's history and audit log;
// the commissioner's office reads the figures. flows.mjs passes its
// helpers in (h: BASE, check, signIn, assert).

async function editRotation(page, h) {
  const { BASE, check, assert } = h;
  await page.goto(`${BASE}/console/oncall`);
  await page.fill("#rot-name", "Relief team");
  await page.selectOption("#rot-members", { label: "PC Olu Officer (officer)" });
  await page.fill("#rot-hours", "24");
  await page.fill("#rot-handover", "07:00");
  await page.fill("#rot-start", "2026-01-01");
  await page.click("button:has-text('Create rotation')");
  const cal = page.locator("table.calendar:has(caption:text-is('Relief team'))");
  await cal.waitFor();
  assert.ok(!(await cal.textContent()).includes("Sgt Sam Supervisor"), "the sergeant is not yet in the calendar");
  await check(page, "oncall-calendar");

  await page.click("a[aria-label='Edit rotation Relief team']");
  await page.waitForSelector("#er-members");
  await check(page, "rotation-edit");
  await page.selectOption("#er-members", { label: "Sgt Sam Supervisor (supervisor)" });
  await page.fill("#er-name", "Relief team (sergeant)");
  await page.click("button:has-text('Save rotation')");
  const edited = page.locator("table.calendar:has(caption:text-is('Relief team (sergeant)'))");
  await edited.waitFor();
  const text = await edited.textContent();
  assert.ok(text.includes("Sgt Sam Supervisor") && !text.includes("PC Olu Officer"), "the calendar follows the edit");
  await check(page, "oncall-calendar-edited");
}

async function editPolicy(page, h) {
  const { BASE, check, assert } = h;
  await page.goto(`${BASE}/console/oncall`);
  await page.fill("#pol-name", "Nights");
  await page.selectOption("#pol-rot", { label: "Relief team (sergeant)" });
  await page.fill("#pol-hook", "https://control-room.example.org/nights");
  await page.click("button:has-text('Create policy')");
  await page.click("a[aria-label='Edit policy Nights']");
  await page.waitForSelector("#tier0-kind");
  // Add a tier: page the officer by name before the control room.
  await page.selectOption("#tier1-kind", "people");
  await page.selectOption("#tier1-people", { label: "PC Olu Officer (officer)" });
  await page.fill("#tier1-delay", "240");
  await page.selectOption("#tier2-kind", "webhook");
  await page.fill("#tier2-webhook", "https://control-room.example.org/nights");
  await page.fill("#tier2-delay", "300");
  await page.fill("#ep-name", "Nights v2");
  await check(page, "policy-edit");
  await page.click("button:has-text('Save policy')");
  const row = page.locator("#policies ~ table tr:has-text('Nights v2')");
  await row.waitFor();
  assert.ok((await row.textContent()).includes("PC Olu Officer after 240 s"), "the new tier is listed");
  await page.click("button[aria-label='Make default: Nights v2']");
  await page.locator("#policies ~ table tr:has-text('Nights v2') >> text=default").waitFor();
  await check(page, "oncall-policy-default");
  // Put the demo's own policy back as the default for the flows after.
  await page.click("button[aria-label='Make default: Default']");
  await page.locator("#policies ~ table tr:has-text('Default') strong:text-is('default')").waitFor();
}

async function figures(page, h, name) {
  const { BASE, check, assert } = h;
  await page.goto(`${BASE}/console/figures`);
  await page.waitForSelector("#figures-total");
  const loaded = await page.$$eval(".charts img", (imgs) => imgs.map((i) => i.complete && i.naturalWidth > 0));
  assert.ok(loaded.length === 3 && loaded.every(Boolean), "every chart image loads under the CSP");
  const csv = await page.request.get(BASE + (await page.getAttribute("#figures-csv", "href")));
  assert.equal(csv.status(), 200);
  assert.match(csv.headers()["content-type"], /^text\/csv/);
  assert.match(await csv.text(), /^table,key,label,value/);
  await check(page, name);
}

async function reminderSettings(page, h) {
  const { BASE, check, assert } = h;
  await page.goto(`${BASE}/console/cases`);
  await page.click("#reminder-settings");
  await page.waitForSelector("#rs-notOpenedMinutes");
  assert.equal(await page.inputValue("#rs-notOpenedMinutes"), "240");
  await page.fill("#rs-notOpenedMinutes", "180");
  await page.click("button:has-text('Save thresholds')");
  await page.waitForSelector("#saved");
  assert.equal(await page.inputValue("#rs-notOpenedMinutes"), "180", "the saved threshold is shown");
  await check(page, "reminder-settings");
  // Put the default back for the flows after.
  await page.fill("#rs-notOpenedMinutes", "240");
  await page.click("button:has-text('Save thresholds')");
  await page.waitForSelector("#saved");
}

async function caseHistory(page, h) {
  const { BASE, check, assert } = h;
  await page.goto(`${BASE}/console/cases?status=closed`);
  await page.click("tbody tr:first-child a");
  await page.click("a:has-text('History of this case')");
  await page.waitForSelector("#timeline");
  assert.match(await page.textContent("#timeline"), /case\.status changed/);
  await check(page, "case-history");
  await page.click("a:has-text('Audit log of this case')");
  await page.waitForSelector("#audit-log");
  assert.match(await page.textContent("#audit-log"), /case\.opened/);
  await check(page, "case-audit");
}

/** Supervisor and commissioner flows of the oversight screens. */
export async function oversightFlows(browser, h) {
  const page = await h.signIn(browser, "supervisor");
  await editRotation(page, h);
  await editPolicy(page, h);
  await figures(page, h, "figures");
  await reminderSettings(page, h);
  await caseHistory(page, h);
  await page.context().close();

  const pcc = await h.signIn(browser, "commissioner");
  h.assert.match(pcc.url(), /\/console\/figures/);
  await figures(pcc, h, "figures-commissioner");
  await pcc.context().close();
}
