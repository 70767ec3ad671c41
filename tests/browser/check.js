// Opens HTML traffic profiles in a real headless Chromium (@sparticuz/chromium, driven by
// puppeteer-core) and checks what a reader's browser would do with them:
// - no request leaves the page: every request but the document itself fails the check (and is
//   aborted);
// - no console error, page error or failed request;
// - no script or image element, whatever the traffic carried; each `--expect TEXT` given before
//   a page is in that page's text;
// - each SVG chart is laid out with a non-zero bounding box.
// Then it saves a PNG screenshot of each page.
//
// usage: node check.js [--expect TEXT]... [--dark] [--full-page] [--width PX] [--height PX]
//                      PAGE.html SHOT.png [PAGE.html SHOT.png]...
// Prints one line per page; exits 1 if a check failed, 2 if the browser could not run.
'use strict';

const path = require('node:path');
const { pathToFileURL } = require('node:url');

const modules = process.env.BROWSER_MODULES || path.join(process.cwd(), 'node_modules');
const chromium = require(path.join(modules, '@sparticuz/chromium'));
const puppeteer = require(path.join(modules, 'puppeteer-core'));

function parse(argv) {
  const o = { dark: false, fullPage: false, width: 1100, height: 1400, pages: [] };
  let expect = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--expect') expect.push(argv[++i]);
    else if (a === '--dark') o.dark = true;
    else if (a === '--full-page') o.fullPage = true;
    else if (a === '--width') o.width = Number(argv[++i]);
    else if (a === '--height') o.height = Number(argv[++i]);
    else if (i + 1 < argv.length) {
      o.pages.push({ html: a, shot: argv[++i], expect });
      expect = [];
    }
    else throw new Error(`a page without its screenshot path: ${a}`);
  }
  if (o.pages.length === 0) throw new Error('no page given');
  return o;
}

async function check(browser, o, { html, shot, expect }) {
  const failures = [];
  const url = pathToFileURL(path.resolve(html)).href;
  const page = await browser.newPage();
  page.setDefaultTimeout(15000);
  await page.setViewport({ width: o.width, height: o.height, deviceScaleFactor: 1 });
  await page.emulateMediaFeatures([
    { name: 'prefers-color-scheme', value: o.dark ? 'dark' : 'light' },
  ]);
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    if (request.url() === url && request.isNavigationRequest()) {
      request.continue();
    } else {
      failures.push(`the page requested ${request.resourceType()} ${request.url()}`);
      request.abort();
    }
  });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warn') failures.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => failures.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    if (r.url() === url) failures.push(`the document did not load: ${r.failure()?.errorText}`);
  });
  const response = await page.goto(url, { waitUntil: 'load', timeout: 15000 });
  if (!response || !response.ok()) failures.push(`loading ${url} answered ${response && response.status()}`);

  const seen = await page.evaluate(() => ({
    scripts: document.querySelectorAll('script').length,
    images: document.querySelectorAll('img, image, iframe, object, embed').length,
    text: document.body.textContent,
    title: document.title,
    charts: [...document.querySelectorAll('svg')].map((svg) => {
      const box = svg.getBBox();
      const rect = svg.getBoundingClientRect();
      return {
        section: svg.closest('section')?.id,
        box: [box.width, box.height],
        rect: [rect.width, rect.height],
        bars: svg.querySelectorAll('rect.bar').length,
      };
    }),
    sections: document.querySelectorAll('section').length,
  }));
  if (seen.scripts !== 0) failures.push(`${seen.scripts} script elements`);
  if (seen.images !== 0) failures.push(`${seen.images} image or embedded elements`);
  if (!seen.title) failures.push('no title');
  for (const text of expect) {
    if (!seen.text.includes(text)) failures.push(`the text ${JSON.stringify(text)} is not in the page`);
  }
  if (seen.charts.length === 0) failures.push('no chart');
  for (const c of seen.charts) {
    if (!(c.box[0] > 0 && c.box[1] > 0 && c.rect[0] > 0 && c.rect[1] > 0)) {
      failures.push(`the chart of #${c.section} is empty: ${JSON.stringify(c)}`);
    }
  }
  await page.screenshot({ path: shot, fullPage: o.fullPage, type: 'png' });
  await page.close();
  const charts = seen.charts.map((c) => `${c.section}:${c.bars}`).join(' ');
  return { failures, summary: `${seen.sections} sections, charts (bars) ${charts}` };
}

async function main() {
  let o;
  try {
    o = parse(process.argv.slice(2));
  } catch (e) {
    console.error(`error: ${e.message}`);
    return 2;
  }
  let browser;
  try {
    // The bundled Chromium is unpacked to the system's temporary directory on first use.
    const executablePath = await chromium.executablePath();
    // Its serverless flags, less the two that would loosen the page's security.
    const args = chromium.args.filter(
      (a) => a !== '--disable-web-security' && a !== '--allow-running-insecure-content',
    );
    browser = await puppeteer.launch({ executablePath, args, headless: 'shell', timeout: 30000 });
  } catch (e) {
    console.error(`error: the bundled Chromium did not start (it needs libnss3 and libnspr4): ${e.message}`);
    return 2;
  }
  let failed = 0;
  try {
    for (const p of o.pages) {
      const { html, shot } = p;
      const { failures, summary } = await check(browser, o, p);
      if (failures.length > 0) {
        failed++;
        console.log(`FAIL ${html}: ${summary}`);
        for (const f of failures) console.log(`  ${f}`);
      } else {
        console.log(`ok ${html}: ${summary}; screenshot ${shot}`);
      }
    }
  } finally {
    await browser.close();
  }
  return failed > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`error: ${e.stack || e}`);
    process.exit(2);
  },
);
