import { CfnOutput, Duration } from 'aws-cdk-lib';
import { HttpJwtAuthorizer, HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, HttpNoneAuthorizer, LogGroupLogDestination, type HttpStage, type ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { acknowledge } from '../nag.ts';

export interface ApiRouteBinding {
  readonly method: string;
  /** API Gateway path syntax: `{name}` for a path parameter. */
  readonly path: string;
  readonly handler: IFunction;
  /** Names the integration (one per function, shared by that function's routes). */
  readonly handlerName: string;
  /**
   * 'jwt': the department's identity provider; 'approvalLink': the link authorizer; 'session': a
   * page with no API Gateway authorizer, whose function reads its own encrypted session cookie.
   */
  readonly auth: 'jwt' | 'approvalLink' | 'session';
}

export interface ApprovalsApiProps {
  readonly routes: readonly ApiRouteBinding[];
  /** The department's OIDC provider, which signs the tokens of service owners and the security team. */
  readonly identityProvider: { readonly issuer: string; readonly audience: string };
  /**
   * Authorizes the approver's pages by the link token (functions/authorize-approval-link.ts).
   * @default - none; required when a route has `auth: 'approvalLink'`
   */
  readonly linkAuthorizer?: IFunction;
  /**
   * Default-stage throttling for the whole API.
   * @default { rateLimit: 20, burstLimit: 40 }: far above the offshoring request volume of a
   * department, low enough that a runaway client cannot run up Lambda or SES costs.
   */
  readonly throttle?: ThrottleSettings;
  /**
   * Retention of the access log group.
   * @default RetentionDays.ONE_YEAR
   */
  readonly accessLogRetention?: RetentionDays;
  /** Encrypts the access logs (they hold callers' IP addresses). */
  readonly logKey: IKey;
}

/** The service's HTTP API: one route per catalogue route, a throttled `$default` stage with JSON access logs. */
export class ApprovalsApi extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: ApprovalsApiProps) {
    super(scope, id);
    this.httpApi = new HttpApi(this, 'HttpApi', {
      description: 'Offshore approvals: offshoring requests and their approvals',
      createDefaultStage: false,
    });
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? RetentionDays.ONE_YEAR,
      encryptionKey: props.logKey,
    });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 20, burstLimit: 40 },
      accessLogSettings: {
        destination: new LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationStatus: '$context.integrationStatus',
            integrationError: '$context.integrationErrorMessage',
            error: '$context.error.message',
          }),
        ),
      },
    });

    // Every API route is authorized: service owners and the security team by the department's identity
    // provider (JWT), approvers (who have no account) by the single-use link token. Pages for people in
    // a browser ('session') carry no bearer token: their function decrypts its session cookie and sends
    // anyone without one to sign in.
    const jwt = new HttpJwtAuthorizer('DepartmentIdentity', props.identityProvider.issuer, {
      jwtAudience: [props.identityProvider.audience],
      identitySource: ['$request.header.Authorization'],
    });
    const approvalLink = props.linkAuthorizer
      ? new HttpLambdaAuthorizer('ApprovalLink', props.linkAuthorizer, {
          responseTypes: [HttpLambdaResponseType.SIMPLE],
          // API Gateway answers 401 without calling the function when the link has no token.
          identitySource: ['$request.querystring.token'],
          // Never cached: a link is checked on every use.
          resultsCacheTtl: Duration.seconds(0),
        })
      : undefined;
    const none = new HttpNoneAuthorizer();
    const authorizerFor = (route: ApiRouteBinding) => {
      if (route.auth === 'jwt') return jwt;
      if (route.auth === 'session') return none;
      if (!approvalLink) throw new Error(`Route ${route.method} ${route.path} needs the approval link authorizer, and none was given`);
      return approvalLink;
    };
    const integrations = new Map<IFunction, HttpLambdaIntegration>();
    for (const route of props.routes) {
      let integration = integrations.get(route.handler);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.handlerName}Integration`, route.handler);
        integrations.set(route.handler, integration);
      }
      const method = HttpMethod[route.method as keyof typeof HttpMethod];
      const [added] = this.httpApi.addRoutes({ path: route.path, methods: [method], integration, authorizer: authorizerFor(route) });
      if (route.auth === 'session' && added) {
        acknowledge(
          added,
          'AwsSolutions-APIG4',
          "A page for people in a browser: its function authorizes every request by the encrypted, HttpOnly session cookie set at sign-in (OpenID Connect with PKCE), and sends anyone without one to sign in; a browser sends no bearer token for API Gateway's JWT authorizer to check.",
        );
      }
    }

    new CfnOutput(this, 'Url', { value: this.url, description: 'Base URL of the offshore approvals API' });
  }

  /** The default stage's URL, with a trailing slash. */
  get url(): string {
    return this.stage.url;
  }
}
