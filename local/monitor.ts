import { localIdentitySettings, mintDevToken } from './dev-identity.ts';

/**
 * `npm run monitor`: one continual-monitoring run now, against the running local stack (`npm start`),
 * through the API as the security team triggers it (POST /monitoring/runs). Prints the run and its
 * findings as JSON. The route is the security team's, so the script signs in as the security team
 * with a development token, minted with the same secret and group settings as `npm start`.
 */
const api = (process.env.API_URL || `http://127.0.0.1:${process.env.PORT || 3000}`).replace(/\/+$/, '');
const { secret, securityTeamGroup } = localIdentitySettings();
const token = mintDevToken(
  { email: 'npm-run-monitor@localhost', name: 'npm run monitor (local security team)', groups: [securityTeamGroup] },
  secret,
  { ttlSeconds: 300 },
);

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 300);

let res: Response;
try {
  res = await fetch(`${api}/monitoring/runs`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
} catch (error) {
  const cause = (error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
  console.error(`No local stack at ${api} (${cause}): start it with \`npm start\` in another terminal, or set API_URL or PORT to where it runs.`);
  process.exit(1);
}
const text = await res.text();
if (!res.ok) {
  console.error(`The local stack at ${api} refused the monitoring run: ${res.status} ${oneLine(text)}`);
  process.exit(1);
}
console.log(JSON.stringify(JSON.parse(text), null, 2));
