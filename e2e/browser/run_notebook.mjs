// run_notebook.mjs opens a notebook in a running Jupyter Notebook server with
// headless Chromium, runs all cells from the Cell menu, and checks what a
// user would look for. It saves a screenshot to SHOT either way and exits
// non-zero with the reason on failure.
//
// usage: node run_notebook.mjs URL SHOT [TIMEOUT_SECONDS [CHECK]]
//
// CHECK is one of:
//   clean           (the default) no error output, every code cell executed,
//                   a plot image and a timing line;
//   stops-at-error  exactly one cell fails; the cells before it ran, the ones
//                   after it were aborted (no prompt number, no output), and
//                   the kernel's variable x is still 1 (the notebook sets
//                   it to 1 before the failing cell and changes it after).
import { chromium } from 'playwright-core';

const [url, shot, timeoutArg, check = 'clean'] = process.argv.slice(2);
if (!url || !shot || !['clean', 'stops-at-error'].includes(check)) {
  console.error('usage: node run_notebook.mjs URL SHOT [TIMEOUT_SECONDS [clean|stops-at-error]]');
  process.exit(2);
}
const timeout = Number(timeoutArg || 180) * 1000;

// checkClean: the run of a notebook that must work.
async function checkClean(page) {
  await page.waitForFunction(() => {
    const cells = Jupyter.notebook.get_cells().filter((c) => c.cell_type === 'code');
    const done = cells.every((c) => typeof c.input_prompt_number === 'number');
    return done && !Jupyter.notebook.kernel_busy;
  }, null, { timeout, polling: 500 });
  const report = await page.evaluate(() => ({
    errors: [...document.querySelectorAll('.output_error')].map((e) => e.innerText.slice(0, 500)),
    images: document.querySelectorAll('.output_area img[src^="data:image/png"]').length,
    text: [...document.querySelectorAll('.output_area')].map((e) => e.innerText).join('\n'),
  }));
  if (report.errors.length > 0) {
    return `error outputs:\n${report.errors.join('\n---\n')}`;
  }
  if (report.images === 0) {
    return 'no PNG image in the outputs';
  }
  if (!/Wall time: /.test(report.text)) {
    return 'no "Wall time:" line in the outputs';
  }
  console.log(`ok: ${report.images} image(s), timing lines present`);
  return null;
}

// checkStopsAtError: the run of a notebook whose one failing cell must stop it.
async function checkStopsAtError(page) {
  await page.waitForFunction(() => {
    const cells = Jupyter.notebook.get_cells().filter((c) => c.cell_type === 'code');
    return cells.every((c) => !c.element.hasClass('running')) && !Jupyter.notebook.kernel_busy;
  }, null, { timeout, polling: 200 });
  const cells = await page.evaluate(() => Jupyter.notebook.get_cells()
    .filter((c) => c.cell_type === 'code')
    .map((c) => ({
      prompt: typeof c.input_prompt_number === 'number' ? c.input_prompt_number : null,
      outputs: c.output_area.outputs.map((o) => o.output_type),
    })));
  const failed = cells.findIndex((c) => c.outputs.includes('error'));
  if (failed < 1 || failed === cells.length - 1) {
    return `want an error in a middle cell: ${JSON.stringify(cells)}`;
  }
  const ranBefore = cells.slice(0, failed + 1).every((c) => c.prompt !== null);
  const abortedAfter = cells.slice(failed + 1).every((c) => c.prompt === null && c.outputs.length === 0);
  if (!ranBefore || !abortedAfter) {
    return `want cells 0..${failed} run and the rest aborted: ${JSON.stringify(cells)}`;
  }
  // Ask the kernel itself, as a user typing x in a new cell would.
  const x = await page.evaluate(() => new Promise((resolve) => {
    Jupyter.notebook.kernel.execute('x', {
      iopub: { output: (m) => resolve(m.content.data ? m.content.data['text/plain'] : m.content.ename) },
    }, { silent: false, store_history: false });
  }));
  if (x !== '1') {
    return `x = ${x} after Run All, want 1: a cell after the error ran`;
  }
  console.log(`ok: cell ${failed} failed, ${cells.length - failed - 1} later cell(s) aborted, x = ${x}`);
  return null;
}

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let failure = null;
const page = await browser.newPage({ viewport: { width: 1280, height: 2000 } });
page.on('pageerror', (e) => console.error('page error:', e.message));
try {
  await page.goto(url, { timeout: 60000 });
  await page.waitForFunction(() => window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel &&
    Jupyter.notebook.kernel.is_connected() && !Jupyter.notebook.kernel_busy, null, { timeout: 60000 });
  // The user's way: Cell > Run All.
  await page.click('#celllink');
  await page.click('#run_all_cells > a');
  failure = check === 'clean' ? await checkClean(page) : await checkStopsAtError(page);
  // Scroll to the last cell for the screenshot.
  await page.evaluate(() => Jupyter.notebook.scroll_to_bottom());
} catch (e) {
  failure = `${e.message}`;
}
try {
  await page.screenshot({ path: shot, fullPage: false });
} catch (e) {
  console.error('screenshot failed:', e.message);
}
await browser.close();
if (failure) {
  console.error(`FAIL: ${failure}\nscreenshot: ${shot}`);
  process.exit(1);
}
