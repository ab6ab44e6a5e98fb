import type { MiddlewareObj } from '@middy/core';
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';

/**
 * Powertools, set up once: structured JSON logs, CloudWatch metrics (EMF) and X-Ray traces.
 * Outside Lambda the Tracer switches itself off; local mode and the tests disable metrics
 * (POWERTOOLS_METRICS_DISABLED), which have nowhere to go there.
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

/**
 * Flushes what an invocation counted, as Powertools' logMetrics middleware does, except that an
 * invocation that counted nothing writes nothing: logMetrics warns "No application metrics to
 * publish" every time, which for the approval pages, the authorizer and every test and local call
 * is every time. The cold-start metric is published as logMetrics publishes it.
 */
export function publishMetrics(target: Metrics = metrics, options: { captureColdStartMetric?: boolean } = {}): MiddlewareObj {
  const flush = async () => {
    if (target.hasStoredMetrics()) target.publishStoredMetrics();
    else {
      target.clearDimensions();
      target.clearMetadata();
    }
  };
  return {
    before: async (request) => {
      if (options.captureColdStartMetric) target.captureColdStartMetric(request.context.functionName);
    },
    after: flush,
    onError: flush,
  };
}

/** The middlewares every handler runs under: logging context, tracing, metrics flushed per invocation. */
export function observed(): MiddlewareObj[] {
  return [
    injectLambdaContext(logger, { resetKeys: true }) as MiddlewareObj,
    captureLambdaHandler(tracer, { captureResponse: false }) as MiddlewareObj,
    publishMetrics(metrics, { captureColdStartMetric: true }),
  ];
}
