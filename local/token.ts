import { parseArgs } from 'node:util';
import { NoIdentityProvider, localIssuer, signInAtLocalProvider } from './sign-in.ts';

/**
 * `npm run -s token -- alex.morgan@justice.gov.uk [--security]` signs in at the running local
 * identity provider (the authorization code flow with PKCE, its sign-in form filled in with the
 * email address and, with --security, "I am in the security team") and prints the access token the
 * provider issued, for `Authorization: Bearer <token>`. It finds the provider by IDP_PORT (8006).
 */
const { values, positionals } = parseArgs({ allowPositionals: true, options: { security: { type: 'boolean', default: false } } });
const email = positionals[0];
if (!email || positionals.length > 1) {
  console.error('Usage: npm run -s token -- <email> [--security]');
  process.exit(2);
}
const issuer = localIssuer();
try {
  const { accessToken } = await signInAtLocalProvider(issuer, { email, securityTeam: values.security });
  console.log(accessToken);
} catch (error) {
  console.error(
    error instanceof NoIdentityProvider
      ? `No local stack: its identity provider does not answer at ${issuer} (${error.message}). Start it with \`npm start\` in another terminal, or set IDP_PORT to where it runs.`
      : `The local identity provider at ${issuer} refused the sign-in: ${(error as Error).message.replace(/\s+/g, ' ')}`,
  );
  process.exit(1);
}
