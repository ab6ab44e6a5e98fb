import { ArnFormat, RemovalPolicy, Stack, type CfnResource } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { ConfigurationSet, ConfigurationSetTlsPolicy, EmailIdentity, Identity, SuppressionReasons } from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';

export interface EmailSenderProps {
  /** The From address. SES sends it a verification email on first deployment. */
  readonly from: string;
  /**
   * Reply-To for every email.
   * @default - none (replies go to `from`)
   */
  readonly replyTo?: string;
  /**
   * Logical ids of the identity and configuration set, pinned so a construct refactor cannot
   * replace a verified identity.
   * @default { identity: 'SenderEmailIdentity', configurationSet: 'SenderConfigurationSet' }
   */
  readonly logicalIds?: { readonly identity: string; readonly configurationSet: string };
  /**
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The SES identity the service sends from, with a configuration set as its default that requires
 * TLS to the receiving server and suppresses addresses that bounce or complain.
 */
export class EmailSender extends Construct {
  readonly from: string;
  readonly replyTo?: string;
  readonly identity: EmailIdentity;
  readonly configurationSet: ConfigurationSet;

  constructor(scope: Construct, id: string, props: EmailSenderProps) {
    super(scope, id);
    this.from = props.from;
    this.replyTo = props.replyTo;
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      tlsPolicy: ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    this.identity = new EmailIdentity(this, 'Identity', {
      identity: Identity.email(props.from),
      configurationSet: this.configurationSet,
    });
    const ids = props.logicalIds ?? { identity: 'SenderEmailIdentity', configurationSet: 'SenderConfigurationSet' };
    for (const [construct, logicalId] of [
      [this.identity, ids.identity],
      [this.configurationSet, ids.configurationSet],
    ] as const) {
      const resource = construct.node.defaultChild as CfnResource;
      resource.overrideLogicalId(logicalId);
      resource.applyRemovalPolicy(removalPolicy);
    }
  }

  /**
   * ses:SendEmail / ses:SendRawEmail from this identity only, through its configuration set (SES
   * authorises a send against both).
   */
  grantSend(grantee: IGrantable): void {
    this.identity.grantSendEmail(grantee);
    Grant.addToPrincipal({
      grantee,
      actions: ['ses:SendEmail', 'ses:SendRawEmail'],
      resourceArns: [
        Stack.of(this).formatArn({
          service: 'ses',
          resource: 'configuration-set',
          resourceName: this.configurationSet.configurationSetName,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ],
    });
  }
}
