import type { MiddlewareObj } from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';

/**
 * Powertools, set up once: structured JSON logs, CloudWatch metrics (EMF) and X-Ray traces.
 * Outside Lambda the Tracer switches itself off, and local mode disables metrics.
 */
const serviceName = 'offshore-approvals';
export const logger = new Logger({ serviceName });
export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'OffshoreApprovals', serviceName });
export const tracer = new Tracer({ serviceName });

/** Every log line after this carries the offshoring request id, so one request can be followed across Lambdas and the workflow. */
export function correlate(requestId: string | undefined): void {
  if (requestId) logger.appendKeys({ offshoringRequestId: requestId });
}

export function count(name: string, value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}

/** The middlewares every handler runs under: logging context, tracing, metrics flushed per invocation. */
export function observed(): MiddlewareObj[] {
  return [
    injectLambdaContext(logger, { resetKeys: true }) as MiddlewareObj,
    captureLambdaHandler(tracer, { captureResponse: false }) as MiddlewareObj,
    logMetrics(metrics, { captureColdStartMetric: true }) as MiddlewareObj,
  ];
}
