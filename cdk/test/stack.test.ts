/**
 * The stack as a whole: cdk-nag finds nothing unsuppressed, no secret-looking string is in the
 * template, the outputs are there, and synth needs no lookups for a concrete account and region.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Token } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { synth, trellis } from './helpers';

const { app, stack, template } = trellis();
const id = (construct: { node: { defaultChild?: unknown } }) => stack.getLogicalId(construct.node.defaultChild as never);

describe('cdk-nag (AWS Solutions)', () => {
  const annotations = Annotations.fromStack(stack);

  test('no unsuppressed error', () => {
    const errors = annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    assert.deepEqual(errors.map((e) => `${e.id}: ${JSON.stringify(e.entry.data).slice(0, 160)}`), []);
  });

  test('no unsuppressed warning', () => {
    const warnings = annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-.*'));
    assert.deepEqual(warnings.map((w) => `${w.id}: ${JSON.stringify(w.entry.data).slice(0, 160)}`), []);
  });

  test('no stack-wide suppression: every one sits on a resource, with a reason', () => {
    const json = template.toJSON() as { Metadata?: Record<string, unknown>; Resources: Record<string, { Metadata?: Record<string, unknown> }> };
    assert.equal(json.Metadata?.cdk_nag, undefined);
    let count = 0;
    for (const resource of Object.values(json.Resources)) {
      const rules = (resource.Metadata?.cdk_nag as { rules_to_suppress?: { id: string; reason: string }[] } | undefined)?.rules_to_suppress ?? [];
      for (const rule of rules) {
        assert.match(rule.id, /^AwsSolutions-[A-Z0-9]+$/);
        assert.ok(rule.reason.length >= 40, `${rule.id}: ${rule.reason}`);
        count += 1;
      }
    }
    assert.ok(count > 0);
  });

  test('suppressions sit on the resource a rule is about, not on its neighbours', () => {
    const json = template.toJSON() as { Resources: Record<string, { Type: string; Metadata?: Record<string, unknown> }> };
    const types = new Set(
      Object.values(json.Resources)
        .filter((r) => r.Metadata?.cdk_nag !== undefined)
        .map((r) => r.Type),
    );
    assert.deepEqual([...types].sort(), [
      'AWS::ApiGatewayV2::Route',
      'AWS::CloudFront::Distribution',
      'AWS::EC2::VPC',
      'AWS::ECS::Cluster',
      'AWS::IAM::Policy',
      'AWS::IAM::Role',
      'AWS::Lambda::Function',
      'AWS::S3::Bucket',
      'AWS::SecretsManager::Secret',
    ]);
  });
});

describe('no secrets in the template', () => {
  const json = JSON.stringify(template.toJSON());

  test('no string that looks like a credential or a token', () => {
    for (const pattern of [
      /AKIA[0-9A-Z]{16}/,
      /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
      /gh[pousr]_[A-Za-z0-9]{20,}/,
      /github_pat_[A-Za-z0-9_]{20,}/,
      /xox[abpr]-[A-Za-z0-9-]{10,}/,
    ]) {
      assert.doesNotMatch(json, pattern);
    }
  });

  test('no long random-looking word (a generated token would be one) but asset hashes', () => {
    // CamelCase names change character class about once a word; random letters and digits do
    // so at about two characters in three.
    const classOf = (c: string) => (/[0-9]/.test(c) ? 'd' : c === c.toUpperCase() ? 'u' : 'l');
    const randomLooking = (word: string) => {
      let changes = 0;
      for (let i = 1; i < word.length; i += 1) if (classOf(word.charAt(i)) !== classOf(word.charAt(i - 1))) changes += 1;
      return changes / word.length > 0.4;
    };
    const t = template.toJSON() as Record<string, object | undefined>;
    const logicalIds = new Set(['Resources', 'Outputs', 'Conditions'].flatMap((k) => Object.keys(t[k] ?? {})));
    const suspicious = [...json.matchAll(/[A-Za-z0-9]{24,}/g)]
      .map((m) => m[0])
      .filter((word) => !logicalIds.has(word))
      .filter((word) => !/^[0-9a-f]{64}$/.test(word)) // asset hashes
      .map((word) => word.replace(/[0-9A-F]{8}$/, '')) // CDK's generated names end in a hash
      .filter(randomLooking);
    assert.deepEqual(suspicious, []);
    assert.ok(randomLooking('q8ZrT3kLm9XvB2nW7yHc4Jf6Gd1Ps5Ra'));
  });
});

describe('outputs', () => {
  const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;

  test('every output an administrator needs', () => {
    assert.deepEqual(Object.keys(outputs).sort(), [
      'ApiTokenSecretArn',
      'ApiUrl',
      'DashboardUrl',
      'GitHubAppSecretArn',
      'SignInToken',
      'WebSocketUrl',
      'WebhookSecret',
      'WebhookSecretArn',
      'WebhookUrl',
    ]);
  });

  test('SignInToken and WebhookSecret are commands that print the value, not the value', () => {
    for (const [name, secret] of [['SignInToken', stack.secrets.apiToken], ['WebhookSecret', stack.secrets.webhookSecret]] as const) {
      assert.deepEqual(outputs[name]?.Value, {
        'Fn::Join': [
          '',
          ['aws secretsmanager get-secret-value --secret-id ', { Ref: id(secret) }, ' --query SecretString --output text'],
        ],
      });
    }
  });

  test('the webhook URL is the HTTP API\'s, on the manifest\'s webhook path', () => {
    const url = JSON.stringify(outputs.WebhookUrl?.Value);
    assert.ok(url.includes(`"https://",{"Ref":"${id(stack.httpApi.api)}"},".execute-api.",`), url);
    assert.ok(url.endsWith(`"/api/webhooks/github"]]}`), url);
    assert.deepEqual(outputs.DashboardUrl?.Value, {
      'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [id(stack.dashboard.distribution), 'DomainName'] }]],
    });
  });
});

describe('synth', () => {
  test('is region- and account-agnostic without credentials', () => {
    assert.ok(Token.isUnresolved(stack.region));
    assert.ok(Token.isUnresolved(stack.account));
    assert.doesNotMatch(JSON.stringify(template.toJSON()), /\b\d{12}\b/);
    assert.equal(app.synth().manifest.missing, undefined);
  });

  test('with a concrete account and region, and another stack name, needs no lookup', () => {
    const other = synth(
      { account: '111122223333', region: 'eu-west-1', stackName: 'TrellisStaging', deployRolePrefix: 'acme-deploy-' },
      false,
    );
    assert.equal(other.stack.stackName, 'TrellisStaging');
    assert.equal(other.app.synth().manifest.missing, undefined);
    assert.equal(other.stack.environmentValues.TRELLIS_SECRETS_PREFIX, 'trellis/TrellisStaging');
    const json = JSON.stringify(other.template.toJSON());
    assert.ok(json.includes(':role/acme-deploy-*'));
    assert.ok(json.includes('"Family":"TrellisStaging-runner"'));
    assert.ok(json.includes('Fn::GetAZs'));
  });

  test('GitHub Enterprise Server, session length and audit retention come from context', () => {
    assert.equal(stack.environmentValues.TRELLIS_GITHUB_URL, 'https://github.com');
    assert.equal(stack.environmentValues.TRELLIS_AUDIT_RETENTION_DAYS, '365');
    const ghes = synth(
      {
        githubUrl: 'https://github.acme.example',
        githubApiUrl: 'https://github.acme.example/api/v3',
        sessionHours: 8,
        auditRetentionDays: 30,
      },
      false,
    );
    const values = ghes.stack.environmentValues;
    assert.deepEqual(
      [values.TRELLIS_GITHUB_URL, values.TRELLIS_GITHUB_API, values.TRELLIS_SESSION_HOURS, values.TRELLIS_AUDIT_RETENTION_DAYS],
      ['https://github.acme.example', 'https://github.acme.example/api/v3', '8', '30'],
    );
    assert.throws(() => synth({ githubUrl: 'http://github.acme.example' }, false), /context "githubUrl"/);
    assert.throws(() => synth({ auditRetentionDays: 0 }, false), /context "auditRetentionDays": must be an integer from 1 to 3650/);
  });
});
