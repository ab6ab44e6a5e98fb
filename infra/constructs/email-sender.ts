import { ArnFormat, CfnOutput, RemovalPolicy, Stack, type CfnResource } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import {
  ConfigurationSet,
  ConfigurationSetTlsPolicy,
  DkimIdentity,
  EasyDkimSigningKeyLength,
  EmailIdentity,
  Identity,
  MailFromBehaviorOnMxFailure,
  SuppressionReasons,
} from 'aws-cdk-lib/aws-ses';
import { Construct } from 'constructs';

export interface EmailSenderProps {
  /** The From address. Without `domain`, SES sends it a verification link on first deployment. */
  readonly from: string;
  /**
   * Reply-To for every email.
   * @default - none (replies go to `from`)
   */
  readonly replyTo?: string;
  /**
   * Send as a domain identity instead: Easy DKIM (SES signs with the domain's keys, so DMARC aligns on
   * DKIM) and a custom MAIL FROM domain (so SPF aligns too). `from` must be on the domain.
   * @default - an email-address identity for `from`
   */
  readonly domain?: { readonly name: string; readonly mailFrom: string };
  /**
   * The configuration set's name: fixed, so the functions' grant can name it without a reference.
   * @default `${stackName}-sender`
   */
  readonly configurationSetName?: string;
  /**
   * Logical ids of the identities and configuration set, pinned so a construct refactor cannot
   * replace a verified identity.
   * @default { identity: 'SenderEmailIdentity', domainIdentity: 'SenderDomainIdentity', configurationSet: 'SenderConfigurationSet' }
   */
  readonly logicalIds?: { readonly identity: string; readonly domainIdentity: string; readonly configurationSet: string };
  /**
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * What a sending function needs to know of the sender: plain names, no references. Another stack
 * builds its ARNs from them, so the sender can change (a new address, a domain identity) without
 * an export pinning the old one: the stateful stack replaces the identity and retains the old one,
 * which keeps working until the stateless stack's next deployment moves the functions over.
 */
export interface SenderReference {
  readonly from: string;
  readonly replyTo?: string;
  /** SES identities that may authorize a send from `from`: the address's own and, with a domain identity, the domain's. */
  readonly identityNames: readonly string[];
  readonly configurationSetName: string;
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
  readonly reference: SenderReference;

  constructor(scope: Construct, id: string, props: EmailSenderProps) {
    super(scope, id);
    this.from = props.from;
    this.replyTo = props.replyTo;
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const configurationSetName = props.configurationSetName ?? `${stack.stackName}-sender`;
    this.configurationSet = new ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName,
      tlsPolicy: ConfigurationSetTlsPolicy.REQUIRE,
      reputationMetrics: true,
      suppressionReasons: SuppressionReasons.BOUNCES_AND_COMPLAINTS,
    });
    const ids = props.logicalIds ?? {
      identity: 'SenderEmailIdentity',
      domainIdentity: 'SenderDomainIdentity',
      configurationSet: 'SenderConfigurationSet',
    };
    if (props.domain) {
      this.identity = new EmailIdentity(this, 'DomainIdentity', {
        identity: Identity.domain(props.domain.name),
        configurationSet: this.configurationSet,
        dkimSigning: true,
        dkimIdentity: DkimIdentity.easyDkim(EasyDkimSigningKeyLength.RSA_2048_BIT),
        mailFromDomain: props.domain.mailFrom,
        // Until the MX record is published SES bounces through amazonses.com: DKIM still aligns, so mail flows.
        mailFromBehaviorOnMxFailure: MailFromBehaviorOnMxFailure.USE_DEFAULT_VALUE,
      });
      this.publishDnsRecords(props.domain, stack.region);
    } else {
      this.identity = new EmailIdentity(this, 'Identity', {
        identity: Identity.email(props.from),
        configurationSet: this.configurationSet,
      });
    }
    for (const [construct, logicalId] of [
      [this.identity, props.domain ? ids.domainIdentity : ids.identity],
      [this.configurationSet, ids.configurationSet],
    ] as const) {
      const resource = construct.node.defaultChild as CfnResource;
      resource.overrideLogicalId(logicalId);
      resource.applyRemovalPolicy(removalPolicy);
    }
    this.reference = {
      from: props.from,
      replyTo: props.replyTo,
      identityNames: props.domain ? [props.from, props.domain.name] : [props.from],
      configurationSetName,
    };
  }

  /** The DNS records the department publishes for its domain, as stack outputs (`cdk deploy` prints them). */
  private publishDnsRecords(domain: { readonly name: string; readonly mailFrom: string }, region: string): void {
    this.identity.dkimRecords.forEach((record, index) => {
      this.output(
        `DkimRecord${index + 1}`,
        `Easy DKIM: publish this CNAME (name, then value) in ${domain.name}'s DNS`,
        `${record.name} CNAME ${record.value}`,
      );
    });
    this.output('MailFromMxRecord', 'Custom MAIL FROM: publish this MX record', `${domain.mailFrom} MX 10 feedback-smtp.${region}.amazonses.com`);
    this.output('MailFromSpfRecord', 'Custom MAIL FROM: publish this TXT (SPF) record', `${domain.mailFrom} TXT "v=spf1 include:amazonses.com ~all"`);
  }

  /** An output named `<this construct's id><name>` (e.g. SenderDkimRecord1), as infra/README.md lists them. */
  private output(name: string, description: string, value: string): void {
    new CfnOutput(this, name, { description, value }).overrideLogicalId(`${this.node.id}${name}`);
  }
}

/**
 * ses:SendEmail / ses:SendRawEmail from the sender's identities and through its configuration set
 * (SES authorizes a send against both), with ARNs built in the grantee's stack from plain names.
 */
export function grantSendFrom(grantee: IGrantable & Construct, sender: SenderReference): void {
  const stack = Stack.of(grantee);
  const arn = (resource: string, resourceName: string) =>
    stack.formatArn({ service: 'ses', resource, resourceName, arnFormat: ArnFormat.SLASH_RESOURCE_NAME });
  Grant.addToPrincipal({
    grantee,
    actions: ['ses:SendEmail', 'ses:SendRawEmail'],
    resourceArns: [...sender.identityNames.map((name) => arn('identity', name)), arn('configuration-set', sender.configurationSetName)],
  });
}
