//! The ports: what the domain needs from the outside world. Local (SQLite, child processes,
//! in-process hub) and AWS (DynamoDB, ECS, API Gateway) adapters implement them.

use std::collections::BTreeMap;

use async_trait::async_trait;

use crate::access::{AuditEntry, AuditQuery, Grant, GrantSource, PersonalToken, Session, User};
use crate::error::{LaunchError, SecretError, SourceError, StoreError};
use crate::job::RunnerJob;
use crate::model::{
    App, Commit, Connection, Deployment, Environment, LogLine, NewLogLine, Repository, Timestamp,
    Topic,
};

/// The condition a write is made under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The record must not exist yet; it is stored with version 1.
    Absent,
    /// The stored record must have this version; it is stored with version + 1.
    Version(u64),
}

/// One write of an atomic batch (a DynamoDB transaction item; a SQLite transaction statement).
#[derive(Debug, Clone)]
pub enum Write {
    PutApp(App, Expect),
    PutEnvironment(Environment, Expect),
    PutDeployment(Deployment, Expect),
    DeleteApp {
        name: String,
        version: u64,
    },
    DeleteEnvironment {
        app: String,
        name: String,
        version: u64,
    },
}

/// Apps, environments, deployments, log chunks, webhook deliveries and live connections.
///
/// Every change goes through [`DeploymentStore::commit`]: all writes of a batch happen or none
/// does, and a batch whose condition fails returns [`StoreError::Conflict`]. Two racing
/// writers therefore never both win.
#[async_trait]
pub trait DeploymentStore: Send + Sync {
    async fn commit(&self, writes: Vec<Write>) -> Result<(), StoreError>;

    async fn get_app(&self, name: &str) -> Result<Option<App>, StoreError>;
    /// Every app, by name.
    async fn list_apps(&self) -> Result<Vec<App>, StoreError>;
    async fn get_environment(
        &self,
        app: &str,
        name: &str,
    ) -> Result<Option<Environment>, StoreError>;
    /// An app's environments in pipeline order.
    async fn list_environments(&self, app: &str) -> Result<Vec<Environment>, StoreError>;
    async fn get_deployment(&self, id: &str) -> Result<Option<Deployment>, StoreError>;
    /// An environment's deployments, newest first, at most `limit`, older than `before` if given.
    async fn list_deployments(
        &self,
        app: &str,
        environment: &str,
        limit: usize,
        before: Option<&str>,
    ) -> Result<Vec<Deployment>, StoreError>;
    /// Every queued or running deployment (recovery after a restart, the stuck-run sweeper).
    async fn list_active_deployments(&self) -> Result<Vec<Deployment>, StoreError>;
    /// The deployment a runner handle (process id, ECS task id) belongs to.
    async fn find_deployment_by_runner(
        &self,
        runner: &str,
    ) -> Result<Option<Deployment>, StoreError>;

    /// Records a webhook delivery id; `false` if it was recorded before (a redelivery).
    async fn record_delivery(&self, id: &str, at: Timestamp) -> Result<bool, StoreError>;
    /// Forgets a delivery whose processing failed, so that GitHub's redelivery is processed.
    async fn forget_delivery(&self, id: &str) -> Result<(), StoreError>;

    /// Appends lines to a deployment's log in bounded chunks, numbering them from the last
    /// stored line; returns them with their `seq`.
    ///
    /// `delivery` names the batch the lines came in (the log forwarder derives it from
    /// CloudWatch's event ids). A batch whose name was stored before is not appended again
    /// and returns no lines, so a retried delivery leaves the log as one delivery would.
    /// An append cut short part-way through resumes where it stopped when redelivered.
    async fn append_logs(
        &self,
        deployment: &str,
        delivery: Option<&str>,
        lines: Vec<NewLogLine>,
    ) -> Result<Vec<LogLine>, StoreError>;
    /// Lines with `seq > after`, in order, at most `limit`.
    async fn read_logs(
        &self,
        deployment: &str,
        after: u64,
        limit: usize,
    ) -> Result<Vec<LogLine>, StoreError>;
    /// How long after a deployment ends its runner's last lines may still be on their way
    /// into this store. Zero where every line is stored before the end is reported (local
    /// mode); on AWS the lines travel through CloudWatch Logs while the end travels as an ECS
    /// event, and either can arrive first.
    fn log_delivery_lag(&self) -> std::time::Duration {
        std::time::Duration::ZERO
    }

    async fn put_connection(&self, connection: &Connection) -> Result<(), StoreError>;
    async fn get_connection(&self, id: &str) -> Result<Option<Connection>, StoreError>;
    async fn delete_connection(&self, id: &str) -> Result<(), StoreError>;
    async fn subscribe(&self, connection: &str, topic: &Topic) -> Result<(), StoreError>;
    /// The ids of the connections subscribed to a topic.
    async fn subscribers(&self, topic: &Topic) -> Result<Vec<String>, StoreError>;
}

/// Secret values per environment. Only names ever leave this port towards the API.
#[async_trait]
pub trait SecretStore: Send + Sync {
    async fn get(
        &self,
        app: &str,
        environment: &str,
    ) -> Result<BTreeMap<String, String>, SecretError>;
    /// Sets (`Some`) or removes (`None`) each named secret; returns the names now stored.
    /// Concurrent updates of one app's secrets must all take effect.
    async fn update(
        &self,
        app: &str,
        environment: &str,
        changes: BTreeMap<String, Option<String>>,
    ) -> Result<Vec<String>, SecretError>;
    async fn delete_all(&self, app: &str, environment: &str) -> Result<(), SecretError>;
}

/// Starts and stops build runners (child processes locally, Fargate tasks on AWS).
#[async_trait]
pub trait RunnerLauncher: Send + Sync {
    /// Starts a runner for the job; returns the handle to store on the deployment.
    async fn launch(&self, job: RunnerJob) -> Result<String, LaunchError>;
    /// Asks a runner to stop (cancellation); its exit is reported as usual.
    async fn stop(&self, runner: &str) -> Result<(), LaunchError>;
}

/// Something that happened that live clients may want to see.
#[derive(Debug, Clone)]
pub enum LiveEvent {
    Log {
        deployment: String,
        app: String,
        lines: Vec<LogLine>,
    },
    Deployment(Box<Deployment>),
}

/// Pushes live events to subscribed clients. Best effort: clients catch up by `seq`.
#[async_trait]
pub trait Notifier: Send + Sync {
    async fn publish(&self, event: LiveEvent);
}

/// Reads branch heads and commits of an app's repository.
#[async_trait]
pub trait SourceRepository: Send + Sync {
    /// Every branch and the sha it points at.
    async fn branch_heads(
        &self,
        repository: &Repository,
    ) -> Result<BTreeMap<String, String>, SourceError>;
    /// Resolves a branch, tag or sha to a commit.
    async fn resolve(
        &self,
        repository: &Repository,
        reference: &str,
    ) -> Result<Commit, SourceError>;
    /// Checks that the repository exists and can be read.
    async fn check(&self, repository: &Repository) -> Result<(), SourceError>;
    /// The commits `head` has that `base` has not, newest first: `limit` of them after
    /// skipping `skip`, with how many there are in all and how many `base` has that `head`
    /// has not. A source that cannot compare says so.
    async fn compare(
        &self,
        _repository: &Repository,
        _base: &str,
        _head: &str,
        _skip: usize,
        _limit: usize,
    ) -> Result<Comparison, SourceError> {
        Err(SourceError::Unsupported(
            "this repository cannot list commits".into(),
        ))
    }
}

/// What one commit has over another (see [`SourceRepository::compare`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Comparison {
    /// Newest first.
    pub commits: Vec<Commit>,
    pub ahead_by: usize,
    pub behind_by: usize,
}

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        time::OffsetDateTime::now_utc()
    }
}

/// Users, their roles per app, sessions, personal tokens and the audit log. Sessions and
/// tokens are found by the SHA-256 of their secret; the store never sees a secret.
#[async_trait]
pub trait AccessStore: Send + Sync {
    async fn put_user(&self, user: &User) -> Result<(), StoreError>;
    async fn get_user(&self, login: &str) -> Result<Option<User>, StoreError>;
    /// Creates or replaces the grant of (app, login, source).
    async fn put_grant(&self, grant: &Grant) -> Result<(), StoreError>;
    async fn delete_grant(
        &self,
        app: &str,
        login: &str,
        source: GrantSource,
    ) -> Result<(), StoreError>;
    /// One user's grants on one app (at most one per source).
    async fn grants_for(&self, app: &str, login: &str) -> Result<Vec<Grant>, StoreError>;
    /// Every grant on an app, by login.
    async fn grants_of_app(&self, app: &str) -> Result<Vec<Grant>, StoreError>;
    async fn put_token(&self, token: &PersonalToken) -> Result<(), StoreError>;
    async fn token_by_hash(&self, hash: &str) -> Result<Option<PersonalToken>, StoreError>;
    /// Replaces a token's record (its last use) only while it still exists, so a token
    /// revoked meanwhile stays revoked; false if it is gone.
    async fn record_token_use(&self, token: &PersonalToken) -> Result<bool, StoreError>;
    /// A user's tokens, newest first.
    async fn tokens_of(&self, login: &str) -> Result<Vec<PersonalToken>, StoreError>;
    /// False when the user has no token with this id.
    async fn delete_token(&self, login: &str, id: &str) -> Result<bool, StoreError>;
    async fn put_session(&self, session: &Session) -> Result<(), StoreError>;
    async fn session_by_hash(&self, hash: &str) -> Result<Option<Session>, StoreError>;
    async fn delete_session(&self, hash: &str) -> Result<(), StoreError>;
    /// Deletes a session and answers it, once: of callers racing for the same hash, one
    /// gets it and the others `None` (single-use live tickets).
    async fn take_session(&self, hash: &str) -> Result<Option<Session>, StoreError>;
    /// Signs a user out everywhere.
    async fn delete_sessions_of(&self, login: &str) -> Result<(), StoreError>;
    async fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError>;
    /// Entries the query matches, newest first, at most `query.limit`.
    async fn list_audit(&self, query: &AuditQuery) -> Result<Vec<AuditEntry>, StoreError>;
}
