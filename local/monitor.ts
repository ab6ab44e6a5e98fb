import { NoIdentityProvider, localIssuer, signInAtLocalProvider } from './sign-in.ts';

/**
 * `npm run monitor`: one continual-monitoring run now, against the running local stack (`npm start`),
 * through the API as the security team triggers it (POST /monitoring/runs). Prints the run and its
 * findings as JSON. The route is the security team's, so the script first signs in at the stack's
 * identity provider as a member of the security team, as `npm run token -- … --security` does.
 */
const api = (process.env.API_URL || `http://127.0.0.1:${process.env.PORT || 3000}`).replace(/\/+$/, '');
const issuer = localIssuer();

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 300);
const noStack = (cause: string) => {
  console.error(
    `No local stack at ${api} (${cause}): start it with \`npm start\` in another terminal, or set API_URL, PORT or IDP_PORT to where it runs.`,
  );
  process.exit(1);
};

let token: string;
try {
  token = (await signInAtLocalProvider(issuer, { email: 'npm-run-monitor@example.gov.uk', securityTeam: true })).accessToken;
} catch (error) {
  if (error instanceof NoIdentityProvider) noStack(`its identity provider at ${issuer}: ${error.message}`);
  console.error(`The local identity provider at ${issuer} refused the sign-in: ${oneLine((error as Error).message)}`);
  process.exit(1);
}

let res: Response;
try {
  res = await fetch(`${api}/monitoring/runs`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
} catch (error) {
  noStack((error as Error & { cause?: { code?: string } }).cause?.code ?? (error as Error).message);
  process.exit(1);
}
const text = await res.text();
if (!res.ok) {
  console.error(`The local stack at ${api} refused the monitoring run: ${res.status} ${oneLine(text)}`);
  process.exit(1);
}
console.log(JSON.stringify(JSON.parse(text), null, 2));
