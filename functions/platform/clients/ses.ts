import { SESv2Client } from '@aws-sdk/client-sesv2';
import { tracer } from '../observability.ts';
import { clientOptions, type ClientSettings, type RuntimeClients } from './settings.ts';

/** The SES client that sends every email (functions/email/send.ts), traced. */
export function ses(settings: ClientSettings): Pick<RuntimeClients, 'ses'> {
  return { ses: tracer.captureAWSv3Client(new SESv2Client(clientOptions(settings, settings.endpoints?.ses))) };
}
