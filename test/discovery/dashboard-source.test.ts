// The dashboard in a real browser (playwright-core driving Debian's chromium) shows where each backend
// came from: nothing under a config backend, `dns:NAME` under a discovered one, whose weight and
// drain controls are hidden (it follows its DNS records).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { BrowserContext } from 'playwright-core';
import type { AdminServer } from '../../src/admin/server.js';
import type { Fulcrum } from '../../src/fulcrum.js';
import { startAdmin } from '../helpers/admin.js';
import { Dnsmasq } from '../helpers/dnsmasq.js';
import { startFulcrum, yaml } from '../helpers/fulcrum.js';
import { type IpBackends, startIpBackends } from '../helpers/ip-backends.js';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent: apt-get install -y chromium (CI does)`;

describe('dashboard: backend sources', { skip, timeout: 60_000 }, () => {
  let dns: Dnsmasq;
  let backends: IpBackends;
  let fulcrum: Fulcrum;
  let admin: AdminServer;
  let url: string;
  let context: BrowserContext;
  let userDataDir: string;

  before(async () => {
    backends = await startIpBackends(['127.0.0.2', '127.0.0.3']);
    dns = await Dnsmasq.start({ hosts: ['127.0.0.3 api.internal'] });
    fulcrum = await startFulcrum(yaml`
      admin: { address: 127.0.0.1:0 }
      listeners:
        - { name: web, address: 127.0.0.1:0, routes: [ { service: api } ] }
      services:
        api:
          backends: [ { address: 127.0.0.2:${backends.port} } ]
          discovery: { dns: { name: api.internal, port: ${backends.port}, resolvers: [${dns.address}], refresh: 1s, timeout: 300ms } }
    `);
    ({ admin, url } = await startAdmin(fulcrum));
    userDataDir = await mkdtemp(path.join(os.tmpdir(), 'fulcrum-chromium-'));
    const { chromium } = await import('playwright-core');
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    });
  });

  after(async () => {
    await context?.close();
    await admin?.close();
    await fulcrum?.close();
    await dns?.close();
    await backends?.close();
    if (userDataDir !== undefined) await rm(userDataDir, { recursive: true, force: true });
  });

  test('a discovered backend shows dns:api.internal and no controls; the config one shows no source', async () => {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${url}/`);
    const discovered = page.locator(`tr[data-backend="127.0.0.3:${backends.port}"]`);
    const fromConfig = page.locator(`tr[data-backend="127.0.0.2:${backends.port}"]`);
    await discovered.waitFor({ timeout: 10_000 });
    assert.equal((await discovered.locator('.backend-source').textContent())?.trim(), 'dns:api.internal');
    assert.equal(await discovered.locator('.action-box').isHidden(), true);
    assert.equal(await fromConfig.locator('.backend-source').isHidden(), true);
    assert.equal(await fromConfig.locator('.action-box').isVisible(), true);
    assert.deepEqual(problems, []);
    await page.close();
  });
});
