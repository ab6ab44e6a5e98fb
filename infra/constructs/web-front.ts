import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Certificate } from 'aws-cdk-lib/aws-certificatemanager';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginProtocolPolicy,
  OriginRequestPolicy,
  OriginSslPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  SecurityPolicyProtocol,
  ViewerProtocolPolicy,
  type ResponseSecurityHeadersBehavior,
} from 'aws-cdk-lib/aws-cloudfront';
import { HttpOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import { Role, ServicePrincipal, type Policy } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, CacheControl, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { acknowledge, wildcardResourceFinding } from '../nag.ts';

export interface WebFrontProps {
  /** The HTTP API every path but `/assets/*` goes to. */
  readonly api: IHttpApi;
  /** The built assets (assets/build.ts), served under `/assets/`. */
  readonly assetsDir: string;
  /** The AWS WAF web ACL (CLOUDFRONT scope, us-east-1) in front of everything. */
  readonly webAclArn: string;
  /**
   * A custom domain and its ACM certificate (in us-east-1, as CloudFront requires).
   * @default - CloudFront's own `*.cloudfront.net` domain
   */
  readonly customDomain?: { readonly name: string; readonly certificateArn: string };
  /** Encrypts the log group of CDK's asset-copying function. */
  readonly logKey: IKey;
  /**
   * How long access logs are kept.
   * @default 365 days, as the log groups
   */
  readonly logRetention?: Duration;
}

/** The path pattern of the assets behaviour; the assets' keys in the bucket start with it too. */
export const ASSETS_PATH = 'assets';

/** Long enough to be "for ever" for a file whose name changes with its content. */
const HASHED_MAX_AGE = Duration.days(365);
/** The design systems' fonts and images keep their names across versions: a day. */
const NAMED_MAX_AGE = Duration.days(1);

/**
 * One origin for people and links: a CloudFront distribution in front of the HTTP API (pages, the
 * approvers' links, the JSON API; nothing cached, cookies and query strings passed on) and of a
 * private bucket of assets (`/assets/*`, through origin access control, cached), HTTPS only, with
 * security headers and AWS WAF's managed rules. Access logs of both go to a logs bucket.
 */
export class WebFront extends Construct {
  readonly distribution: Distribution;
  readonly assetsBucket: Bucket;
  readonly logsBucket: Bucket;
  /** `https://` and the custom domain, or the distribution's own domain: no trailing slash. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: WebFrontProps) {
    super(scope, id);
    const logRetention = props.logRetention ?? Duration.days(365);

    // CloudFront's standard logs are delivered with an ACL, so this one bucket keeps ACLs enabled
    // (object writer); nothing in it is public.
    this.logsBucket = new Bucket(this, 'Logs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: logRetention }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.assetsBucket = new Bucket(this, 'Assets', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: this.logsBucket,
      serverAccessLogsPrefix: 'assets-bucket/',
      // Kept when the stack goes: a page cached in a browser may still ask for last deployment's files.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // CDK's own function copies the assets into the bucket at deploy time; it gets a role with nothing
    // but its encrypted log group (the deployment grants the bucket), as every function here does.
    const deployerLogs = new LogGroup(this, 'AssetDeploymentLogs', { retention: RetentionDays.ONE_YEAR, encryptionKey: props.logKey });
    const deployerRole = new Role(this, 'AssetDeploymentRole', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: 'offshore-approvals copies the page assets into their bucket',
    });
    deployerLogs.grantWrite(deployerRole);
    const deployer = { role: deployerRole, logGroup: deployerLogs, memoryLimit: 512 };

    // Hashed names change with their content: cached for ever. The rest (the design systems' fonts and
    // images) for a day. Neither deployment prunes, so a page rendered before a deploy still finds its files.
    new BucketDeployment(this, 'HashedAssets', {
      sources: [Source.asset(props.assetsDir, { exclude: ['*', '!application-*'] })],
      destinationBucket: this.assetsBucket,
      destinationKeyPrefix: `${ASSETS_PATH}/`,
      prune: false,
      cacheControl: [CacheControl.setPublic(), CacheControl.maxAge(HASHED_MAX_AGE), CacheControl.immutable()],
      ...deployer,
    });
    new BucketDeployment(this, 'NamedAssets', {
      sources: [Source.asset(props.assetsDir, { exclude: ['application-*', 'manifest.json'] })],
      destinationBucket: this.assetsBucket,
      destinationKeyPrefix: `${ASSETS_PATH}/`,
      prune: false,
      cacheControl: [CacheControl.setPublic(), CacheControl.maxAge(NAMED_MAX_AGE)],
      ...deployer,
    });

    this.acknowledgeAssetDeployment(deployerRole);

    const securityHeaders: ResponseSecurityHeadersBehavior = {
      strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
      referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
    };
    // The pages set their own Content-Security-Policy (with their nonces): CloudFront must not replace it.
    const apiHeaders = new ResponseHeadersPolicy(this, 'ApiHeaders', {
      comment: 'Offshore approvals: security headers for pages and the API (their own CSP kept)',
      securityHeadersBehavior: securityHeaders,
    });
    const assetHeaders = new ResponseHeadersPolicy(this, 'AssetHeaders', {
      comment: 'Offshore approvals: security headers for the static assets',
      securityHeadersBehavior: {
        ...securityHeaders,
        contentSecurityPolicy: { contentSecurityPolicy: "default-src 'none'; style-src 'self'; img-src 'self'; font-src 'self'", override: true },
      },
    });

    const apiOrigin = new HttpOrigin(`${props.api.apiId}.execute-api.${Stack.of(this).region}.amazonaws.com`, {
      protocolPolicy: OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [OriginSslPolicy.TLS_V1_2],
    });
    const certificate = props.customDomain ? Certificate.fromCertificateArn(this, 'Certificate', props.customDomain.certificateArn) : undefined;

    this.distribution = new Distribution(this, 'Distribution', {
      comment: 'Offshore approvals: pages, approval links and API, and the assets',
      defaultBehavior: {
        origin: apiOrigin,
        viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: AllowedMethods.ALLOW_ALL,
        // Every answer is personal or a decision: never cached. Every viewer header but Host (API
        // Gateway routes by its own host name), every cookie (the session) and query string (link tokens).
        cachePolicy: CachePolicy.CACHING_DISABLED,
        originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        responseHeadersPolicy: apiHeaders,
        compress: true,
      },
      additionalBehaviors: {
        [`/${ASSETS_PATH}/*`]: {
          origin: S3BucketOrigin.withOriginAccessControl(this.assetsBucket),
          viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
          allowedMethods: AllowedMethods.ALLOW_GET_HEAD,
          cachePolicy: CachePolicy.CACHING_OPTIMIZED,
          responseHeadersPolicy: assetHeaders,
          compress: true,
        },
      },
      domainNames: props.customDomain ? [props.customDomain.name] : undefined,
      certificate,
      // With CloudFront's default certificate the policy is CloudFront's (TLSv1), so it is set only with a domain.
      minimumProtocolVersion: certificate ? SecurityPolicyProtocol.TLS_V1_2_2021 : undefined,
      httpVersion: HttpVersion.HTTP2_AND_3,
      // Europe and North America: the department's users are in the UK.
      priceClass: PriceClass.PRICE_CLASS_100,
      webAclId: props.webAclArn,
      enableLogging: true,
      logBucket: this.logsBucket,
      logFilePrefix: 'distribution/',
      // Cookies hold the encrypted session: kept out of the logs.
      logIncludesCookies: false,
    });
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR1',
      'Approvers and service owners include suppliers and staff abroad (the requests are about offshoring); sign-in and the link tokens decide who may see what, and AWS WAF blocks known bad sources.',
    );
    if (!props.customDomain) {
      acknowledge(
        this.distribution,
        'AwsSolutions-CFR4',
        "Without offshore:domainName the distribution uses CloudFront's default *.cloudfront.net certificate, whose security policy CloudFront fixes (TLSv1); with a custom domain it is TLSv1.2_2021 (infra/README.md).",
      );
    }

    this.url = `https://${props.customDomain?.name ?? this.distribution.distributionDomainName}`;
    new CfnOutput(this, 'Url', { value: this.url, description: 'The service: pages, approval links and the API (CloudFront)' });
    new CfnOutput(this, 'DistributionDomainName', {
      value: this.distribution.distributionDomainName,
      description: 'Point the custom domain (offshore:domainName) here with a CNAME or an alias record',
    });
  }

  /**
   * CDK's asset-copying function (BucketDeployment's provider) is aws-cdk-lib's, not the project's:
   * its runtime, its grants' wildcards and how it is invoked are CDK's choice. Each finding on it is
   * acknowledged by name, the wildcards read from its policy as built.
   */
  private acknowledgeAssetDeployment(role: Role): void {
    const stack = Stack.of(this);
    const provider = stack.node.children.find((child) => child.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (!provider) throw new Error('BucketDeployment created no provider function');
    const chosenByCdk =
      "CDK's own asset-copying function (aws-s3-deployment's provider): aws-cdk-lib chooses its runtime, and moves it forward with each release.";
    acknowledge(provider, 'AwsSolutions-L1', chosenByCdk);
    acknowledge(provider, 'Serverless-LambdaLatestVersion', chosenByCdk);
    acknowledge(
      provider,
      'Serverless-LambdaDLQ',
      'Invoked synchronously by CloudFormation, as a custom resource, only during a deployment: a failure fails and rolls back the deployment, so there is nothing for a dead-letter queue to hold.',
    );
    acknowledge(
      provider,
      'Serverless-LambdaTracing',
      'Runs only during a deployment, for CloudFormation; its encrypted log group and the stack events record every run.',
    );
    const policy = role.node.tryFindChild('DefaultPolicy') as Policy | undefined;
    const statements =
      (stack.resolve(policy?.document) as { Statement?: { Action: string | string[]; Resource: unknown }[] } | undefined)?.Statement ?? [];
    for (const statement of statements) {
      for (const action of [statement.Action].flat().filter((a) => a.includes('*'))) {
        acknowledge(
          role,
          `AwsSolutions-IAM5[Action::${action}]`,
          "aws-s3-deployment's grant: reading the staged asset and writing, listing and tidying the assets bucket's objects; CDK writes the action groups.",
        );
      }
      for (const resource of [statement.Resource].flat()) {
        const finding = wildcardResourceFinding(this, resource as string);
        if (finding.includes('*'))
          acknowledge(
            role,
            finding,
            "aws-s3-deployment's grant: the objects of CDK's staging bucket and of the assets bucket, whose keys are the assets' names.",
          );
      }
    }
  }
}
