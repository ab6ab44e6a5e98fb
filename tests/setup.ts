import 'aws-sdk-client-mock-vitest/extend';

// The Lambda environment every handler reads; workflow tests point the clients at the local stack.
process.env.AWS_REGION ??= 'eu-west-2';
process.env.AWS_ACCESS_KEY_ID ??= 'local';
process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
process.env.POWERTOOLS_SERVICE_NAME ??= 'offshore-approvals';
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.POWERTOOLS_DEV ??= 'true';
// CloudWatch metrics (EMF) have nowhere to go in tests, as in local mode.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// The pages' session cookies are sealed with this key in tests (tests/workflow/pages.ts signs people in with it).
process.env.SESSION_KEY ??= 'test-only-session-key-0123456789abcdefghijklmnop';
