import { SFNClient } from '@aws-sdk/client-sfn';
import { tracer } from '../observability.ts';
import { clientOptions, type ClientSettings, type RuntimeClients } from './settings.ts';

/** The Step Functions client (start, stop and inspect executions, answer task tokens), traced. */
export function stepFunctions(settings: ClientSettings): Pick<RuntimeClients, 'stepFunctions'> {
  return { stepFunctions: tracer.captureAWSv3Client(new SFNClient(clientOptions(settings, settings.endpoints?.stepFunctions))) };
}
