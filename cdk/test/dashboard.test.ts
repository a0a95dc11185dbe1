/** The dashboard: private bucket behind CloudFront, /api/* to the HTTP API uncached, strict headers. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { runInNewContext } from 'node:vm';
import { Match } from 'aws-cdk-lib/assertions';
import { SPA_REWRITE } from '../lib/dashboard';
import { trellis } from './helpers';

const { app, stack, template } = trellis();
const id = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);

// Managed policy ids (the same in every account).
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST_HEADER = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

interface Behavior {
  TargetOriginId: string;
  PathPattern?: string;
  CachePolicyId: unknown;
  OriginRequestPolicyId?: unknown;
  ResponseHeadersPolicyId?: { Ref: string };
  ViewerProtocolPolicy: string;
  AllowedMethods?: string[];
  FunctionAssociations?: { EventType: string; FunctionARN: unknown }[];
}
interface Origin {
  Id: string;
  DomainName: unknown;
  S3OriginConfig?: unknown;
  OriginAccessControlId?: unknown;
  CustomOriginConfig?: { OriginProtocolPolicy: string; OriginSSLProtocols: string[] };
}

const config = (
  template.findResources('AWS::CloudFront::Distribution')[id(stack.dashboard.distribution)] as {
    Properties: {
      DistributionConfig: {
        DefaultCacheBehavior: Behavior;
        CacheBehaviors: Behavior[];
        Origins: Origin[];
        DefaultRootObject: string;
        CustomErrorResponses?: unknown;
        PriceClass: string;
        Enabled: boolean;
      };
    };
  }
).Properties.DistributionConfig;
const origin = (b: Behavior) => config.Origins.find((o) => o.Id === b.TargetOriginId);

describe('CloudFront', () => {
  test('default behaviour: the private bucket through Origin Access Control, HTTPS, SPA rewrite', () => {
    const b = config.DefaultCacheBehavior;
    const o = origin(b);
    assert.ok(o);
    assert.deepEqual(o.DomainName, { 'Fn::GetAtt': [id(stack.dashboard.bucket), 'RegionalDomainName'] });
    assert.ok(o.OriginAccessControlId);
    assert.deepEqual(o.S3OriginConfig, { OriginAccessIdentity: '' });
    assert.equal(b.ViewerProtocolPolicy, 'redirect-to-https');
    assert.equal(b.FunctionAssociations?.length, 1);
    assert.equal(b.FunctionAssociations[0]?.EventType, 'viewer-request');
    assert.equal(config.DefaultRootObject, 'index.html');
    assert.equal(config.PriceClass, 'PriceClass_100');
  });

  test('no error responses: a missing API route stays a JSON 404', () => {
    assert.equal(config.CustomErrorResponses, undefined);
  });

  test('/api/* goes to the HTTP API over HTTPS, uncached, with every viewer header but Host', () => {
    assert.equal(config.CacheBehaviors.length, 1);
    const [api] = config.CacheBehaviors;
    assert.ok(api);
    assert.equal(api.PathPattern, '/api/*');
    assert.equal(api.CachePolicyId, CACHING_DISABLED);
    assert.equal(api.OriginRequestPolicyId, ALL_VIEWER_EXCEPT_HOST_HEADER);
    assert.deepEqual([...(api.AllowedMethods ?? [])].sort(), ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']);
    assert.equal(api.ViewerProtocolPolicy, 'redirect-to-https');
    assert.equal(api.FunctionAssociations, undefined);
    const o = origin(api);
    assert.ok(o?.CustomOriginConfig);
    assert.equal(o.CustomOriginConfig.OriginProtocolPolicy, 'https-only');
    assert.deepEqual(o.CustomOriginConfig.OriginSSLProtocols, ['TLSv1.2']);
    const domain = JSON.stringify(o.DomainName);
    assert.ok(domain.includes(`{"Ref":"${id(stack.httpApi.api)}"},".execute-api.",{"Ref":"AWS::Region"}`), domain);
  });

  test('the SPA rewrite sends extension-less paths to /index.html and leaves files alone', () => {
    const handler = runInNewContext(`${SPA_REWRITE}; handler`) as (e: { request: { uri: string } }) => { uri: string };
    const uri = (u: string) => handler({ request: { uri: u } }).uri;
    assert.equal(uri('/'), '/index.html');
    assert.equal(uri('/apps/sample'), '/index.html');
    assert.equal(uri('/apps/v1.2/x'), '/index.html');
    assert.equal(uri('/assets/index-abc123.js'), '/assets/index-abc123.js');
    assert.equal(uri('/config.json'), '/config.json');
    template.hasResourceProperties('AWS::CloudFront::Function', {
      FunctionCode: SPA_REWRITE,
      FunctionConfig: Match.objectLike({ Runtime: 'cloudfront-js-2.0' }),
    });
  });
});

describe('response headers', () => {
  const policies = template.findResources('AWS::CloudFront::ResponseHeadersPolicy') as Record<
    string,
    { Properties: { ResponseHeadersPolicyConfig: { SecurityHeadersConfig: Record<string, Record<string, unknown>> } } }
  >;
  const used = [config.DefaultCacheBehavior, ...config.CacheBehaviors].map((b) => b.ResponseHeadersPolicyId?.Ref);

  test('every behaviour has one', () => {
    assert.equal(used.length, 2);
    for (const ref of used) assert.ok(ref && policies[ref]);
  });

  for (const [i, label] of ['dashboard', 'API'].entries()) {
    test(`${label}: CSP, HSTS, frame DENY, nosniff, referrer policy`, () => {
      const ref = used[i];
      assert.ok(ref);
      const security = policies[ref]?.Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
      assert.ok(security);
      const csp = JSON.stringify(security.ContentSecurityPolicy?.ContentSecurityPolicy);
      for (const directive of ["default-src 'self'", "frame-ancestors 'none'", "base-uri 'self'", "object-src 'none'", "img-src 'self' data:"]) {
        assert.ok(csp.includes(directive), `${directive} in ${csp}`);
      }
      assert.ok(!csp.includes('unsafe-eval'));
      const ws = id(stack.webSocketApi.api);
      assert.ok(csp.includes(`connect-src 'self' wss://",{"Ref":"${ws}"},".execute-api.",{"Ref":"AWS::Region"},".",{"Ref":"AWS::URLSuffix"}`), csp);
      assert.deepEqual(security.StrictTransportSecurity, {
        AccessControlMaxAgeSec: 31536000,
        IncludeSubdomains: true,
        Override: true,
      });
      assert.deepEqual(security.FrameOptions, { FrameOption: 'DENY', Override: true });
      assert.deepEqual(security.ContentTypeOptions, { Override: true });
      assert.equal(security.ReferrerPolicy?.ReferrerPolicy, 'no-referrer');
    });
  }
});

describe('content', () => {
  test('the bucket is private, SSL only, S3-managed encryption', () => {
    const bucket = template.findResources('AWS::S3::Bucket')[id(stack.dashboard.bucket)] as { Properties: Record<string, unknown> };
    assert.deepEqual(bucket.Properties.PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    assert.deepEqual(bucket.Properties.BucketEncryption, {
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    });
    assert.equal(bucket.Properties.WebsiteConfiguration, undefined);
  });

  test('the build and config.json (the WebSocket URL) are deployed, and the distribution invalidated', () => {
    const [deployment] = Object.values(template.findResources('Custom::CDKBucketDeployment')) as {
      Properties: Record<string, unknown>;
    }[];
    assert.ok(deployment);
    assert.deepEqual(deployment.Properties.DestinationBucketName, { Ref: id(stack.dashboard.bucket) });
    assert.deepEqual(deployment.Properties.DistributionId, { Ref: id(stack.dashboard.distribution) });
    assert.deepEqual(deployment.Properties.DistributionPaths, ['/*']);
    assert.equal((deployment.Properties.SourceObjectKeys as unknown[]).length, 2);
    // config.json is staged with markers that the deployment replaces with the markers' values.
    const markers = (deployment.Properties.SourceMarkers as Record<string, unknown>[])[1] ?? {};
    const staged = readdirSync(app.outdir)
      .map((d) => path.join(app.outdir, d, 'config.json'))
      .filter((f) => existsSync(f));
    assert.equal(staged.length, 1);
    const text = readFileSync(staged[0] ?? '', 'utf8');
    const resolved = Object.entries(markers).reduce(
      (acc, [marker, value]) => acc.replace(marker, JSON.stringify(value)),
      text,
    );
    assert.equal(
      resolved,
      `{"websocketUrl":"wss://${JSON.stringify({ Ref: id(stack.webSocketApi.api) })}.execute-api.` +
        `${JSON.stringify({ Ref: 'AWS::Region' })}.${JSON.stringify({ Ref: 'AWS::URLSuffix' })}/live"}`,
    );
  });

  test('the deployment handler may invalidate only this distribution', () => {
    const policy = JSON.stringify(template.findResources('AWS::IAM::Policy'));
    assert.ok(policy.includes('cloudfront:CreateInvalidation'));
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
      (p) => (p as { Properties: { PolicyDocument: { Statement: { Action: unknown; Resource: unknown }[] } } }).Properties.PolicyDocument.Statement,
    );
    const invalidation = statements.find((s) => JSON.stringify(s.Action).includes('cloudfront:'));
    assert.ok(invalidation);
    assert.ok(JSON.stringify(invalidation.Resource).includes(`:distribution/",{"Ref":"${id(stack.dashboard.distribution)}"}`));
  });
});
