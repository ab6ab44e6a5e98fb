import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Context } from 'aws-lambda';
import { lambdaContext } from '../../local/api-server.ts';

/**
 * Metrics through the handlers' own middleware chain (httpHandler → observed()): an invocation that
 * counted nothing writes nothing (no "No application metrics to publish" line per call), and with
 * metrics enabled, as on AWS, a counted metric still goes out as EMF on stdout.
 */
const event = {
  version: '2.0',
  routeKey: 'GET /x',
  rawPath: '/x',
  rawQueryString: '',
  headers: {},
  isBase64Encoded: false,
  requestContext: {
    http: { method: 'GET', path: '/x', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 't' },
    requestId: 'r',
    routeKey: 'GET /x',
    stage: '$default',
    time: '',
    timeEpoch: 0,
    accountId: '0',
    apiId: 'a',
    domainName: 'd',
    domainPrefix: 'd',
  },
};

/** Everything written to the console or the process's stdout/stderr while `run` runs. */
async function output(run: () => Promise<unknown>): Promise<string[]> {
  const written: string[] = [];
  const keep = (...args: unknown[]) => void written.push(args.map(String).join(' '));
  const spies = [
    ...(['log', 'info', 'warn', 'error', 'debug'] as const).map((level) => vi.spyOn(console, level).mockImplementation(keep)),
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      keep(chunk);
      return true;
    }),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      keep(chunk);
      return true;
    }),
  ];
  try {
    await run();
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
  return written;
}

const environmentBefore = { ...process.env };
afterEach(() => {
  process.env = { ...environmentBefore };
  vi.resetModules();
});

async function handlerCounting(names: string[]) {
  const { httpHandler, json } = await import('../../functions/web/http.ts');
  const { count } = await import('../../functions/platform/observability.ts');
  const handler = httpHandler(async () => {
    for (const name of names) count(name);
    return json(200, { ok: true });
  });
  return (context: Context = lambdaContext('observabilityTest')) => handler(event as never, context);
}

describe('metrics from a handler', () => {
  it('with metrics disabled (tests, local mode), an invocation writes nothing, counted or not', async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'true';
    const quiet = await handlerCounting([]);
    const counting = await handlerCounting(['RequestSubmitted']);
    const written = await output(async () => {
      for (let i = 0; i < 3; i++) expect((await quiet()).statusCode).toBe(200);
      expect((await counting()).statusCode).toBe(200);
    });
    expect(written).toEqual([]);
  });

  it('with metrics enabled (AWS), a counted metric is emitted as EMF on stdout, and an invocation that counted nothing writes no warning', async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    // As Lambda sets it: Powertools counts a cold start only in an on-demand execution environment.
    process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand';
    const counting = await handlerCounting(['RequestSubmitted']);
    const written = await output(() => counting());
    const emf = written.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, any>];
      } catch {
        return [];
      }
    });
    const submitted = emf.find((m) => 'RequestSubmitted' in m);
    expect(submitted).toMatchObject({
      RequestSubmitted: 1,
      service: 'offshore-approvals',
      _aws: { CloudWatchMetrics: [{ Namespace: 'OffshoreApprovals', Metrics: [{ Name: 'RequestSubmitted', Unit: 'Count' }] }] },
    });
    // The first invocation also publishes the cold-start metric, as Powertools' own middleware does.
    expect(emf.some((m) => m.ColdStart === 1)).toBe(true);

    vi.resetModules();
    const quiet = await handlerCounting([]);
    await quiet(); // cold start of this fresh module instance
    expect((await output(() => quiet())).filter((line) => /metric/i.test(line))).toEqual([]);
  });
});
