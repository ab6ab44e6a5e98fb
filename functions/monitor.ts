import * as z from 'zod';
import type { Context } from 'aws-lambda';
import middy from '@middy/core';
import { lambdaEntry, type Runtime } from '#platform/runtime';
import { withCurrentDirectory } from '#domain/directory';
import { dynamoDb } from '#platform/clients/dynamodb';
import { stepFunctions } from '#platform/clients/step-functions';
import { ses } from '#platform/clients/ses';
import { count, logger, observed } from '#platform/observability';
import { runMonitoring } from '#domain/monitoring';

/**
 * The scheduled continual-monitoring run (EventBridge schedule → this Lambda). The event's time
 * names the run's date, so a retried delivery repeats nothing: one run, one digest, per date.
 */
const ScheduledEventSchema = z.object({ time: z.iso.datetime().optional() }).loose();

export function scheduledMonitoring(runtime: Runtime) {
  return async (event: unknown) => {
    const { time } = ScheduledEventSchema.parse(event ?? {});
    const run = await runMonitoring(runtime, { date: (time ?? runtime.clock().toISOString()).slice(0, 10) });
    if (!run.repeated) {
      count(
        'MonitoringFindings',
        Object.values(run.counts ?? {}).reduce((a, b) => a + b, 0),
      );
      count('MonitoringChecksFailed', (run.checks ?? []).filter((c) => c.status === 'FAILED').length);
    }
    logger.info('Monitoring run', { date: run.date, repeated: run.repeated, counts: run.counts, itemsRead: run.itemsRead });
    return { date: run.date, repeated: run.repeated, counts: run.counts, itemsRead: run.itemsRead };
  };
}

export const makeHandler = (runtime: Runtime) =>
  middy<unknown, unknown, Error, Context>(withCurrentDirectory(runtime, scheduledMonitoring(runtime))).use(observed());
export const handler = lambdaEntry(makeHandler, dynamoDb, stepFunctions, ses);
