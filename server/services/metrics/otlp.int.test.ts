import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDb, type TestDb } from '@/server/testing/test-db';
import { startOtlpPush } from '@/server/workers/otlp-push';
import { ingestSamples } from './ingest';

const RECEIVER_PORT = 18312;

type Received = { path: string; headers: http.IncomingHttpHeaders; body: string };

type OtlpJson = {
  resourceMetrics: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeMetrics: {
      metrics: {
        name: string;
        gauge: {
          dataPoints: {
            attributes: { key: string; value: { stringValue?: string; intValue?: string } }[];
            asDouble: number;
            timeUnixNano: string;
          }[];
        };
      }[];
    }[];
  }[];
};

describe('OTLP/HTTP push', () => {
  let t: TestDb;
  let receiver: http.Server;
  const received: Received[] = [];
  let status = 200;

  beforeAll(async () => {
    t = await openTestDb('pglite');
    await t.db.node.create({
      data: { name: 'n1', url: 'https://127.0.0.1:1', fingerprint: 'x', tokenEnc: 'x', lastSeenAt: new Date() },
    });
    await t.db.guest.create({ data: { vmid: 100, nodeName: 'n1', name: 'web', config: {}, status: 'running' } });
    const now = Math.floor(Date.now() / 1000);
    await ingestSamples(t.db, 'n1', [
      {
        t: now,
        node: {
          cpu: 0.5,
          maxcpu: 2,
          load1: 0.1,
          memUsed: 1,
          memTotal: 2,
          swapUsed: 0,
          swapTotal: 0,
          rootUsed: 1,
          rootTotal: 2,
          netIn: null,
          netOut: null,
          diskRead: null,
          diskWrite: null,
          psiCpu: null,
          psiMem: null,
          psiIo: null,
        },
        guests: [
          {
            vmid: 100,
            status: 'running',
            cpu: 0.25,
            maxcpu: 1,
            mem: 64,
            maxmem: 128,
            diskRead: 0,
            diskWrite: 0,
            diskReadOps: 0,
            diskWriteOps: 0,
            netIn: null,
            netOut: null,
            uptime: 5,
          },
        ],
        storages: [],
      },
    ]);
    // A collector stand-in that only records what it got: the test decodes it below.
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(status, { 'content-type': 'application/json' }).end(status === 200 ? '{}' : '{"error":"full"}');
      });
    });
    await new Promise<void>((r) => receiver.listen(RECEIVER_PORT, '127.0.0.1', r));
  });
  afterAll(async () => {
    await new Promise((r) => receiver?.close(r));
    await t?.close();
  });

  it('pushes the metrics as OTLP JSON gauges to <endpoint>/v1/metrics with the configured headers', async () => {
    const logs: string[] = [];
    const push = startOtlpPush(
      t.db,
      { endpoint: `http://127.0.0.1:${RECEIVER_PORT}`, headers: { 'x-api-key': 'k1' } },
      10,
      (l) => logs.push(l),
    );
    try {
      await push.tick();
    } finally {
      push.stop();
    }
    expect(logs).toEqual([]);
    expect(received).toHaveLength(1);
    const got = received[0]!;
    expect(got.path).toBe('/v1/metrics');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-api-key']).toBe('k1');
    const json = JSON.parse(got.body) as OtlpJson;
    const rm = json.resourceMetrics[0]!;
    expect(rm.resource.attributes).toContainEqual({ key: 'service.name', value: { stringValue: 'horcrux' } });
    const metrics = rm.scopeMetrics[0]!.metrics;
    const cpu = metrics.find((m) => m.name === 'horcrux_guest_cpu_usage_cpus')!;
    expect(cpu.gauge.dataPoints).toHaveLength(1);
    const point = cpu.gauge.dataPoints[0]!;
    expect(point.asDouble).toBe(0.25);
    expect(point.attributes).toContainEqual({ key: 'vmid', value: { intValue: '100' } });
    expect(point.attributes).toContainEqual({ key: 'name', value: { stringValue: 'web' } });
    expect(Number(BigInt(point.timeUnixNano) / 1_000_000n)).toBeGreaterThan(Date.now() - 60_000);
    expect(metrics.find((m) => m.name === 'horcrux_node_cpu_usage_cpus')!.gauge.dataPoints[0]!.asDouble).toBe(0.5);
  });

  it('says what the collector answered when it refuses', async () => {
    status = 507;
    // The first test's worker still holds the lease (leader election): hand it over.
    await t.db.lease.deleteMany({ where: { name: 'otlp-push' } });
    const logs: string[] = [];
    const push = startOtlpPush(t.db, { endpoint: `http://127.0.0.1:${RECEIVER_PORT}/v1/metrics` }, 10, (l) =>
      logs.push(l),
    );
    try {
      await push.tick();
    } finally {
      push.stop();
    }
    expect(logs).toEqual([
      `OTLP collector at http://127.0.0.1:${RECEIVER_PORT}/v1/metrics answered HTTP 507: {"error":"full"}`,
    ]);
  });
});
