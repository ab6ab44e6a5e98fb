import path from 'node:path';
import { startLocalStack, ROOT } from './stack.ts';

/**
 * `npm start`: the whole service on this machine, no AWS account. What was accepted survives a
 * restart (dynalite persists under .local-data/).
 */
const port = Number(process.env.PORT ?? 3000);
const sesPort = Number(process.env.SES_PORT ?? 8005);
const dataDir = process.env.LOCAL_DATA_DIR ?? path.join(ROOT, '.local-data', 'dynamodb');
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';

const stack = await startLocalStack({ port, sesPort, dataDir });

console.log(`
offshore-approvals is running locally (Node ${process.version})

  API             ${stack.apiUrl}
  Email inbox     ${stack.sesUrl}/          (every email the service sends lands here)
  Data            ${dataDir}

Submit the example request:

  curl -sS -X POST ${stack.apiUrl}/requests \\
    -H 'Content-Type: application/json' \\
    -H "Idempotency-Key: $(uuidgen 2>/dev/null || date +%s)" \\
    --data @examples/multi-area-request.json

Then follow it:  curl -sS ${stack.apiUrl}/requests/<requestId>

Press Ctrl+C to stop.
`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    await stack.close();
    process.exit(0);
  });
}
