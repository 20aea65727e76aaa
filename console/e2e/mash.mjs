// Browser flows of multi-agency work: an officer refers an urgent case to
// the MASH and closes it as a safeguarding referral; the MASH practitioner
// signs in with TOTP, finds it in the inbox, asks a question, acknowledges
// and decides, and the officer sees the decision; a teacher raises a
// concern about a pupil and follows its status. The runner (flows.mjs)
// passes its helpers in `kit`: signIn, check (axe, keyboard, screenshot)
// and api.
import { randomUUID } from "node:crypto";
import assert from "node:assert/strict";

const summary = "A child of 11-13 plans to meet an adult from a game at the park after school today.";

export async function mashFlows(browser, kit) {
  const caseURL = await referAndClose(browser, kit);
  await partnerDecides(browser, kit, caseURL);
  await teacherRaisesConcern(browser, kit);
}

async function referAndClose(browser, { BASE, demo, signIn, check, api }) {
  const page = await signIn(browser, "officer");
  const rep = await api("POST", "/v1/reports", { forceCode: demo.forceCode, category: "adult_wants_to_meet",
    whatHappened: "He said to come alone to the park after school and not tell anyone.",
    answers: { meetingPlanned: true, ageBand: "11-13" } }, { "Idempotency-Key": randomUUID() });
  assert.equal(rep.status, 201);
  const { reference, receipt } = rep.json;
  await page.goto(`${BASE}/console/cases`);
  await page.click(`a:has-text("${reference}")`);
  await page.waitForSelector("#what-happened");
  const caseURL = page.url();

  await page.click("a:has-text('refer it to an agency')");
  await page.waitForSelector("#ref-summary");
  await check(page, "case-referrals");
  await page.check("label:has-text('Demoshire MASH') >> xpath=preceding-sibling::input[1]");
  await page.fill("#ref-summary", summary);
  await page.fill("#ref-reason", "A meeting with an adult is planned today: the MASH must assess at once.");
  await page.selectOption("#ref-basis", "dpa2018_safeguarding_children");
  await page.selectOption("#ref-urgency", "immediate");
  await page.check("#field-category");
  await page.check("#field-whatHappened");
  await page.check("#field-ageBand");
  await page.click("button:has-text('Refer')");
  await page.waitForSelector("text=Referred to 1 agency");
  assert.ok(await page.isVisible(".referral-status:has-text('sent')"));
  await check(page, "case-referred");

  await page.goto(caseURL);
  await page.selectOption("#new-status", "closed");
  await page.selectOption("#disposition", "safeguarding_referral");
  await page.fill("#outcome", "We have asked children's services to help keep you safe.");
  await page.click("button:has-text('Update status')");
  await page.waitForSelector("text=Closed");
  assert.match(await page.textContent("main"), /safeguarding referral/);
  const sess = await api("POST", "/v1/reports/session", { reference, receipt });
  const mine = await api("GET", "/v1/reporter/case", null, { Authorization: `Bearer ${sess.json.token}` });
  assert.equal(mine.json.status, "closed");
  await page.context().close();
  return caseURL;
}

async function partnerDecides(browser, { BASE, signIn, check }, caseURL) {
  const page = await signIn(browser, "partner_practitioner");
  assert.match(page.url(), /\/console\/referrals/, "a partner lands on the referrals inbox");
  await page.waitForSelector("tr:has-text('immediate')");
  await check(page, "referral-inbox");
  // Partners see nothing of the force: its queue is "not found".
  const res = await page.goto(`${BASE}/console/cases`);
  assert.equal(res.status(), 404);
  await page.goto(`${BASE}/console/referrals`);
  await page.click("tr:has-text('immediate') a");
  await page.waitForSelector("#referral-summary");
  assert.equal((await page.textContent("#referral-summary")).trim(), summary);
  assert.match(await page.textContent("#shared"), /come alone to the park/);
  await check(page, "referral");

  // Ask by keyboard only: focus the box, type, Tab to Ask, Enter.
  await page.focus("#question-text");
  await page.keyboard.type("Does the child have an allocated social worker already?");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await page.waitForSelector("text=allocated social worker");
  await page.click("button:has-text('Acknowledge')");
  await page.waitForSelector("#referral-status:has-text('acknowledged')");
  await page.selectOption("#decision", "section_47");
  await page.fill("#agency-reference", "MASH-2026-118");
  await page.fill("#decision-outcome", "Strategy discussion held; section 47 enquiry opened today.");
  await page.click("button:has-text('Record decision')");
  await page.waitForSelector("#referral-decision");
  assert.match(await page.textContent("#referral-status"), /decided/);
  await check(page, "referral-decided");
  await page.context().close();

  // The officer sees the decision and answers the question on the case.
  const officer = await signIn(browser, "officer");
  await officer.goto(caseURL + "/referrals");
  await officer.waitForSelector("text=MASH-2026-118");
  await officer.fill("textarea[id^='answer-']", "Not known to us; the school is Demo High School.");
  await officer.click("button:has-text('Send answer')");
  await officer.waitForSelector("text=Not known to us");
  await check(officer, "case-referral-decided");
  await officer.context().close();
}

async function teacherRaisesConcern(browser, { BASE, signIn, check }) {
  const page = await signIn(browser, "school_staff");
  await page.goto(`${BASE}/console/concerns`);
  await check(page, "concerns");
  await page.click("a:has-text('Raise a concern')");
  await page.waitForSelector("#c-what");
  await check(page, "concern-new");
  const observed = new Date(Date.now() - 3 * 3600 * 1000).toISOString().slice(0, 16);
  const born = new Date(Date.now() - 12.5 * 365.25 * 86400 * 1000).toISOString().slice(0, 10);
  await page.fill("#c-what", "Leah says an adult she met online has been sending her gifts and wants to meet.");
  await page.fill("#c-observed", observed);
  await page.fill("#c-first", "Leah");
  await page.selectOption("#c-year", "year_8");
  await page.fill("#c-dob", born);
  await page.selectOption("#c-category", "adult_wants_to_meet");
  await page.check("#c-mash");
  await page.click("button:has-text('Raise the concern')");
  await page.waitForSelector("#concern-status");
  assert.match(await page.textContent("#concern-advice"), /force/);
  await check(page, "concern");
  await page.goto(`${BASE}/console/concerns`);
  assert.ok(await page.isVisible("td:has-text('Leah')"));
  await page.context().close();
}
