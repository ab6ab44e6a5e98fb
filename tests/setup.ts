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
