import { parseArgs } from 'node:util';
import { localIdentitySettings, mintDevToken } from './dev-identity.ts';

/**
 * `npm run -s token -- alex.morgan@justice.gov.uk [--security] [--name "Alex Morgan"]`
 * prints a development identity token for the local stack (Authorization: Bearer <token>).
 */
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { security: { type: 'boolean', default: false }, name: { type: 'string' }, hours: { type: 'string', default: '12' } },
});
const email = positionals[0];
if (!email) {
  console.error('Usage: npm run -s token -- <email> [--security] [--name "Full Name"] [--hours 12]');
  process.exit(2);
}
const { secret, securityTeamGroup } = localIdentitySettings();
console.log(
  mintDevToken({ email, name: values.name, groups: values.security ? [securityTeamGroup] : [] }, secret, { ttlSeconds: Number(values.hours) * 3600 }),
);
