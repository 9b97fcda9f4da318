/**
 * The monitoring in deploy/: Prometheus' configuration and alert rules pass `promtool`
 * (with the unit test of every alert), Alertmanager's passes `amtool`, Grafana's
 * dashboards are provisioned from files that parse — and every metric the rules and the
 * dashboards name is exported by the API's /metrics after a realistic run: accounts and
 * keys, charged and failed proxied calls, Paddle and Stars payments, a refused payment, a
 * forged webhook, a revoked key. promtool and amtool come with Debian's `prometheus` and
 * `prometheus-alertmanager` (.ci/run installs them); without them those parts skip,
 * unless CI is set.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startRecordingServer, type RecordingServer } from '@kikuai/testkit/http';
import { writeTestProductsFile } from '@kikuai/testkit';
import { startPaymentsWorld, type PaymentsWorld } from '../payments/support.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const deploy = (...parts: string[]) => path.join(root, 'deploy', ...parts);
const has = (tool: string) => spawnSync(tool, ['--version'], { stdio: 'ignore' }).status === 0;
const promtool = has('promtool');
const amtool = has('amtool');

function run(tool: string, args: string[], cwd: string) {
  const result = spawnSync(tool, args, { cwd, encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

interface AlertRules {
  groups: Array<{ name: string; rules: Array<{ alert: string; expr: string }> }>;
}
const rules = parse(readFileSync(deploy('prometheus/alerts.yml'), 'utf8')) as AlertRules;
const dashboardFiles = readdirSync(deploy('grafana/dashboards')).filter((name) => name.endsWith('.json'));
const dashboards = dashboardFiles.map((name) => ({
  name,
  json: JSON.parse(readFileSync(deploy('grafana/dashboards', name), 'utf8')) as {
    uid: string;
    title: string;
    panels: Array<{ title: string; datasource: { uid: string }; targets: Array<{ expr: string }> }>;
  },
}));

/** The kikuai metric names a PromQL expression reads. */
const metricNames = (expr: string) => expr.match(/\bkikuai_[a-z0-9_]+/g) ?? [];

describe('Prometheus, Alertmanager and Grafana configuration in deploy/', () => {
  it.skipIf(!promtool && !process.env.CI)('promtool accepts the configuration and its rules', () => {
    const checked = run('promtool', ['check', 'config', 'prometheus.yml'], deploy('prometheus'));
    expect(checked.status, checked.output).toBe(0);
  });

  it.skipIf(!promtool && !process.env.CI)('every alert has a unit test, and they all pass (promtool test rules)', () => {
    const tests = parse(readFileSync(deploy('prometheus/alerts.test.yml'), 'utf8')) as {
      tests: Array<{ alert_rule_test: Array<{ alertname: string; exp_alerts: unknown[] }> }>;
    };
    const tested = new Set(tests.tests.flatMap((test) => test.alert_rule_test.filter((check) => check.exp_alerts.length > 0).map((check) => check.alertname)));
    const alerts = rules.groups.flatMap((group) => group.rules.map((rule) => rule.alert));
    expect(
      alerts.filter((alert) => !tested.has(alert)),
      'alerts without a test that makes them fire',
    ).toEqual([]);
    const result = run('promtool', ['test', 'rules', 'alerts.test.yml'], deploy('prometheus'));
    expect(result.status, result.output).toBe(0);
  });

  it('the alerts the issue asks for are there, each with a runbook section', () => {
    const alerts = rules.groups.flatMap((group) => group.rules);
    const names = alerts.map((rule) => rule.alert);
    for (const name of [
      'PaymentFailures',
      'WebhookSignatureFailures',
      'HighErrorRate',
      'HighLatencyP99',
      'RedisDown',
      'PostgresDown',
      'OutboxLag',
      'HighLoad',
      'ReservationsStuck',
    ])
      expect(names).toContain(name);
    const runbook = readFileSync(path.join(root, 'docs/operations.md'), 'utf8');
    for (const name of names) expect(runbook, `docs/operations.md explains ${name}`).toMatch(new RegExp(`^#+ ${name}\\b`, 'm'));
  });

  it.skipIf(!amtool && !process.env.CI)('amtool accepts the Alertmanager configuration as compose renders it (Telegram receiver)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kikuai-alertmanager-'));
    try {
      const rendered = readFileSync(deploy('alertmanager/alertmanager.yml'), 'utf8')
        .replaceAll('__ALERT_TELEGRAM_BOT_TOKEN__', '7000000001:AAalert-test-token-not-real-xx')
        .replaceAll('__KIKUAI_OPERATOR_CHAT_ID__', '-1001234567890');
      writeFileSync(path.join(dir, 'alertmanager.yml'), rendered);
      const result = run('amtool', ['check-config', 'alertmanager.yml'], dir);
      expect(result.status, result.output).toBe(0);
      expect(result.output).toMatch(/1 receivers/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('Grafana is provisioned with the money, traffic, products, payments and health dashboards on the Prometheus data source', () => {
    const source = parse(readFileSync(deploy('grafana/provisioning/datasources/prometheus.yml'), 'utf8')) as {
      datasources: Array<{ uid: string; url: string }>;
    };
    expect(source.datasources[0]).toMatchObject({ uid: 'kikuai-prometheus', url: 'http://prometheus:9090' });
    expect(dashboardFiles.sort()).toEqual(['health.json', 'money.json', 'payments.json', 'products.json', 'traffic.json']);
    expect(new Set(dashboards.map(({ json }) => json.uid)).size).toBe(dashboards.length);
    for (const { name, json } of dashboards) {
      expect(json.panels.length, name).toBeGreaterThan(2);
      for (const panel of json.panels) {
        expect(panel.datasource.uid, `${name}: ${panel.title}`).toBe('kikuai-prometheus');
        expect(panel.targets.length, `${name}: ${panel.title}`).toBeGreaterThan(0);
      }
    }
  });
});

describe('every metric the rules and dashboards name is exported by /metrics after a realistic run', () => {
  let world: PaymentsWorld;
  let upstream: RecordingServer;
  let exposition = '';
  let starsCreditMicros = 0;

  beforeAll(async () => {
    // An upstream that answers, and fails when asked to.
    upstream = await startRecordingServer((request, response: ServerResponse) => {
      const failing = request.body.includes('"fail":true');
      response.writeHead(failing ? 502 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: !failing }));
    });
    world = await startPaymentsWorld({
      env: { KIKUAI_PRODUCTS_FILE: writeTestProductsFile(), RELIAPI_URL: upstream.url, RELIAPI_API_KEY: 'reliapi-secret-for-tests-0123456789' },
    });
    const { call } = world;
    const user = await world.register();
    const apiKey = { apiKey: user.apiKey };
    await world.server.credit(user.accountId, 1_000_000);

    // Metered calls: charged, and refunded for an upstream failure.
    expect((await call('POST', '/api/v1/proxy/reliapi/http', { auth: apiKey, body: { n: 1 } })).status).toBe(200);
    expect((await call('POST', '/api/v1/proxy/reliapi/http', { auth: apiKey, body: { fail: true } })).status).toBe(502);

    // A Paddle top-up credited by its signed webhook; a forged delivery; a transaction that does not match its top-up.
    const { transactionId } = await world.paddleTopup(user.apiKey, 5_000_000);
    const completed = world.paddle.completeTransaction(transactionId);
    expect((await world.paddle.deliver(world.webhookUrl, completed)).status).toBe(200);
    expect((await world.paddle.deliver(world.webhookUrl, completed, { secret: 'not-the-secret' })).status).toBe(401);
    const second = await world.paddleTopup(user.apiKey, 7_000_000);
    const mismatched = world.paddle.completeTransaction(second.transactionId);
    const forged = world.paddle.event('transaction.completed', { ...mismatched.data, id: 'txn_01monitoringforgedcheckout00' });
    expect(JSON.parse((await world.paddle.deliver(world.webhookUrl, forged)).body)).toMatchObject({ outcome: 'refused' });

    // A Stars top-up paid and reported by the bot.
    const stars = await call('POST', '/api/v1/payment/topup', { auth: user.bot, body: { method: 'stars', amount_micros: 1_000_000 } });
    expect(stars.status, stars.text).toBe(201);
    starsCreditMicros = stars.body.amount_micros; // whole Stars: a little over what was asked
    const paid = await call('POST', '/api/v1/payment/stars/payments', {
      auth: user.bot,
      body: {
        invoice_payload: stars.body.id,
        currency: 'XTR',
        total_amount: stars.body.stars,
        telegram_payment_charge_id: 'monitoring-charge-1',
        provider_payment_charge_id: '',
      },
    });
    expect(paid.status, paid.text).toBe(200);

    // A second key, revoked.
    const created = await call('POST', '/api/v1/api_keys', { auth: apiKey, body: { name: 'to revoke' } });
    expect(created.status, created.text).toBe(201);
    expect((await call('DELETE', `/api/v1/api_keys/${created.body.id}`, { auth: apiKey })).status).toBeLessThan(300);

    // The first request of the day marks the account active off the request path.
    const deadline = Date.now() + 5000;
    do {
      exposition = (await call('GET', '/metrics')).text;
      if (/^kikuai_accounts_active_total 1$/m.test(exposition)) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    } while (Date.now() < deadline);
  });

  afterAll(async () => {
    await world?.close();
    await upstream?.close();
  });

  /** Names with at least one sample in the exposition (histograms' _bucket, _sum and _count included). */
  const sampled = () =>
    new Set(
      exposition
        .split('\n')
        .filter((line) => line && !line.startsWith('#'))
        .map((line) => line.split(/[{ ]/)[0]!),
    );

  it('names every metric of the alert rules and the dashboards, with samples', () => {
    const named = new Map<string, string>();
    for (const group of rules.groups) for (const rule of group.rules) for (const name of metricNames(rule.expr)) named.set(name, `alert ${rule.alert}`);
    for (const { name: file, json } of dashboards)
      for (const panel of json.panels)
        for (const target of panel.targets) for (const name of metricNames(target.expr)) named.set(name, `${file}: ${panel.title}`);
    expect(named.size).toBeGreaterThan(20);
    const exported = sampled();
    const missing = [...named].filter(([name]) => !exported.has(name)).map(([name, where]) => `${name} (${where})`);
    expect(missing).toEqual([]);
  });

  it('counts what happened: calls by outcome, payments by provider with amounts, signature failures, accounts', () => {
    const value = (series: string) => Number(new RegExp(`^${series.replace(/[{}"[\]().+*?^$|\\]/g, '\\$&')} (\\S+)$`, 'm').exec(exposition)?.[1]);
    expect(value('kikuai_proxy_calls_total{product="reliapi",outcome="charged"}')).toBe(1);
    expect(value('kikuai_proxy_calls_total{product="reliapi",outcome="upstream_error"}')).toBe(1);
    expect(value('kikuai_upstream_errors_total{product="reliapi",kind="upstream_error"}')).toBe(1);
    expect(value('kikuai_upstream_duration_seconds_count{product="reliapi"}')).toBe(2);
    expect(value('kikuai_payments_total{provider="paddle",outcome="credited"}')).toBe(1);
    expect(value('kikuai_payment_amount_micros_total{provider="paddle",outcome="credited"}')).toBe(5_000_000);
    expect(value('kikuai_payments_total{provider="paddle",outcome="refused"}')).toBe(1);
    expect(value('kikuai_payments_total{provider="stars",outcome="credited"}')).toBe(1);
    expect(value('kikuai_payment_amount_micros_total{provider="stars",outcome="credited"}')).toBe(starsCreditMicros);
    expect(value('kikuai_webhook_signature_failures_total{provider="paddle",reason="mismatch"}')).toBe(1);
    expect(value('kikuai_accounts')).toBe(1);
    expect(value('kikuai_accounts_registered_total')).toBe(1);
    expect(value('kikuai_accounts_active_total')).toBe(1);
    expect(value('kikuai_store_up{kind="sqlite"}')).toBe(1);
    expect(value('kikuai_reservations_pending')).toBeGreaterThanOrEqual(0); // the last settlement may wait for its batch
    expect(value('kikuai_reservations_stuck')).toBe(0);
    expect(value('kikuai_outbox_lag_seconds')).toBe(0);
  });

  it('keeps label sets bounded: no account, key, request or transaction id in any label', () => {
    const labelValues = [...exposition.matchAll(/="([^"]*)"/g)].map((match) => match[1]!);
    expect(labelValues.filter((label) => /^(acc_|kik_|key_|txn_|top_|led_)|[0-9a-f]{16,}/.test(label))).toEqual([]);
  });
});
