import { Stack, type StackProps } from 'aws-cdk-lib';
import { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';

/** AWS managed rule groups, in the order WAF evaluates them. */
export const MANAGED_RULE_GROUPS = [
  'AWSManagedRulesAmazonIpReputationList',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesCommonRuleSet',
] as const;

/**
 * Requests one address may make in five minutes before WAF blocks it for a while: a department's
 * people often share one egress address, so the limit is generous; it stops floods, not people.
 */
export const RATE_LIMIT_PER_FIVE_MINUTES = 3000;

/**
 * The AWS WAF web ACL in front of the CloudFront distribution. A web ACL for CloudFront must be
 * created in us-east-1, so it has this small stack of its own there; the stateless stack reads its
 * ARN through CDK's cross-region references (infra/README.md, "CloudFront and AWS WAF").
 * It holds rules and no data.
 */
export class WebAclStack extends Stack {
  readonly webAcl: CfnWebACL;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, props);
    const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      metricName,
      sampledRequestsEnabled: true,
    });
    this.webAcl = new CfnWebACL(this, 'WebAcl', {
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      description: 'Offshore approvals: AWS managed rules and a rate limit in front of the pages, links and API',
      visibilityConfig: visibility('OffshoreApprovalsWebAcl'),
      rules: [
        {
          name: 'RateLimitPerAddress',
          priority: 0,
          action: { block: {} },
          statement: { rateBasedStatement: { limit: RATE_LIMIT_PER_FIVE_MINUTES, aggregateKeyType: 'IP', evaluationWindowSec: 300 } },
          visibilityConfig: visibility('RateLimitPerAddress'),
        },
        ...MANAGED_RULE_GROUPS.map((name, index) => ({
          name,
          priority: index + 1,
          overrideAction: { none: {} },
          statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
          visibilityConfig: visibility(name),
        })),
      ],
    });
  }

  get webAclArn(): string {
    return this.webAcl.attrArn;
  }
}
