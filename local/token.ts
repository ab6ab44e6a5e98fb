import { parseArgs } from 'node:util';
import { DEFAULT_DEV_SECRET, mintDevToken } from './dev-identity.ts';
import { DEFAULT_SECURITY_TEAM_GROUP } from '../functions/shared/config.ts';

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
console.log(
  mintDevToken(
    { email, name: values.name, groups: values.security ? [process.env.SECURITY_TEAM_GROUP ?? DEFAULT_SECURITY_TEAM_GROUP] : [] },
    process.env.LOCAL_IDENTITY_SECRET ?? DEFAULT_DEV_SECRET,
    { ttlSeconds: Number(values.hours) * 3600 },
  ),
);
