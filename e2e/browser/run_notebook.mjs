// run_notebook.mjs opens a notebook in a running Jupyter Notebook server with
// headless Chromium, runs all cells from the Cell menu, and checks what a
// user would look for: no error output, every code cell executed, a plot
// image and a timing line. It saves a screenshot to SHOT either way and
// exits non-zero with the reason on failure.
//
// usage: node run_notebook.mjs URL SHOT [TIMEOUT_SECONDS]
import { chromium } from 'playwright-core';

const [url, shot, timeoutArg] = process.argv.slice(2);
if (!url || !shot) {
  console.error('usage: node run_notebook.mjs URL SHOT [TIMEOUT_SECONDS]');
  process.exit(2);
}
const timeout = Number(timeoutArg || 180) * 1000;

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
    failure = `error outputs:\n${report.errors.join('\n---\n')}`;
  } else if (report.images === 0) {
    failure = 'no PNG image in the outputs';
  } else if (!/Wall time: /.test(report.text)) {
    failure = 'no "Wall time:" line in the outputs';
  } else {
    console.log(`ok: ${report.images} image(s), timing lines present`);
  }
  // Scroll to the map, the last cell, for the screenshot.
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
