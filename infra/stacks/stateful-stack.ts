import { Duration, RemovalPolicy, Stack, type CfnResource, type StackProps } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { ApprovalsTable } from '../constructs/approvals-table.ts';
import { EmailSender } from '../constructs/email-sender.ts';
import { WebSecrets } from '../constructs/web-secrets.ts';
import type { DeploymentSettings } from '../settings.ts';

export interface StatefulStackProps extends StackProps {
  readonly settings: DeploymentSettings;
}

/**
 * Everything that holds data or takes setting up outside AWS (a verified email identity):
 * retained on deletion, termination-protected, with logical ids pinned (tests/infra checks them)
 * so no refactor can replace a resource. Changes here are rare and reviewed on their own.
 */
export class StatefulStack extends Stack {
  /** Logical ids that must never change: a change replaces the resource. */
  static readonly LOGICAL_IDS = {
    key: 'ApprovalsDataKey',
    table: 'ApprovalsTable',
    emailIdentity: 'SenderEmailIdentity',
    domainIdentity: 'SenderDomainIdentity',
    configurationSet: 'SenderConfigurationSet',
    webSecretsKey: 'WebSecretsKey',
    sessionKey: 'SessionKeySecret',
    oidcClientSecret: 'OidcClientSecret',
  } as const;

  readonly key: Key;
  readonly table: ApprovalsTable;
  readonly sender: EmailSender;
  readonly webSecrets: WebSecrets;

  constructor(scope: Construct, id: string, props: StatefulStackProps) {
    super(scope, id, { terminationProtection: true, ...props });
    const ids = StatefulStack.LOGICAL_IDS;

    this.key = new Key(this, 'DataKey', {
      description: 'Offshore approvals: encrypts the approvals table (requests, approvals, audit trail)',
      enableKeyRotation: true,
      pendingWindow: Duration.days(30),
      removalPolicy: RemovalPolicy.RETAIN,
    });
    (this.key.node.defaultChild as CfnResource).overrideLogicalId(ids.key);

    this.table = new ApprovalsTable(this, 'Approvals', {
      encryptionKey: this.key,
      logicalId: ids.table,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.sender = new EmailSender(this, 'Sender', {
      from: props.settings.emailFrom,
      replyTo: props.settings.emailReplyTo,
      domain: props.settings.emailDomain,
      logicalIds: { identity: ids.emailIdentity, domainIdentity: ids.domainIdentity, configurationSet: ids.configurationSet },
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // Secrets, like the table, outlive the stateless stack: the client secret is put in by hand.
    this.webSecrets = new WebSecrets(this, 'WebSecrets', {
      logicalIds: { key: ids.webSecretsKey, sessionKey: ids.sessionKey, oidcClientSecret: ids.oidcClientSecret },
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
