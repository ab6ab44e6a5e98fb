/**
 * `npm run monitor`: one continual-monitoring run now, against the running local stack (`npm start`),
 * through the API as the security team would trigger it. Prints the run and its findings as JSON.
 */
const api = process.env.API_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`;
try {
  const res = await fetch(`${api}/monitoring/runs`, { method: 'POST' });
  const body = await res.json();
  console.log(JSON.stringify(body, null, 2));
  process.exitCode = res.ok ? 0 : 1;
} catch (error) {
  console.error(`Could not reach the local stack at ${api}: is \`npm start\` running? (${(error as Error).message})`);
  process.exitCode = 2;
}
