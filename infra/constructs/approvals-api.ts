import { CfnOutput } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import { HttpApi, HttpMethod, LogGroupLogDestination, type HttpStage, type ThrottleSettings } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
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
}

export interface ApprovalsApiProps {
  readonly routes: readonly ApiRouteBinding[];
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
    this.accessLogs = new LogGroup(this, 'AccessLogs', { retention: props.accessLogRetention ?? RetentionDays.ONE_YEAR });
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

    const integrations = new Map<IFunction, HttpLambdaIntegration>();
    for (const route of props.routes) {
      let integration = integrations.get(route.handler);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${route.handlerName}Integration`, route.handler);
        integrations.set(route.handler, integration);
      }
      const method = HttpMethod[route.method as keyof typeof HttpMethod];
      for (const httpRoute of this.httpApi.addRoutes({ path: route.path, methods: [method], integration })) {
        // TODO(issue-6): remove with the JWT authorizer; issue 6 allows no authorization acknowledgement.
        acknowledge(httpRoute, 'AwsSolutions-APIG4', 'TODO(issue-6): JWT authorizer lands with issue 6.');
      }
    }

    new CfnOutput(this, 'Url', { value: this.url, description: 'Base URL of the offshore approvals API' });
  }

  /** The default stage's URL, with a trailing slash. */
  get url(): string {
    return this.stage.url;
  }
}
