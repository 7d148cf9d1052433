// Drives a real VS Code (code-server in Debian's chromium, through playwright-core) through a tierwise session
// from the command palette: Plan Task… (PLAN.md opens beside, progress notification with Cancel), Implement
// Plan, Run Tests and Fix, Show Cost. tests/editors/test_vscode_e2e.py starts code-server and the replay model
// server, then checks the files on disk and the replay log; this script reports what the UI showed.
//
//   node drive.mjs URL RESULT_JSON SCREENSHOT_DIR
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [url, resultPath, shots] = process.argv.slice(2);
const CHROMIUM = process.env.TIERWISE_CHROMIUM || '/usr/bin/chromium';
const TASK = process.env.TIERWISE_TASK || 'Fix add() and mul() in calc.py so that the tests pass';
const result = { steps: [], ok: false };

function step(name, data = {}) {
  result.steps.push({ name, at: new Date().toISOString(), ...data });
  writeFileSync(resultPath, JSON.stringify(result, null, 2));
}

async function palette(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 20000 });
  await input.fill(`>${title}`);
  const row = page.locator('.quick-input-widget .monaco-list-row', { hasText: title }).first();
  await row.waitFor({ state: 'visible', timeout: 20000 });
  await page.keyboard.press('Enter');
}

async function statusText(page) {
  const item = page.locator('[id$="tierwise.status"]').first();
  return (await item.count()) > 0 ? (await item.innerText()).trim() : '';
}

async function waitStatus(page, pattern, timeout = 90000) {
  const deadline = Date.now() + timeout;
  let text = '';
  while (Date.now() < deadline) {
    text = await statusText(page);
    if (pattern.test(text)) {
      return text;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`status bar never matched ${pattern}: last text ${JSON.stringify(text)}`);
}

const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'tierwise-chromium-')), {
  executablePath: CHROMIUM,
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
  viewport: { width: 1600, height: 1000 },
});
const page = browser.pages()[0] ?? (await browser.newPage());
try {
  await page.goto(url, { waitUntil: 'domcontentloaded', timeout: 60000 });
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60000 });
  step('workbench');
  step('extension active', { status: await waitStatus(page, /tierwise/, 60000) });

  // Open calc.py, so that tierwise edits it through workspace/applyEdit rather than on disk.
  await palette(page, 'Go to File');
  await page.keyboard.type('calc.py');
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'calc.py' }).first().waitFor({ timeout: 20000 });
  await page.keyboard.press('Enter');
  const calcTab = page.locator('.tabs-container .tab', { hasText: 'calc.py' }).first();
  await calcTab.waitFor({ state: 'visible', timeout: 20000 });
  step('calc.py open');

  await palette(page, 'Tierwise: Plan Task');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await page.locator('.quick-input-widget', { hasText: 'What should tierwise do?' }).waitFor({ timeout: 20000 });
  await input.fill(TASK);
  await page.keyboard.press('Enter');
  const toast = page.locator('.notification-toast', { hasText: 'tierwise: plan' }).first();
  await toast.waitFor({ state: 'visible', timeout: 30000 });
  const cancelButton = toast.locator('.monaco-button', { hasText: 'Cancel' });
  step('progress notification', { cancel: (await cancelButton.count()) > 0, text: (await toast.innerText()).slice(0, 300) });
  const planTab = page.locator('.tabs-container .tab', { hasText: 'PLAN.md' }).first();
  await planTab.waitFor({ state: 'visible', timeout: 90000 });
  const groups = await page.locator('.editor-group-container').count();
  step('plan', { groups, status: await waitStatus(page, /plan finished, next: refine/) });

  await palette(page, 'Tierwise: Implement Plan');
  const implemented = await waitStatus(page, /implement finished, next: fix/);
  const calcEditor = page.locator('.editor-group-container', { has: page.locator('.tab.active', { hasText: 'calc.py' }) })
    .locator('.view-lines').first();
  await calcEditor.waitFor({ state: 'visible', timeout: 20000 });
  const editorText = (await calcEditor.innerText()).replace(/\u00a0/g, ' ');
  const dirty = await page.locator('.tabs-container .tab.dirty', { hasText: 'calc.py' }).count();
  step('implement', { status: implemented, editorText, dirty });

  await palette(page, 'Tierwise: Run Tests and Fix');
  step('fix', { status: await waitStatus(page, /fix finished, next: review/, 120000) });

  await palette(page, 'Tierwise: Show Cost');
  const cost = page.locator('.editor-group-container .view-lines', { hasText: 'tierwise cost' }).first();
  await cost.waitFor({ state: 'visible', timeout: 20000 });
  step('cost', { text: (await cost.innerText()).slice(0, 1000) });
  result.ok = true;
} catch (err) {
  result.error = String(err && err.stack ? err.stack : err);
  await page.screenshot({ path: join(shots, 'failure.png') }).catch(() => undefined);
} finally {
  writeFileSync(resultPath, JSON.stringify(result, null, 2));
  await browser.close();
}
process.exit(result.ok ? 0 : 1);
