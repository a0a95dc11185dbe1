/**
 * The dashboard: a private bucket behind CloudFront (Origin Access Control), `/api/*` routed to
 * the HTTP API uncached, strict security headers, and `config.json` telling the SPA where the
 * WebSocket API is. Extension-less paths are rewritten to /index.html by a CloudFront Function
 * on the default behaviour only, so the API's own 404s stay JSON.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { requireFile } from './config';
import { ARN_HEAD, literal, suppress, suppressWildcards } from './nag';

export const DASHBOARD_BUILD = 'npm --prefix dashboard ci && npm --prefix dashboard run build';

/** Serves index.html for client-side routes (paths whose last segment has no extension). */
export const SPA_REWRITE = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri.indexOf('.', uri.lastIndexOf('/') + 1) === -1) {
    request.uri = '/index.html';
  }
  return request;
}`;

export interface DashboardProps {
  /** The built SPA (index.html and its assets). */
  dir: string;
  /** `<api id>.execute-api.<region>.<url suffix>` of the HTTP API. */
  apiDomainName: string;
  /** `wss://…/live` */
  webSocketUrl: string;
  /** `wss://<ws api id>.execute-api.<region>.<url suffix>` for connect-src. */
  webSocketOrigin: string;
  priceClass: cloudfront.PriceClass;
  logRetention: logs.RetentionDays;
}

export class Dashboard extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly url: string;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    requireFile(path.join(props.dir, 'index.html'), 'the dashboard build (context "dashboardDir")', DASHBOARD_BUILD);

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      encryption: s3.BucketEncryption.S3_MANAGED,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    });
    suppress(this.bucket, {
      'AwsSolutions-S1':
        'Holds only the public dashboard build, read solely by CloudFront through Origin Access ' +
        'Control and written solely by the deployment; access logs would add a bucket and cost, not insight.',
    });

    const csp = [
      "default-src 'self'",
      `connect-src 'self' ${props.webSocketOrigin}`,
      "img-src 'self' data:",
      "style-src 'self'",
      "script-src 'self'",
      "frame-ancestors 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "object-src 'none'",
    ].join('; ');
    const securityHeaders: cloudfront.ResponseSecurityHeadersBehavior = {
      contentSecurityPolicy: { contentSecurityPolicy: csp, override: true },
      strictTransportSecurity: {
        accessControlMaxAge: Duration.days(365),
        includeSubdomains: true,
        override: true,
      },
      frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
      contentTypeOptions: { override: true },
      referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
    };
    const headers = (cacheControl: string, comment: string) =>
      new cloudfront.ResponseHeadersPolicy(this, comment.replace(/[^A-Za-z]/g, ''), {
        comment: `Trellis ${comment}: security headers, Cache-Control ${cacheControl} unless set`,
        securityHeadersBehavior: securityHeaders,
        customHeadersBehavior: {
          customHeaders: [{ header: 'Cache-Control', value: cacheControl, override: false }],
        },
      });

    const spaRewrite = new cloudfront.Function(this, 'SpaRewrite', {
      comment: 'Trellis dashboard: client-side routes get /index.html',
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      code: cloudfront.FunctionCode.fromInline(SPA_REWRITE),
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: `Trellis dashboard and API (${Stack.of(this).stackName})`,
      defaultRootObject: 'index.html',
      priceClass: props.priceClass,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        // The assets' names carry their hash; index.html and config.json are revalidated.
        responseHeadersPolicy: headers('no-cache', 'dashboard headers'),
        functionAssociations: [
          { function: spaRewrite, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
        ],
      },
      additionalBehaviors: {
        '/api/*': {
          origin: new origins.HttpOrigin(props.apiDomainName, {
            protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
            originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
          }),
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
          cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
          // Everything but Host (API Gateway answers only to its own name), Authorization included.
          originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
          responseHeadersPolicy: headers('no-store', 'API headers'),
        },
      },
    });
    suppress(this.distribution, {
      'AwsSolutions-CFR1':
        'Trellis is used by its own team from wherever they are; every API call needs the token.',
      'AwsSolutions-CFR2':
        'A web ACL costs a monthly fee per distribution, more than the rest of an idle Trellis; ' +
        'API Gateway throttles every route and the functions authenticate every call.',
      'AwsSolutions-CFR3':
        'CloudFront standard logs need an ACL-enabled log bucket; API calls are already in the ' +
        "HTTP API's access log and the dashboard is static files.",
      'AwsSolutions-CFR4':
        'Uses the default *.cloudfront.net certificate, whose security policy CloudFront fixes; ' +
        'a custom domain with TLSv1.2_2021 needs a certificate this stack does not own.',
    });

    this.url = `https://${this.distribution.distributionDomainName}`;

    // The deployment's handler (a CDK-provided singleton Lambda) gets a role without AWS managed
    // policies, writing only to its own log group.
    const handlerLogs = new logs.LogGroup(this, 'ContentHandlerLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const handlerRole = new InvalidatesOneDistribution(this, 'ContentHandlerRole', {
      distributionArn: this.distribution.distributionArn,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Trellis dashboard deployment: copies the build into the dashboard bucket',
      inlinePolicies: {
        logs: new iam.PolicyDocument({
          statements: [
            new iam.PolicyStatement({
              actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
              resources: [handlerLogs.logGroupArn],
            }),
          ],
        }),
      },
    });
    const deployment = new s3deploy.BucketDeployment(this, 'Content', {
      role: handlerRole,
      logGroup: handlerLogs,
      sources: [
        s3deploy.Source.asset(props.dir),
        s3deploy.Source.jsonData('config.json', { websocketUrl: props.webSocketUrl }),
      ],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      memoryLimit: 512,
    });
    const stack = Stack.of(this);
    for (const handler of stack.node.children.filter((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'))) {
      suppress(handler, {
        'AwsSolutions-L1':
          "CDK's BucketDeployment handler: its Python runtime is chosen by aws-cdk-lib and moves " +
          'with it; it runs only during deployments.',
      });
    }
    const copy =
      "CDK's BucketDeployment handler copies the build from the CDK asset bucket into the " +
      'dashboard bucket (and prunes old files): object-level access to those two buckets only.';
    suppressWildcards(deployment.handlerRole, [
      ...['Abort*', 'DeleteObject*', 'GetBucket*', 'GetObject*', 'List*'].map((action) => ({
        finding: new RegExp(`^Action::s3:${literal(action)}$`),
        reason: copy,
      })),
      { finding: /^Resource::<DashboardBucket[A-Za-z0-9]+\.Arn>\/\*$/, reason: copy },
      { finding: new RegExp(`^Resource::${ARN_HEAD('s3')}cdk-[a-z0-9]+-assets-[^/]+/\\*$`), reason: copy },
    ]);
  }
}

/**
 * The deployment handler's role. BucketDeployment grants CloudFront invalidations on "*"; this
 * role narrows that statement to the one distribution it serves.
 */
class InvalidatesOneDistribution extends iam.Role {
  private readonly distributionArn: string;

  constructor(scope: Construct, id: string, props: iam.RoleProps & { distributionArn: string }) {
    const { distributionArn, ...roleProps } = props;
    super(scope, id, roleProps);
    this.distributionArn = distributionArn;
  }

  override addToPrincipalPolicy(statement: iam.PolicyStatement): iam.AddToPrincipalPolicyResult {
    const json = statement.toStatementJson() as { Action?: string | string[]; Resource?: string | string[] };
    const actions = ([] as string[]).concat(json.Action ?? []);
    if (actions.length > 0 && actions.every((a) => a.startsWith('cloudfront:')) && json.Resource === '*') {
      return super.addToPrincipalPolicy(
        new iam.PolicyStatement({ actions, resources: [this.distributionArn] }),
      );
    }
    return super.addToPrincipalPolicy(statement);
  }
}
