import path from 'node:path';

/**
 * `npm start`: the whole service on this machine, no AWS account. What was accepted survives a
 * restart (dynalite persists under .local-data/).
 */
const port = Number(process.env.PORT ?? 3000);
const sesPort = Number(process.env.SES_PORT ?? 8005);
// Set before the handlers load (Powertools reads its settings when it is constructed).
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
// CloudWatch metrics (EMF) have nowhere to go locally.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const { startLocalStack, ROOT } = await import('./stack.ts');
const dataDir = process.env.LOCAL_DATA_DIR ?? path.join(ROOT, '.local-data', 'dynamodb');

const { approvalWaitsFromEnvironment } = await import('../functions/shared/runtime.ts');
// The settings a Lambda reads from its environment, read here from ours (the timeline, the sender, the security team).
const stack = await startLocalStack({
  port,
  sesPort,
  dataDir,
  runtime: {
    approvalWaits: approvalWaitsFromEnvironment(),
    ...(process.env.EMAIL_FROM ? { emailFrom: process.env.EMAIL_FROM } : {}),
    ...(process.env.EMAIL_REPLY_TO ? { emailReplyTo: process.env.EMAIL_REPLY_TO } : {}),
    ...(process.env.SECURITY_TEAM_GROUP ? { securityTeamGroup: process.env.SECURITY_TEAM_GROUP } : {}),
  },
});
const { resumeOpenRounds } = await import('./resume.ts');
const resumed = await resumeOpenRounds(stack);

// Continual monitoring on a timer, as the EventBridge schedule runs it on AWS (once per date: later ticks repeat nothing).
const monitorEverySeconds = Number(process.env.MONITOR_INTERVAL_SECONDS ?? 3600);
const { runMonitoring } = await import('../functions/shared/monitoring.ts');
const monitor = () =>
  runMonitoring(stack.runtime)
    .then((run) => !run.repeated && console.log(`Monitoring run ${run.date}: ${JSON.stringify(run.counts)} (digest sent to ${run.digest?.to})`))
    .catch((error: Error) => console.error(`Monitoring run failed: ${error.message}`));
const monitorTimer = monitorEverySeconds > 0 ? setInterval(monitor, monitorEverySeconds * 1000) : undefined;
monitorTimer?.unref();

console.log(`
offshore-approvals is running locally (Node ${process.version})

  API             ${stack.apiUrl}
  Email inbox     ${stack.sesUrl}/          (every email the service sends lands here)
  Data            ${dataDir}

Sign in as the example's service owner (a local development token stands in for the identity provider):

  TOKEN=$(npm run -s token -- alex.morgan@justice.gov.uk)

Submit the example request:

  curl -sS -X POST ${stack.apiUrl}/requests \\
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
    -H "Idempotency-Key: $(uuidgen 2>/dev/null || date +%s)" \\
    --data @examples/multi-area-request.json

Then follow it:  curl -sS -H "Authorization: Bearer $TOKEN" ${stack.apiUrl}/requests/<requestId>
Security team:   npm run -s token -- sam.security@justice.gov.uk --security
Continual monitoring runs every ${monitorEverySeconds} s (MONITOR_INTERVAL_SECONDS); run it now with: npm run monitor

Press Ctrl+C to stop.
`);
if (resumed.length) console.log(`Resumed ${resumed.length} approval round(s) that were running when the service last stopped: ${resumed.join(', ')}`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    if (monitorTimer) clearInterval(monitorTimer);
    await stack.close();
    process.exit(0);
  });
}
