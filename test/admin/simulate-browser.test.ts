// The simulation page in a real browser (playwright-core driving Debian's chromium), served by the
// admin server of an in-process Fulcrum: pick a built-in scenario, run it (server-side, in a worker),
// see the claim, the verdict, one table row per algorithm and both charts. Also the API's refusals.
// A screenshot goes to test-artifacts/simulate.png.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BrowserContext } from 'playwright-core';
import type { AdminServer } from '../../src/admin/server.js';
import type { Fulcrum } from '../../src/fulcrum.js';
import { adminCall, startAdmin } from '../helpers/admin.js';
import { startFulcrum, yaml } from '../helpers/fulcrum.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent: apt-get install -y chromium (CI does)`;

describe('simulation page in a browser', { skip, timeout: 120_000 }, () => {
  let fulcrum: Fulcrum;
  let admin: AdminServer;
  let url: string;
  let context: BrowserContext;
  let userDataDir: string;

  before(async () => {
    fulcrum = await startFulcrum(yaml`
      admin: { address: 127.0.0.1:0 }
      listeners:
        - name: web
          address: 127.0.0.1:0
          routes: [ { service: api } ]
      services:
        api:
          backends: [ { address: 127.0.0.1:1 } ]
    `);
    ({ admin, url } = await startAdmin(fulcrum));
    userDataDir = await mkdtemp(path.join(os.tmpdir(), 'fulcrum-chromium-'));
    const { chromium } = await import('playwright-core');
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1200, height: 1400 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  });

  after(async () => {
    await context?.close();
    await admin?.close();
    await fulcrum?.close();
    if (userDataDir !== undefined) await rm(userDataDir, { recursive: true, force: true });
  });

  test('pick server-dies, run it: claim, verdict, a row per algorithm, both charts', { timeout: 90_000 }, async () => {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('request', (r) => !r.url().startsWith('http://127.0.0.1') && !r.url().startsWith('data:') && problems.push(`left the machine: ${r.url()}`));
    await page.goto(`${url}/simulate.html`);
    assert.equal(await page.title(), 'Fulcrum · simulate');
    await page.locator('#sim-scenario option[value="server-dies"]').waitFor({ state: 'attached' });
    assert.equal(await page.locator('#sim-scenario option').count(), 8);
    await page.selectOption('#sim-scenario', 'server-dies');
    assert.match((await page.textContent('#sim-description')) ?? '', /s-2 dies at 10 s/);
    await page.fill('input[name="requests"]', '30000');
    await page.click('#sim-run');
    await page.locator('#sim-result').waitFor({ state: 'visible', timeout: 60_000 });
    assert.match((await page.textContent('#sim-claim')) ?? '', /Health checks remove unhealthy servers from rotation/);
    assert.match((await page.textContent('#sim-verdict')) ?? '', /^(Supported|Not supported) by this run$/);
    const labels = await page.locator('#sim-table tbody tr').evaluateAll((rows) => rows.map((r) => (r as HTMLElement).dataset.label));
    assert.deepEqual(labels, ['round-robin', 'round-robin +health-check', 'round-robin +passive', 'least-connections', 'least-connections +passive']);
    await page.waitForFunction(() => ['sim-latency', 'sim-inflight'].every((id) => (document.getElementById(id) as HTMLImageElement).naturalWidth > 0));
    assert.match((await page.textContent('#sim-state')) ?? '', /^done: server-dies, seed 1/);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'simulate.png'), fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  });

  test('the API: a list, a bounded run, refusals', async () => {
    const list = await adminCall(url, 'GET', '/api/v1/simulate');
    assert.equal(list.status, 200);
    assert.equal(list.body.scenarios.length, 8);
    assert.equal(list.body.maxRequests, 200_000);
    const tooMany = await adminCall(url, 'POST', '/api/v1/simulate/herd', { requests: 10_000_000 });
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.body.error, /requests: expected a whole number 0\.\.200000/);
    const unknown = await adminCall(url, 'POST', '/api/v1/simulate/nope', {});
    assert.equal(unknown.status, 404);
    const ran = await adminCall(url, 'POST', '/api/v1/simulate/mixed-fleet', { requests: 5000, seed: 3 });
    assert.equal(ran.status, 200);
    assert.equal(ran.body.report.seed, 3);
    assert.match(ran.body.charts.latencyCdf, /^<svg /);
  });
});
