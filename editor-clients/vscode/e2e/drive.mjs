// Drives a real VS Code (code-server in Debian's chromium, through playwright-core) through a tierwise session
// from the command palette: Plan Task… (PLAN.md opens beside, progress notification with Cancel), a note typed
// into PLAN.md without saving, Refine Plan, Implement Plan while the user types in calc.py, Run Tests and Fix,
// Review Changes, the reviewer's suggestion as a quick fix (Ctrl+.), Undo Task (refused, then Undo Anyway),
// Show Cost; the recorded test command in the status bar's tooltip and in Show Status. With TIERWISE_DRIVE=budget
// instead: two tasks whose plan call would cross a tight ceiling, the budget question answered "Raise by $X"
// and then "Stop here". tests/editors/test_vscode_e2e.py starts code-server and the replay model server, then
// checks the files on disk and the replay log; this script reports what the UI showed.
//
//   node drive.mjs URL RESULT_JSON SCREENSHOT_DIR
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const [url, resultPath, shots] = process.argv.slice(2);
const CHROMIUM = process.env.TIERWISE_CHROMIUM || '/usr/bin/chromium';
const TASK = process.env.TIERWISE_TASK || 'Fix add() and mul() in calc.py so that the tests pass';
const NOTE = process.env.TIERWISE_NOTE || '- a note typed by the user';
const NOTE_LINE = Number(process.env.TIERWISE_NOTE_LINE || '5');
const TYPED = '# typed while tierwise works';
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

/** The text of the editor whose active tab is `name`, and whether that tab is dirty. */
async function editorState(page, name) {
  const group = page.locator('.editor-group-container', { has: page.locator('.tab.active', { hasText: name }) }).first();
  const lines = group.locator('.view-lines').first();
  await lines.waitFor({ state: 'visible', timeout: 20000 });
  // Rendered lines are not in document order in the DOM: sort them by their offset.
  const text = (await lines.evaluate((node) => [...node.querySelectorAll('.view-line')]
    .map((line) => [parseFloat(line.style.top) || 0, line.innerText])
    .sort((a, b) => a[0] - b[0])
    .map(([, lineText]) => lineText)
    .join('\n'))).replace(/\u00a0/g, ' ');
  const dirty = await page.locator('.tabs-container .tab.dirty', { hasText: name }).count();
  return { text, dirty };
}

async function focusTab(page, name) {
  await page.locator('.tabs-container .tab', { hasText: name }).first().click();
  await page.waitForTimeout(300);
}

async function goToLine(page, line) {
  await page.keyboard.press('Control+G');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ state: 'visible', timeout: 20000 });
  await input.fill(`:${line}`);
  await page.keyboard.press('Enter');
  await page.waitForTimeout(300);
}

async function waitEditor(page, name, predicate, what, timeout = 60000) {
  const deadline = Date.now() + timeout;
  let state = { text: '', dirty: -1 };
  while (Date.now() < deadline) {
    state = await editorState(page, name);
    if (predicate(state)) {
      return state;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`${what}: last state ${JSON.stringify(state)}`);
}

async function clickDialogButton(page, label) {
  const button = page.locator('.monaco-dialog-box .monaco-button', { hasText: label }).first();
  await button.waitFor({ state: 'visible', timeout: 30000 });
  const message = (await page.locator('.monaco-dialog-box').first().innerText()).slice(0, 500);
  await button.click();
  return message;
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

/** Tierwise: Plan Task… with `task` typed into its input box. */
async function planTask(page, task) {
  await palette(page, 'Tierwise: Plan Task');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await page.locator('.quick-input-widget', { hasText: 'What should tierwise do?' }).waitFor({ timeout: 20000 });
  await input.fill(task);
  await page.keyboard.press('Enter');
}

/** The status bar item's tooltip, as the hover shows it once it names `pattern`. */
async function statusTooltip(page, pattern) {
  const deadline = Date.now() + 30000;
  let text = '';
  while (Date.now() < deadline) {
    await page.mouse.move(0, 0);
    await page.locator('[id$="tierwise.status"]').first().hover();
    const hover = page.locator('.workbench-hover, .monaco-hover').filter({ hasText: 'tierwise task' }).first();
    await hover.waitFor({ state: 'visible', timeout: 5000 }).catch(() => undefined);
    text = (await hover.count()) > 0 ? await hover.innerText() : '';
    if (pattern.test(text)) {
      await page.mouse.move(0, 0);
      return text;
    }
    await page.waitForTimeout(500);
  }
  throw new Error(`the status tooltip never matched ${pattern}: last text ${JSON.stringify(text)}`);
}

/** A budget question (window/showMessageRequest, shown as a notification) answered with `answer`. */
async function answerBudget(page, answer) {
  const question = page.locator('.notification-toast', { hasText: "Raise this task's ceiling" }).first();
  await question.waitFor({ state: 'visible', timeout: 90000 });
  const text = (await question.innerText()).slice(0, 800);
  const waiting = await waitStatus(page, /budget waiting/);
  const buttons = await question.locator('.monaco-button').allInnerTexts();
  await question.locator('.monaco-button', { hasText: answer }).first().click();
  return { text, waiting, buttons };
}

async function budgetScenario(page) {
  await planTask(page, TASK);
  const raise = await answerBudget(page, 'Raise by');
  step('raise', { ...raise, status: await waitStatus(page, /plan finished, next: refine/, 120000) });
  await planTask(page, 'Add sub(a, b) to calc.py');
  const stop = await answerBudget(page, 'Stop here');
  step('stop', { ...stop, status: await waitStatus(page, /budget stopped/, 60000) });
}

/** Plan → note in PLAN.md → refine → implement while typing → fix → review → suggestion → undo → cost. */
async function sessionScenario(page) {
  await planTask(page, TASK);
  const toast = page.locator('.notification-toast', { hasText: 'tierwise: plan' }).first();
  await toast.waitFor({ state: 'visible', timeout: 30000 });
  const cancelButton = toast.locator('.monaco-button', { hasText: 'Cancel' });
  step('progress notification', { cancel: (await cancelButton.count()) > 0, text: (await toast.innerText()).slice(0, 300) });
  await page.locator('.notification-toast', { hasText: 'asking' }).first().waitFor({ timeout: 30000 }).catch(() => undefined);
  const asking = await page.locator('.notification-toast', { hasText: 'tierwise: plan' }).first().innerText().catch(() => '');
  step('progress message', { text: asking.slice(0, 300) });
  const planTab = page.locator('.tabs-container .tab', { hasText: 'PLAN.md' }).first();
  await planTab.waitFor({ state: 'visible', timeout: 90000 });
  const groups = await page.locator('.editor-group-container').count();
  step('plan', { groups, status: await waitStatus(page, /plan finished, next: refine/) });
  // issue #11: the task's recorded test command, in the tooltip and in Show Status
  const tooltip = await statusTooltip(page, /test command \(recorded by task/);
  await palette(page, 'Tierwise: Show Status');
  const statusDoc = page.locator('.editor-group-container .view-lines', { hasText: 'tierwise status' }).first();
  await statusDoc.waitFor({ state: 'visible', timeout: 20000 });
  step('recorded commands', { tooltip, statusDoc: (await statusDoc.innerText()).replace(/\u00a0/g, ' ').slice(0, 2000) });

  // The user adds a note to PLAN.md and does not save; refine reads it and keeps it; PLAN.md ends saved.
  await focusTab(page, 'PLAN.md');
  await goToLine(page, NOTE_LINE);
  await page.keyboard.press('Home');
  await page.keyboard.insertText(`${NOTE}\n`);
  const noted = await waitEditor(page, 'PLAN.md', (st) => st.text.includes(NOTE) && st.dirty === 1, 'the note typed, unsaved');
  step('plan note', { dirty: noted.dirty });
  await palette(page, 'Tierwise: Refine Plan');
  const refined = await waitStatus(page, /refine finished, next: implement/);
  const plan = await waitEditor(page, 'PLAN.md', (st) => st.text.includes('Refined: edge cases checked.') && st.dirty === 0,
    'the refined plan in the editor, saved');
  step('refine', { status: refined, text: plan.text, dirty: plan.dirty });

  // The user types at the top of calc.py while implement waits for the model.
  await palette(page, 'Tierwise: Implement Plan');
  // type while the model call is under way (the replay answers after 5 s)
  await page.locator('.notification-toast', { hasText: 'asking mid' }).first().waitFor({ timeout: 60000 });
  await focusTab(page, 'calc.py');
  await page.keyboard.press('Control+Home');
  await page.keyboard.insertText(`${TYPED}\n`);
  const implemented = await waitStatus(page, /implement finished, next: fix/);
  const afterImplement = await waitEditor(page, 'calc.py', (st) => st.text.includes('return a + b'), "tierwise's edit in the editor");
  step('implement', { status: implemented, editorText: afterImplement.text, dirty: afterImplement.dirty });
  await page.keyboard.press('Control+S');  // the user saves their typing
  await waitEditor(page, 'calc.py', (st) => st.dirty === 0, 'calc.py saved by the user');

  await palette(page, 'Tierwise: Run Tests and Fix');
  const fixed = await waitStatus(page, /fix finished, next: review/, 120000);
  const afterFix = await waitEditor(page, 'calc.py', (st) => st.text.includes('return a * b'), "the fix in the editor");
  step('fix', { status: fixed, dirty: afterFix.dirty });

  // The reviewer's suggestion through the quick-fix menu: applied through workspace/applyEdit, and saved.
  await palette(page, 'Tierwise: Review Changes');
  step('review', { status: await waitStatus(page, /^\W*review done/, 120000) });
  await focusTab(page, 'calc.py');
  await page.locator('.squiggly-warning, .squiggly-error, .squiggly-info').first().waitFor({ timeout: 30000 });
  await goToLine(page, 2);
  await page.keyboard.press('Control+.');
  const action = page.locator('.action-widget .monaco-list-row, .context-view .monaco-list-row', { hasText: "Apply reviewer's suggestion" }).first();
  await action.waitFor({ state: 'visible', timeout: 30000 });
  await action.click();
  const suggested = await waitEditor(page, 'calc.py', (st) => st.text.includes('Sum of a and b.') && st.dirty === 0,
    "the reviewer's suggestion applied and saved");
  step('suggestion', { text: suggested.text, dirty: suggested.dirty });

  // Undo: refused (calc.py changed after the task), then Undo Anyway restores the editor and the disk.
  await palette(page, 'Tierwise: Undo Task');
  const question = await clickDialogButton(page, 'Undo');
  const refusal = await clickDialogButton(page, 'Undo Anyway');
  const undone = await waitEditor(page, 'calc.py', (st) => st.text.includes('return a - b') && st.dirty === 0,
    'calc.py restored and saved');
  step('undo', { question, refusal, text: undone.text, dirty: undone.dirty });

  await palette(page, 'Tierwise: Show Cost');
  const cost = page.locator('.editor-group-container .view-lines', { hasText: 'tierwise cost' }).first();
  await cost.waitFor({ state: 'visible', timeout: 20000 });
  step('cost', { text: (await cost.innerText()).slice(0, 1000) });
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
  await (process.env.TIERWISE_DRIVE === 'budget' ? budgetScenario(page) : sessionScenario(page));
  result.ok = true;
} catch (err) {
  result.error = String(err && err.stack ? err.stack : err);
  await page.screenshot({ path: join(shots, 'failure.png') }).catch(() => undefined);
} finally {
  writeFileSync(resultPath, JSON.stringify(result, null, 2));
  await browser.close();
}
process.exit(result.ok ? 0 : 1);
