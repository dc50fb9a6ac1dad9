// The whole flow in a real browser: the owner creates an alliance and invites two partner
// leads; each lead invites three respondents; the owner opens a wave; six respondents answer
// and submit; the dashboard shows the quadrant chart. Screenshots go to a temporary folder.
const { test, expect } = require('@playwright/test');
const os = require('os');
const path = require('path');
const fs = require('fs');

const shots = fs.mkdtempSync(path.join(os.tmpdir(), 'entente-shots-'));
const PASSWORD = 'browser test password';

async function shot(page, name) {
  await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
}

async function inviteAndJoin(browser, inviterPage, email, side) {
  await inviterPage.getByLabel('Email', { exact: true }).fill(email);
  if (side) {
    await inviterPage.getByLabel('Partner', { exact: true }).selectOption(side);
  }
  await inviterPage.getByRole('button', { name: 'Create invitation link' }).click();
  const link = await inviterPage.locator('.token a').getAttribute('href');
  expect(link).toMatch(/^\/invite\/[0-9a-f]{64}$/);
  await inviterPage.getByRole('link', { name: 'Back to the alliance' }).click();
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(link);
  await page.getByLabel('Your name').fill(email);
  await page.getByLabel(/password/i).fill(PASSWORD);
  await page.getByRole('button', { name: 'Join' }).click();
  await expect(page.locator('h1')).toContainText('Browser JV');
  return page;
}

// Answers per partner: A explores (placement 6, reverse items 2), B exploits (2 and 6); every
// motive important; the rest in the middle.
async function answerAll(page, side) {
  await page.getByRole('link', { name: 'answer the questionnaire' }).click();
  const names = await page.locator('input[type=radio][value="1"]').evaluateAll((els) => els.map((e) => e.name));
  for (const name of names) {
    let v = 4;
    if (name.endsWith('_IMP')) v = 6;
    else if (name.endsWith('_X1')) v = side === 'A' ? 6 : 2;
    else if (name.endsWith('_X2')) v = side === 'A' ? 2 : 6;
    else if (name === 't2_4') v = side === 'A' ? 2 : 5; // reverse-keyed trust item
    else if (name.startsWith('t2_')) v = side === 'A' ? 6 : 3;
    else if (name.startsWith('INT_INTERNALISE') || name.startsWith('REC_')) v = 5;
    await page.check(`input[name="${name}"][value="${v}"]`);
  }
  await page.getByRole('button', { name: 'Save and continue later' }).click();
  await expect(page.locator('[role=status]')).toContainText('saved');
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page.locator('.notice')).toContainText('submitted');
}

test('owner, two partners and six respondents reach the quadrant chart', async ({ browser }) => {
  const owner = await (await browser.newContext()).newPage();
  await owner.goto('/signup');
  await shot(owner, '01-signup');
  await owner.getByLabel('Email').fill('owner@browser.test');
  await owner.getByLabel('Your name').fill('Owner');
  await owner.getByLabel('Password').fill(PASSWORD);
  await owner.getByRole('button', { name: 'Create account' }).click();
  await owner.getByRole('link', { name: 'Create an alliance' }).click();
  await owner.getByLabel('Alliance name').fill('Browser JV');
  await owner.locator('#firm_a').fill('Northwind');
  await owner.locator('#country_a').fill('Norway');
  await owner.locator('#firm_b').fill('Southgate');
  await owner.locator('#country_b').fill('Japan');
  await owner.getByLabel('Governance form').selectOption('equity-jv');
  await shot(owner, '02-new-alliance');
  await owner.getByRole('button', { name: 'Create alliance' }).click();
  await expect(owner.locator('h1')).toHaveText('Browser JV');

  const leads = {};
  for (const side of ['A', 'B']) {
    leads[side] = await inviteAndJoin(browser, owner, `lead.${side}@browser.test`, side);
  }
  await owner.reload();
  await owner.getByRole('button', { name: 'Open wave' }).click();
  await expect(owner.getByText('Wave 1 (open)')).toBeVisible();
  await shot(owner, '03-wave-open');

  for (const side of ['A', 'B']) {
    for (let k = 1; k <= 3; k++) {
      const r = await inviteAndJoin(browser, leads[side], `r${k}.${side}@browser.test`);
      await answerAll(r, side);
      if (side === 'A' && k === 1) await shot(r, '04-submitted');
    }
  }
  await owner.goto(owner.url().replace(/\/?$/, '/dashboard'));
  await expect(owner.locator('svg title').first()).toContainText('Quadrant chart');
  await expect(owner.getByText('mismatch (one explores, one exploits)')).toBeVisible();
  await expect(owner.getByRole('heading', { name: 'Recommendations' })).toBeVisible();
  await shot(owner, '05-dashboard');
  console.log(`screenshots in ${shots}`);
});
