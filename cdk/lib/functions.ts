/**
 * One Lambda per manifest entry, each with its own role and log group. A role holds exactly two
 * inline policies: writing to the function's own log group, and the manifest's actions on the
 * manifest's resources (nothing more), so the manifest is the one place permissions change.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { EnvironmentVariable, FunctionSpec, ResourceSymbol } from './manifest';
import { suppressWildcards } from './nag';
import type { Wildcard } from './nag';

/** What a manifest resource symbol means in this stack. */
export interface ResourceBinding {
  arns: string[];
  /** Conditions for a statement granting `action` on these ARNs, if any. */
  conditions?: (action: string) => iam.Conditions | undefined;
  /** Why the wildcards in `arns` are as narrow as they can be (cdk-nag IAM5). */
  wildcards?: Wildcard[];
}

export type ResourceBindings = Record<ResourceSymbol, ResourceBinding>;
export type EnvironmentValues = Record<EnvironmentVariable, string>;

/** The Sid of the statement that lets a function write its own log group. */
export const LOG_STATEMENT_SID = 'WriteOwnLogGroup';

/** `environment-deploy` → `EnvironmentDeploy` (construct ids and Sids). */
export function pascal(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .filter((p) => p !== '')
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

export interface FunctionsProps {
  specs: FunctionSpec[];
  /** Directory holding `<name>/bootstrap` for every function (cargo-lambda's output). */
  assets: string;
  logRetention: logs.RetentionDays;
  environment: EnvironmentValues;
  resources: ResourceBindings;
}

/** The manifest's permissions as statements: one per resource and set of conditions. */
export function permissionStatements(spec: FunctionSpec, resources: ResourceBindings): iam.PolicyStatement[] {
  const statements: iam.PolicyStatement[] = [];
  for (const permission of spec.permissions) {
    const binding = resources[permission.resource];
    const groups = new Map<string, { actions: string[]; conditions: iam.Conditions | undefined }>();
    for (const action of permission.actions) {
      const conditions = binding.conditions?.(action);
      const key = JSON.stringify(conditions ?? null);
      const group = groups.get(key) ?? { actions: [], conditions };
      group.actions.push(action);
      groups.set(key, group);
    }
    let n = 0;
    for (const group of groups.values()) {
      statements.push(
        new iam.PolicyStatement({
          sid: `${pascal(permission.resource)}${n === 0 ? '' : String(n)}`,
          actions: group.actions,
          resources: binding.arns,
          ...(group.conditions === undefined ? {} : { conditions: group.conditions }),
        }),
      );
      n += 1;
    }
  }
  return statements;
}

export class Functions extends Construct {
  /** Every function, by manifest name. */
  readonly byName = new Map<string, lambda.Function>();

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const missing = props.specs
      .map((spec) => path.join(props.assets, spec.name, 'bootstrap'))
      .filter((file) => !existsSync(file));
    if (missing.length > 0) {
      throw new Error(
        `${String(missing.length)} of ${String(props.specs.length)} Lambda bootstraps are missing ` +
          `under ${props.assets} (context "lambdaAssets"), e.g. ${missing.slice(0, 3).join(', ')}. ` +
          'Build them first, from the repository root: bash .ci/package-lambdas',
      );
    }
    for (const spec of props.specs) {
      this.byName.set(spec.name, this.createFunction(spec, props));
    }
  }

  get(name: string): lambda.Function {
    const fn = this.byName.get(name);
    if (!fn) throw new Error(`no function named ${name}`);
    return fn;
  }

  private createFunction(spec: FunctionSpec, props: FunctionsProps): lambda.Function {
    const id = pascal(spec.name);
    const dir = path.join(props.assets, spec.name);

    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const inlinePolicies: Record<string, iam.PolicyDocument> = {
      logs: new iam.PolicyDocument({
        statements: [
          new iam.PolicyStatement({
            sid: LOG_STATEMENT_SID,
            actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
            resources: [logGroup.logGroupArn],
          }),
        ],
      }),
    };
    const statements = permissionStatements(spec, props.resources);
    if (statements.length > 0) {
      inlinePolicies.manifest = new iam.PolicyDocument({ statements });
    }
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Trellis ${spec.name}: its log group and the permissions functions.json lists`,
      inlinePolicies,
    });
    suppressWildcards(
      role,
      spec.permissions.flatMap((p) => props.resources[p.resource].wildcards ?? []),
    );

    return new lambda.Function(this, id, {
      description: spec.summary.slice(0, 256),
      runtime: lambda.Runtime.PROVIDED_AL2023,
      architecture: lambda.Architecture.X86_64,
      handler: 'bootstrap',
      code: lambda.Code.fromAsset(dir),
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      role,
      logGroup,
      environment: Object.fromEntries(spec.environment.map((name) => [name, props.environment[name]])),
    });
  }
}
