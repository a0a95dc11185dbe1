/**
 * TrellisStack: everything functions.json asks for. Each manifest resource symbol is bound to
 * its ARNs and each environment variable to its value (bindings.ts); the Functions construct
 * then gives every function exactly what its manifest entry lists, and each function's trigger
 * is wired to the API, log group, rule or schedule it names.
 */
import { Fn, Stack } from 'aws-cdk-lib';
import type { StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { environmentValues, resourceBindings } from './bindings';
import type { TrellisConfig } from './config';
import { Dashboard } from './dashboard';
import { Data } from './data';
import { Triggers } from './events';
import { Functions } from './functions';
import type { EnvironmentValues, ResourceBindings } from './functions';
import { HttpApi } from './http-api';
import type { HttpRouteTarget } from './http-api';
import type { Manifest } from './manifest';
import { addOutputs } from './outputs';
import { Runner } from './runner';
import { Secrets } from './secrets';
import { WebSocketApi } from './websocket-api';
import type { WebSocketRouteTarget } from './websocket-api';

export interface TrellisStackProps extends StackProps {
  config: TrellisConfig;
  manifest: Manifest;
}

export class TrellisStack extends Stack {
  readonly manifest: Manifest;
  readonly data: Data;
  readonly secrets: Secrets;
  readonly runner: Runner;
  readonly webSocketApi: WebSocketApi;
  readonly functions: Functions;
  readonly httpApi: HttpApi;
  readonly dashboard: Dashboard;
  /** The ARNs each manifest resource symbol stands for. */
  readonly resourceBindings: ResourceBindings;
  /** The value of each manifest environment variable. */
  readonly environmentValues: EnvironmentValues;

  constructor(scope: Construct, id: string, props: TrellisStackProps) {
    super(scope, id, props);
    const { config, manifest } = props;
    this.manifest = manifest;

    this.data = new Data(this, 'Data', {
      table: manifest.table,
      runner: manifest.runner,
      cacheDays: config.dependencyCacheDays,
    });
    this.secrets = new Secrets(this, 'Secrets', { stackName: this.stackName });
    this.runner = new Runner(this, 'Runner', {
      family: `${this.stackName}-runner`,
      containerName: manifest.runner.container,
      cpu: config.runnerCpu,
      memoryMiB: config.runnerMemoryMb,
      logRetention: config.logRetention,
    });
    // Before the functions (they need its id); its routes come after them.
    this.webSocketApi = new WebSocketApi(this, 'WebSocket', {
      name: `${this.stackName}-live`,
      throttle: config.webSocketThrottle,
      accessLogRetention: config.accessLogRetention,
      setAccountCloudWatchRole: config.apiGatewayCloudWatchRole,
    });

    const parts = { config, manifest, ...this.partsForBindings() };
    this.resourceBindings = resourceBindings(this, parts);
    this.environmentValues = environmentValues(this, parts);
    this.functions = new Functions(this, 'Functions', {
      specs: manifest.functions,
      assets: config.lambdaAssets,
      logRetention: config.logRetention,
      environment: this.environmentValues,
      resources: this.resourceBindings,
    });

    // Every trigger type is handled here; a new one fails to compile until it is.
    const httpRoutes: HttpRouteTarget[] = [];
    const webSocketRoutes: WebSocketRouteTarget[] = [];
    const triggers = new Triggers(this, 'Triggers');
    for (const spec of manifest.functions) {
      const handler = this.functions.get(spec.name);
      const trigger = spec.trigger;
      switch (trigger.type) {
        case 'http':
          httpRoutes.push({ spec: { ...spec, trigger }, handler });
          break;
        case 'websocket':
          webSocketRoutes.push({ spec: { ...spec, trigger }, handler });
          break;
        case 'logSubscription':
          triggers.subscribeToRunnerLogs(spec.name, handler, this.runner.logGroup);
          break;
        case 'taskStateChange':
          triggers.onTaskStateChange(spec.name, handler, this.runner.cluster);
          break;
        case 'schedule':
          triggers.onSchedule(spec.name, handler, trigger.rateMinutes);
          break;
        default: {
          const unhandled: never = trigger;
          throw new Error(`unhandled trigger ${JSON.stringify(unhandled)}`);
        }
      }
    }
    this.webSocketApi.addRoutes(webSocketRoutes);
    this.httpApi = new HttpApi(this, 'Http', {
      name: `${this.stackName}-api`,
      routes: httpRoutes,
      throttle: config.apiThrottle,
      accessLogRetention: config.accessLogRetention,
    });

    this.dashboard = new Dashboard(this, 'Dashboard', {
      dir: config.dashboardDir,
      apiDomainName: this.httpApi.domainName,
      webSocketUrl: this.webSocketApi.url,
      webSocketOrigin: this.webSocketApi.origin,
      priceClass: config.priceClass,
      logRetention: config.logRetention,
    });

    addOutputs(this, httpRoutes);
  }

  /** Resolved at deploy time, so synth needs no availability-zone lookup (works offline). */
  override get availabilityZones(): string[] {
    return [Fn.select(0, Fn.getAzs()), Fn.select(1, Fn.getAzs())];
  }

  private partsForBindings() {
    return {
      data: this.data,
      secrets: this.secrets,
      runner: this.runner,
      webSocketApi: this.webSocketApi,
    };
  }
}
