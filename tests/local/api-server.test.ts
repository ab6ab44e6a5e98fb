import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { startHarness, SECURITY_TEAM, type Harness } from '../workflow/harness.ts';
import { MAX_BODY_BYTES } from '../../local/api-server.ts';

/**
 * The local API server over one kept-alive connection, as browsers and HTTP clients use it: a body
 * it refuses for its size must not leave that connection, or the client's next request, hanging.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  socket: unknown;
}

/** One request through `agent`; fails (rather than hangs) when no answer comes within `timeoutMs`. */
function call(agent: Agent, method: string, path: string, body?: Buffer, timeoutMs = 10_000): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, h.stack.apiUrl);
    const req = request(url, {
      agent,
      method,
      headers: {
        authorization: `Bearer ${h.stack.tokenFor(SECURITY_TEAM)}`,
        ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}),
      },
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString(), socket: req.socket });
      });
    });
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
}

describe('the local API server on a kept-alive connection', () => {
  it('answers a body over its limit with 413 and Connection: close, and the next request on the same agent is answered', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // Warm the one socket so the oversized body goes over a connection that is already kept alive.
      const first = await call(agent, 'GET', '/services');
      expect(first.status).toBe(200);

      const tooLarge = await call(agent, 'POST', '/requests', Buffer.alloc(MAX_BODY_BYTES + 512 * 1024, 'x'));
      expect(tooLarge.status).toBe(413);
      expect(tooLarge.headers.connection).toBe('close');
      expect(JSON.parse(tooLarge.body)).toMatchObject({ error: 'PayloadTooLarge' });

      const next = await call(agent, 'GET', '/services');
      expect(next.status).toBe(200);
      expect(next.socket).not.toBe(tooLarge.socket);
    } finally {
      agent.destroy();
    }
  });

  it('cuts a connection still sending past API Gateway’s 10 MB, and the agent’s next request is answered', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      // The 413 may or may not reach a client still writing when the connection is cut; either way it ends.
      const outcome = await call(agent, 'POST', '/requests', Buffer.alloc(12 * 1024 * 1024, 'x')).then(
        (answer) => answer.status,
        (error: NodeJS.ErrnoException) => error.code,
      );
      expect([413, 'ECONNRESET', 'EPIPE']).toContain(outcome);
      expect((await call(agent, 'GET', '/services')).status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it('keeps the connection for a body within the limit', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const refused = await call(agent, 'POST', '/requests', Buffer.from('{"serviceName": 1}'));
      expect(refused.status).toBe(400);
      expect(refused.headers.connection).toBe('keep-alive');
      const next = await call(agent, 'GET', '/services');
      expect(next.status).toBe(200);
      expect(next.socket).toBe(refused.socket);
    } finally {
      agent.destroy();
    }
  });
});
