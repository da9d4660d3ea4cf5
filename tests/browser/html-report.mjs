// Opens keylint's HTML report from disk in headless Chromium and checks it against the JSON
// report of the same run: the visible rows are its findings, the severity and rule filters and
// the sorting work, nothing is loaded but the file, the console stays clean, no dialog opens,
// and hostile key names show as text. Saves a full-page screenshot and one of the page's top.
//
// node html-report.mjs PLAYWRIGHT_DIR REPORT.html REPORT.json SCREENSHOT.png [HOSTILE_NAME...]

import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [playwrightDir, htmlPath, jsonPath, screenshot, ...hostileNames] = process.argv.slice(2);
const { chromium } = createRequire(join(resolve(playwrightDir), 'package.json'))('playwright-core');

const report = JSON.parse(readFileSync(jsonPath, 'utf8'));
const pair = (f) => `${f.rule} ${f.key_id ?? ''}`;
const expected = report.findings.map(pair);
const url = pathToFileURL(resolve(htmlPath)).href;

let failures = 0;
function check(ok, what, detail) {
  if (ok) {
    console.log(`ok: ${what}`);
  } else {
    failures += 1;
    console.log(`FAIL: ${what}${detail === undefined ? '' : `: ${JSON.stringify(detail)}`}`);
  }
}
const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'keylint-chromium-')), {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  viewport: { width: 1280, height: 900 },
});
const page = browser.pages()[0] ?? await browser.newPage();
const problems = [];
const requests = [];
const dialogs = [];
page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`); });
page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
page.on('request', (r) => requests.push(r.url()));
page.on('dialog', async (d) => { dialogs.push(d.message()); await d.dismiss(); });

await page.goto(url, { waitUntil: 'load' });
await page.waitForTimeout(300);

const visible = () => page.$$eval('#findings-table tbody tr', (rows) => rows
  .filter((r) => !r.hidden && r.getClientRects().length > 0)
  .map((r) => `${r.dataset.rule} ${r.dataset.key}`));
const cells = (column) => page.$$eval('#findings-table tbody tr', (rows, c) => rows
  .filter((r) => !r.hidden).map((r) => r.cells[c].dataset.sort ?? r.cells[c].textContent.trim()), column);

const shown = await visible();
check(expected.length > 0 ? same(shown, expected) : shown.length === 0,
  `the ${shown.length} visible rows are the ${expected.length} findings of the JSON report`, { shown, expected });

if (expected.length > 0) {
  // Severity filter: each severity off in turn hides exactly its findings.
  for (const severity of ['error', 'warning', 'note']) {
    const box = page.locator(`input[name="severity"][value="${severity}"]`);
    await box.uncheck();
    const rest = report.findings.filter((f) => f.severity !== severity).map(pair);
    const now = await visible();
    check(same(now, rest), `unchecking ${severity} leaves the ${rest.length} other findings`, now);
    await box.check();
  }
  check(same(await visible(), expected), 'checking every severity shows every finding again');

  // Rule filter: each rule shows exactly its findings.
  const rules = [...new Set(report.findings.map((f) => f.rule))];
  let ruleFilterOk = true;
  for (const rule of rules) {
    await page.selectOption('#rule-filter', rule);
    const want = report.findings.filter((f) => f.rule === rule).map(pair);
    if (!same(await visible(), want)) { ruleFilterOk = false; }
  }
  check(ruleFilterOk, `the rule filter shows exactly each of the ${rules.length} rules' findings`);
  await page.selectOption('#rule-filter', '');
  const count = await page.textContent('#shown-count');
  check(count === `${expected.length} of ${expected.length} shown`, `the count reads "${count}"`);

  // Sorting: by key, ascending then descending; by severity, most severe first.
  const keyHeader = page.locator('#findings-table thead th').nth(2);
  await keyHeader.click();
  const up = await cells(2);
  const order = (a, b) => (Number.isFinite(Number(a)) && Number.isFinite(Number(b)) ? Number(a) - Number(b) : (a < b ? -1 : a > b ? 1 : 0));
  check(up.every((v, i) => i === 0 || order(up[i - 1], v) <= 0), 'clicking Key sorts by key id, ascending', up);
  await keyHeader.click();
  const down = await cells(2);
  check(down.every((v, i) => i === 0 || order(down[i - 1], v) >= 0), 'clicking Key again sorts descending', down);
  await page.locator('#findings-table thead th').nth(0).click();
  const ranks = (await cells(0)).map(Number);
  check(ranks.every((v, i) => i === 0 || ranks[i - 1] <= v), 'clicking Severity puts errors first', ranks);
  check(same([...(await visible())].sort(), [...expected].sort()), 'sorting keeps every finding');

  // The first row links to its key's section (or the policy section).
  const href = await page.getAttribute('#findings-table tbody tr:first-child a', 'href');
  await page.click('#findings-table tbody tr:first-child a');
  const target = await page.evaluate(() => {
    const el = document.querySelector(':target');
    return el ? `#${el.id}` : null;
  });
  check(target === href && href.startsWith('#'), `a row links to its section ${href}`, target);
}

const text = await page.textContent('body');
for (const name of hostileNames) {
  check(text.includes(name), `the name ${JSON.stringify(name)} shows as text`);
}
const injected = await page.evaluate(() => ({
  scripts: document.scripts.length,
  images: document.images.length,
  handlers: [...document.querySelectorAll('*')].filter((e) => [...e.attributes].some((a) => a.name.startsWith('on'))).length,
}));
check(same(injected, { scripts: 1, images: 0, handlers: 0 }), 'the page has its one script, no image, no event handler attribute', injected);
check(dialogs.length === 0, 'no dialog opened', dialogs);
check(problems.length === 0, 'the console has no error, warning or CSP violation', problems);
const others = requests.filter((r) => r !== url);
check(others.length === 0, `no request but the file itself (${requests.length} in all)`, others);

await page.evaluate(() => window.scrollTo(0, 0));
await page.screenshot({ path: screenshot, fullPage: true });
console.log(`screenshot: ${screenshot}`);
// The top of the page: the header, the charts and the first rows of the table.
const overview = screenshot.replace(/\.png$/, '-overview.png');
await page.screenshot({ path: overview, fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 1700 } });
console.log(`screenshot: ${overview}`);
await browser.close();
if (failures > 0) {
  console.log(`${failures} check(s) failed`);
  process.exit(1);
}
