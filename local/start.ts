/**
 * `npm start`: the whole service on this machine, no AWS account. What was accepted survives a
 * restart (dynalite persists under .local-data/). Every setting is in the README's Configuration
 * table and read by local/settings.ts.
 */
// Set before the handlers load (Powertools reads its settings when it is constructed).
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
// CloudWatch metrics (EMF) have nowhere to go locally.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
const { startLocalStack, ROOT } = await import('./stack.ts');
const { localSettings, LocalSettingsError } = await import('./settings.ts');
const { DEFAULT_IDP_PORT } = await import('./identity-provider.ts');

let settings: ReturnType<typeof localSettings>;
try {
  settings = localSettings(process.env, { root: ROOT });
} catch (error) {
  if (!(error instanceof LocalSettingsError)) throw error;
  console.error(`npm start: ${error.message}`);
  process.exit(2);
}

// The pages' stylesheet, script, fonts and images, as CloudFront serves them from S3 on AWS.
const { buildAssets } = await import('../assets/build.ts');
await buildAssets();

let stack: Awaited<ReturnType<typeof startLocalStack>>;
try {
  stack = await startLocalStack({
    port: settings.ports.api,
    sesPort: settings.ports.ses,
    dynamoDbPort: settings.ports.dynamoDb,
    stepFunctionsPort: settings.ports.stepFunctions,
    identityProviderPort: settings.ports.identityProvider,
    oidcClientSecret: settings.oidcClientSecret,
    ...(settings.sessionKey ? { sessionKey: settings.sessionKey } : {}),
    dataDir: settings.dataDir,
    runtime: settings.runtime,
  });
} catch (error) {
  const { code, port } = error as { code?: string; port?: number };
  if (code !== 'EADDRINUSE') throw error;
  console.error(
    `npm start: port ${port} is already in use (another \`npm start\`?): stop it, or choose other ports with PORT, SES_PORT, DYNAMODB_PORT, STEPFUNCTIONS_PORT, IDP_PORT.`,
  );
  process.exit(1);
}
const dataDir = settings.dataDir;
const { resumeOpenRounds } = await import('./resume.ts');
const resumed = await resumeOpenRounds(stack);

// Continual monitoring on a timer, as the EventBridge schedule runs it on AWS (once per date: later ticks repeat nothing).
const monitorEverySeconds = settings.monitorIntervalSeconds;
const { runMonitoring } = await import('../functions/domain/monitoring.ts');
const { inCurrentDirectory } = await import('../functions/domain/directory.ts');
// As the scheduled function does: the digest goes to the security team of the directory in force.
const monitor = () =>
  inCurrentDirectory(stack.runtime, () => runMonitoring(stack.runtime))
    .then((run) => !run.repeated && console.log(`Monitoring run ${run.date}: ${JSON.stringify(run.counts)} (digest sent to ${run.digest?.to})`))
    .catch((error: Error) => console.error(`Monitoring run failed: ${error.message}`));
const monitorTimer = monitorEverySeconds > 0 ? setInterval(monitor, monitorEverySeconds * 1000) : undefined;
monitorTimer?.unref();

// The scripts find the provider by IDP_PORT: say so when it is not the default.
const idpPort = new URL(stack.identityProvider.issuer).port;
const withIdpPort = idpPort === String(DEFAULT_IDP_PORT) ? '' : `IDP_PORT=${idpPort} `;
console.log(`
offshore-approvals is running locally (Node ${process.version})

  Open in a browser  ${stack.runtime.publicBaseUrl}/    (the start page: sign in with any email address; tick "security team" for the register)

  API             ${stack.apiUrl}
  Email inbox     ${stack.sesUrl}/          (every email the service sends lands here; links open in a new tab)
  DynamoDB        ${stack.dynamoDbUrl}    (local endpoint, for the AWS CLI or SDK)
  Step Functions  ${stack.stepFunctionsUrl}    (local endpoint)
  Sign-in         ${stack.identityProvider.issuer}    (local identity provider: asks only for an email address)
  Emailed links   ${stack.runtime.publicBaseUrl}/…
  Data            ${dataDir}

npm start keeps this terminal: run the commands below in a second one.

Sign in as the example's service owner (through the local identity provider, as the pages do):

  TOKEN=$(${withIdpPort}npm run -s token -- alex.morgan@justice.gov.uk)

Submit the example request:

  curl -sS -X POST ${stack.apiUrl}/requests \\
    -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
    -H "Idempotency-Key: $(uuidgen 2>/dev/null || date +%s)" \\
    --data @examples/multi-area-request.json

Then follow it:  curl -sS -H "Authorization: Bearer $TOKEN" ${stack.apiUrl}/requests/<requestId>
Security team:   ${withIdpPort}npm run -s token -- sam.security@justice.gov.uk --security
Continual monitoring ${monitorEverySeconds > 0 ? `runs every ${monitorEverySeconds} s` : 'runs only on demand'} (MONITOR_INTERVAL_SECONDS); run it now with: ${stack.apiUrl === 'http://127.0.0.1:3000' ? '' : `API_URL=${stack.apiUrl} `}${withIdpPort}npm run monitor

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
