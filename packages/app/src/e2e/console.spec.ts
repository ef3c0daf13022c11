import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { callHook } from '@ccx-hook/cli';
import type { HookName } from '@ccx-hook/hook-client';
import { type Browser, launchBrowser } from '@ccx-hook/test-browser';
import { until } from '@ccx-hook/test-waits';
import type { Page } from 'playwright-core';
import { type CliProcess, startService, workspaceRoot } from './cli-process.js';

const token = 'console-token-of-the-browser-test';
/** Screenshots of every page, to look at after a run. */
export const screenshots = join(workspaceRoot, 'test-results', 'console');

/** An integrator whose post- hooks fail until told otherwise; it rejects pre- hooks of cluster `no`. */
async function switchableIntegrator() {
  const received: Array<{ hook: string; webhookId: string; cluster: string }> = [];
  const state = { failing: true };
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const hook = String(request.headers['ccx-hook-name']);
      const cluster = String((JSON.parse(body) as { cluster_id: string }).cluster_id);
      const reply = (status: number, json: object) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
      if (hook.startsWith('pre-')) return reply(200, cluster === 'no' ? { approved: false, reason: 'over quota' } : { approved: true });
      if (state.failing) return reply(500, {});
      received.push({ hook, webhookId: String(request.headers['webhook-id']), cluster });
      reply(200, {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server, received, state };
}


describe('end to end: the console in a real browser', function () {
  this.timeout(90_000);
  let browser: Browser | undefined;
  let dir: string;
  let service: CliProcess | undefined;
  let integrator: Awaited<ReturnType<typeof switchableIntegrator>> | undefined;

  before(async function () {
    browser = await launchBrowser('end to end: the console in a real browser');
    if (!browser) this.skip();
    mkdirSync(screenshots, { recursive: true });
  });
  after(async () => browser?.close());
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'ccx-e2e-console-'))));
  afterEach(async () => {
    await service?.stop('SIGKILL');
    integrator?.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const shoot = (page: Page, name: string) => page.screenshot({ path: join(screenshots, `${name}.png`), fullPage: true });

  it('refuses a reader without the token, then shows, filters, retries (with CSRF) and watches the delivery arrive', async () => {
    integrator = await switchableIntegrator();
    const started = await startService({
      CCX_HOOK_HOOKS_URL: integrator.url,
      CCX_HOOK_STORE_URL: `sqlite:${join(dir, 'deliveries.db')}`,
      CCX_HOOK_DELIVERY_SCHEDULE: '100ms',
      // Not loopback: reading needs the token too.
      CCX_HOOK_CONSOLE_ADDRESS: '0.0.0.0:0',
      CCX_HOOK_CONSOLE_TOKEN: token,
    });
    service = started.service;
    const { console_port: consolePort } = JSON.parse(await service.waitFor(/ccx-hook-service listening/)) as { console_port: number };
    const base = `http://127.0.0.1:${consolePort}`;
    const call = (hook: HookName, json: object) =>
      callHook({ address: `127.0.0.1:${started.port}`, hook, json: JSON.stringify(json), timeoutMs: 10_000 });
    for (const cluster of ['c-dead-1', 'c-dead-1', 'c-dead-2']) await call('post-add-node', { clusterId: cluster, nodeIds: ['n1'] });
    expect(await call('pre-add-node', { clusterId: 'no', nodeCount: 3, authId: 'session-token-of-a-user' })).to.include({ approved: false });
    await call('pre-add-node', { clusterId: 'yes', nodeCount: 1 });
    const deadCount = async () => {
      const page = await fetch(`${base}/deliveries?state=dead`, { headers: { authorization: `Bearer ${token}` } });
      return (await page.text()).split('class="state-dead"').length - 1;
    };
    await until(async () => (await deadCount()) === 3, 'three deliveries are dead');

    const page = await browser!.context.newPage();
    const refused = await page.goto(`${base}/`);
    expect(refused!.status()).to.equal(401);
    expect(await page.locator('#login-token').count()).to.equal(1);
    expect(await page.content()).not.to.contain('c-dead-1');
    await shoot(page, '1-login');

    await page.fill('#login-name', 'Alice Operator');
    await page.fill('#login-token', token);
    await page.click('form.stacked button');
    await page.waitForURL(`${base}/`);
    expect(await page.textContent('#dead-count')).to.equal('3');
    expect(await page.textContent('header .who')).to.contain('Alice Operator');
    // The attempts plot is as wide as its section.
    const plot = (await page.locator('#attempts svg.plot').boundingBox())!;
    const section = (await page.locator('#attempts').boundingBox())!;
    expect(plot.width / section.width).to.be.above(0.98);
    await shoot(page, '2-overview');

    await page.click('nav a[href="/deliveries"]');
    await page.selectOption('#filter-state', 'dead');
    await page.fill('#filter-cluster', 'c-dead-1');
    await page.click('form.filters button');
    await page.waitForURL(/state=dead.*cluster=c-dead-1/);
    const rows = page.locator('#deliveries tr:has(td)');
    expect(await rows.count()).to.equal(2);
    await shoot(page, '3-deliveries-filtered');

    await rows.first().locator('a').first().click();
    await page.waitForURL(/\/deliveries\/msg_/);
    const id = decodeURIComponent(page.url().split('/').pop()!);
    expect(await page.textContent('#delivery-state')).to.equal('dead');
    expect(await page.locator('#delivery-attempts li').count()).to.equal(2);
    expect(await page.textContent('#delivery-attempts')).to.contain('HTTP 500');
    await shoot(page, '4-delivery-dead');

    // A forged retry: no CSRF token, a wrong one, or the right one from another site's page.
    const csrf = await page.inputValue('form[action$="/retry"] input[name="csrf"]');
    const forged = [
      await page.request.post(`${base}/deliveries/${id}/retry`, { form: {}, maxRedirects: 0 }),
      await page.request.post(`${base}/deliveries/${id}/retry`, { form: { csrf: `${csrf}x` }, maxRedirects: 0 }),
      await page.request.post(`${base}/deliveries/${id}/retry`, { form: { csrf }, headers: { origin: 'https://evil.example' }, maxRedirects: 0 }),
    ];
    expect(forged.map((response) => response.status())).to.deep.equal([403, 403, 403]);
    await page.reload();
    expect(await page.textContent('#delivery-state')).to.equal('dead');

    integrator.state.failing = false;
    await page.click('form[action$="/retry"] button');
    await page.waitForURL(/retried=queued/);
    // The state changes on the open page by itself (Server-Sent Events), no reload.
    await page.locator('#delivery-state', { hasText: 'delivered' }).waitFor({ timeout: 15_000 });
    expect(integrator.received.filter((hook) => hook.webhookId === id)).to.have.length(1);
    await shoot(page, '5-delivery-retried');

    await page.goto(`${base}/retry-dead?cluster=c-dead-2`);
    expect(await page.textContent('#confirm-question')).to.contain('1');
    await shoot(page, '6-retry-confirm');
    await page.click('main form button');
    await page.waitForURL(/\/jobs\//);
    await page.locator('#job-status', { hasText: 'done' }).waitFor({ timeout: 15_000 });
    await shoot(page, '7-retry-job');
    await until(() => integrator!.received.some((hook) => hook.cluster === 'c-dead-2'), 'the retried delivery of c-dead-2 arrives');

    await page.goto(`${base}/decisions`);
    await page.selectOption('#filter-outcome', 'rejected');
    await page.click('form.filters button');
    await page.waitForURL(/outcome=rejected/);
    const decisions = page.locator('#decisions tr:has(td)');
    expect(await decisions.count()).to.equal(1);
    expect(await decisions.first().textContent()).to.contain('over quota');
    expect(await page.content()).not.to.contain('session-token-of-a-user');
    await shoot(page, '8-decisions');

    const audit = service.lines.filter((line) => line.includes('"console: retry'));
    expect(audit.some((line) => line.includes('"operator":"Alice Operator"') && line.includes(id))).to.equal(true, audit.join('\n'));
    expect(audit.some((line) => line.includes('retry of dead deliveries finished') && line.includes('"cluster_id":"c-dead-2"'))).to.equal(true, audit.join('\n'));
    await page.close();
  });
});
