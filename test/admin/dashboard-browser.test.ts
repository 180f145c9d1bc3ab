// The dashboard in a real browser (playwright-core driving Debian's chromium): `fulcrum demo` with
// its background traffic, every backend shown with live numbers, a backend drained through the
// UI — then checked through the admin API and through real traffic — and re-weighted; a
// screenshot goes to test-artifacts/dashboard.png. Also: the page asks for the admin token.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import type { BrowserContext, Page } from 'playwright-core';
import type { Fulcrum } from '../../src/fulcrum.js';
import type { AdminServer } from '../../src/admin/server.js';
import { echoHandler, startHttpBackend, type HttpBackend } from '../helpers/http-backend.js';
import { startFulcrum, yaml } from '../helpers/fulcrum.js';
import { adminCall, startAdmin } from '../helpers/admin.js';

const CHROMIUM = '/usr/bin/chromium';
const ROOT = fileURLToPath(new URL('../../../', import.meta.url)); // dist/test/admin/ → the repository
const CLI = path.join(ROOT, 'dist/src/cli/main.js');
const ARTIFACTS = path.join(ROOT, 'test-artifacts');
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent: apt-get install -y chromium (CI does)`;

interface Demo {
  child: ChildProcess;
  balancer: string;
  dashboard: string;
  backends: Map<string, string>; // name → address
}

/** Starts `fulcrum demo` on free ports and reads the URLs it prints. */
async function startDemo(): Promise<Demo> {
  const child = spawn(process.execPath, [CLI, 'demo', '--port', '0'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo printed no banner in 15 s:\n${out}\n${err}`)), 15_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('Ctrl-C stops everything')) clearTimeout(timer), resolve();
    });
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`the demo exited (${code}):\n${out}\n${err}`))));
  });
  const url = (label: string) => new RegExp(`^\\s*${label}\\s+(http://\\S+?)/?\\s`, 'm').exec(out)?.[1] ?? assert.fail(`no ${label} URL in:\n${out}`);
  const backends = new Map<string, string>();
  for (const m of out.matchAll(/^\s*backend\s+(\w+)\s+http:\/\/(\S+?)\//gm)) backends.set(m[1]!, m[2]!);
  return { child, balancer: url('balancer'), dashboard: url('dashboard'), backends };
}

async function launch(userDataDir: string): Promise<BrowserContext> {
  const { chromium } = await import('playwright-core');
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Every failed request or page error, so that a broken asset fails the test. */
function watchProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('requestfailed', (r) => !r.url().includes('/api/v1/events') && problems.push(`failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('request', (r) => !r.url().startsWith('http://127.0.0.1') && problems.push(`left the machine: ${r.url()}`));
  return problems;
}

describe('dashboard in a browser', { skip, timeout: 120_000 }, () => {
  let demo: Demo;
  let context: BrowserContext;
  let userDataDir: string;

  before(async () => {
    userDataDir = await mkdtemp(path.join(os.tmpdir(), 'fulcrum-chromium-'));
    [demo, context] = await Promise.all([startDemo(), launch(userDataDir)]);
  });

  after(async () => {
    await context?.close();
    if (demo !== undefined && demo.child.exitCode === null) {
      const exited = new Promise((resolve) => demo.child.once('exit', resolve));
      demo.child.kill('SIGTERM');
      await exited;
    }
    if (userDataDir !== undefined) await rm(userDataDir, { recursive: true, force: true });
  });

  test('the demo: every backend live; drain one through the UI; it gets no new requests', { timeout: 90_000 }, async () => {
    const page = await context.newPage();
    const problems = watchProblems(page);
    await page.goto(demo.dashboard + '/');
    assert.equal(await page.title(), 'Fulcrum · dashboard');

    // every backend, with live numbers from the background traffic
    const addresses = [...demo.backends.values()];
    assert.equal(addresses.length, 4);
    await page.waitForFunction(
      (all: string[]) =>
        all.every((a) => {
          const row = document.querySelector(`tr[data-backend="${a}"]`);
          return row !== null && /ms$/.test(row.querySelector('[data-field="p50"]')!.textContent ?? '') && /^\d/.test(row.querySelector('[data-field="rps"]')!.textContent ?? '');
        }),
      addresses,
      { timeout: 20_000 },
    );
    await page.waitForFunction(() => Number(document.body.dataset.updates) >= 3, undefined, { timeout: 10_000 });
    assert.match((await page.textContent('#status')) ?? '', /^live/);
    for (const [name, address] of demo.backends) {
      const row = page.locator(`tr[data-backend="${address}"]`);
      // listed by the name the demo's config gives it, the address beside it
      assert.equal(await row.locator('.backend-name').textContent(), name);
      assert.equal(await row.locator('td.address code').textContent(), address);
      assert.match((await row.locator('.badge').first().textContent()) ?? '', /healthy|unknown/);
      assert.match((await row.locator('[data-field="errors"]').textContent()) ?? '', /%$/);
    }
    assert.equal((await page.locator('.chart canvas').count()) >= 2, true, 'the charts are drawn');

    // drain bravo through the UI
    const bravo = demo.backends.get('bravo')!;
    const row = page.locator(`tr[data-backend="${bravo}"]`);
    await row.locator('button.drain').click();
    await row.locator('button.drain', { hasText: 'Undrain' }).waitFor({ timeout: 5000 });
    await row.locator('.badge', { hasText: /draining|drained/ }).waitFor({ timeout: 5000 });

    // the admin API says it is drained, and its request count stops while traffic goes on
    const admin = demo.dashboard;
    const backendPath = `/api/v1/services/demo/backends/${encodeURIComponent(bravo)}`;
    const state = await adminCall(admin, 'GET', backendPath);
    assert.equal(state.body.draining, true);
    assert.equal(state.body.drain.reason, 'admin');
    // requests already sent to it (bravo answers after 20 ms) may still finish: wait for its drain to complete
    const deadline = Date.now() + 10_000;
    let drained = state.body;
    while (drained.inflightRequests > 0 && Date.now() < deadline) drained = (await adminCall(admin, 'GET', backendPath)).body;
    assert.equal(drained.inflightRequests, 0);
    const before = drained.totalRequests;

    // real traffic: 40 requests through the balancer, none answered by bravo
    const servedBy = new Map<string, number>();
    for (let i = 0; i < 40; i++) {
      const res = await request(demo.balancer + '/check');
      await res.body.text();
      assert.equal(res.statusCode, 200);
      const name = String(res.headers['x-served-by']);
      servedBy.set(name, (servedBy.get(name) ?? 0) + 1);
    }
    assert.equal(servedBy.get('bravo'), undefined, `bravo answered after the drain: ${JSON.stringify([...servedBy])}`);
    assert.ok(servedBy.size >= 2, `the others answered: ${JSON.stringify([...servedBy])}`);
    assert.equal((await adminCall(admin, 'GET', backendPath)).body.totalRequests, before, 'bravo got no new request (admin API)');

    // the page shows it taking nothing
    await page.waitForFunction((a: string) => document.querySelector(`tr[data-backend="${a}"] [data-field="rps"]`)!.textContent === '0.0', bravo, { timeout: 10_000 });

    // change alpha's weight through the UI
    const alpha = demo.backends.get('alpha')!;
    const alphaRow = page.locator(`tr[data-backend="${alpha}"]`);
    await alphaRow.locator('input.weight-input').fill('3');
    await alphaRow.locator('button.set-weight').click();
    await alphaRow.locator('[data-field="weight"]', { hasText: /^3/ }).waitFor({ timeout: 5000 });
    assert.equal((await adminCall(admin, 'GET', `/api/v1/services/demo/backends/${encodeURIComponent(alpha)}`)).body.weight, 3);
    assert.equal((await adminCall(admin, 'GET', '/api/v1/services/demo/backends/alpha')).body.address, alpha); // the demo names its backends

    // let the charts show the drain for a few seconds, then the screenshot a user would see
    const updates = Number(await page.evaluate(() => document.body.dataset.updates));
    await page.waitForFunction((n: number) => Number(document.body.dataset.updates) >= n + 4, updates, { timeout: 10_000 });
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });

    // undrain through the UI: back in rotation
    await row.locator('button.drain', { hasText: 'Undrain' }).click();
    await row.locator('button.drain', { hasText: /^Drain$/ }).waitFor({ timeout: 5000 });
    assert.equal((await adminCall(admin, 'GET', backendPath)).body.draining, false);
    assert.deepEqual(problems, []);
    await page.close();
  });

  describe('with an admin token', () => {
    let backend: HttpBackend;
    let fulcrum: Fulcrum;
    let admin: AdminServer;
    let url: string;

    before(async () => {
      backend = await startHttpBackend(echoHandler('solo'));
      fulcrum = await startFulcrum(yaml`
        admin: { address: 127.0.0.1:0, token: dashboard-token }
        listeners:
          - name: web
            address: 127.0.0.1:0
            routes: [ { service: api } ]
        services:
          api:
            backends: [ { address: ${backend.address} } ]
      `);
      ({ admin, url } = await startAdmin(fulcrum));
    });

    after(async () => {
      await admin?.close();
      await fulcrum?.close();
      await backend?.close();
    });

    test('the page asks for the token, then goes live; #token= works too and leaves the address bar', { timeout: 30_000 }, async () => {
      const page = await context.newPage();
      await page.goto(url + '/');
      await page.locator('#token-form').waitFor({ state: 'visible', timeout: 10_000 });
      assert.match((await page.textContent('#status')) ?? '', /token/);
      await page.fill('#token-form input[name="token"]', 'wrong');
      await page.click('#token-form button[type="submit"]');
      await page.locator('.token-message', { hasText: 'refused' }).waitFor({ timeout: 10_000 });
      await page.fill('#token-form input[name="token"]', 'dashboard-token');
      await page.click('#token-form button[type="submit"]');
      await page.locator(`tr[data-backend="${backend.address}"]`).waitFor({ timeout: 10_000 });
      assert.match((await page.textContent('#status')) ?? '', /^live/);
      await page.close();

      const second = await context.newPage();
      await second.goto(url + '/#token=dashboard-token');
      await second.locator(`tr[data-backend="${backend.address}"]`).waitFor({ timeout: 10_000 });
      assert.equal(new URL(second.url()).hash, '');
      await second.close();
    });
  });
});
