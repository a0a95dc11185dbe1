import type { components } from './schema';

type Schemas = components['schemas'];

export type App = Schemas['AppView'];
export type Environment = Schemas['EnvironmentView'];
export type Preview = Schemas['PreviewView'];
export type Deployment = Schemas['DeploymentView'];
export type Commit = Schemas['CommitView'];
export type LogLine = Schemas['LogLineView'];
export type Logs = Schemas['LogsView'];
export type Repository = Schemas['RepositoryView'];
export type Settings = Schemas['SettingsView'];
export type SettingsPatch = Schemas['SettingsPatchRequest'];
export type CreateAppRequest = Schemas['CreateAppRequest'];
export type UpdateEnvironmentRequest = Schemas['UpdateEnvironmentRequest'];
export type EnvironmentState = Schemas['EnvironmentState'];
export type DeploymentStatus = Schemas['DeploymentStatus'];
export type Trigger = Schemas['Trigger'];
export type ErrorDetail = Schemas['ErrorDetail'];
export type Role = Schemas['RoleName'];
export type GithubApp = Schemas['GithubAppView'];
export type PersonalToken = Schemas['TokenView'];
export type Member = Schemas['MemberView'];
export type CreatedToken = Schemas['CreatedTokenView'];
export type GithubManifestRequest = Schemas['GithubManifestRequest'];
export type GithubManifest = Schemas['GithubManifestView'];
export type Me = Schemas['MeView'];
export type AuditEntry = Schemas['AuditEntryView'];
export type LiveTicket = Schemas['LiveTicketView'];
export type GithubRepository = Schemas['GithubRepositoryView'];
export type GithubRepositories = Schemas['GithubRepositoriesView'];
export type Branch = Schemas['BranchView'];
export type PromotionPreview = Schemas['PromotionPreviewView'];
export type ConfigChange = Schemas['ConfigChangeView'];
export type Feedback = Schemas['FeedbackView'];
export type Destination = Schemas['DestinationView'];
export type DestinationKind = Schemas['DestinationKindName'];
export type CreateDestinationRequest = Schemas['CreateDestinationRequest'];
export type CreatedDestination = Schemas['CreatedDestinationView'];
export type Delivery = Schemas['DeliveryView'];
export type DependencyCache = Schemas['CacheView'];
export type CacheEntry = Schemas['CacheEntryView'];
export type CacheReport = Schemas['CacheReportView'];
export type CacheStatus = Schemas['CacheStatus'];
export type ClearedCache = Schemas['ClearedCacheView'];

export const TERMINAL_STATUSES: readonly DeploymentStatus[] = ['succeeded', 'failed', 'cancelled'];

export function isTerminal(status: DeploymentStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export function isActive(status: DeploymentStatus): boolean {
  return status === 'awaiting_approval' || status === 'queued' || status === 'running';
}
