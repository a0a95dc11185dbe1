//! What a promotion would ship (`GET …/environments/{env}/promote`).

use serde::{Deserialize, Serialize};
use trellis_core::pipeline::{ConfigChange, PromotionPreview};
use utoipa::ToSchema;

use super::resources::CommitView;

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ConfigChangeView {
    /// `deployCommand`, `variables.API_URL`, `secrets.STRIPE_KEY`, … (names, never values).
    pub setting: String,
    /// `added`, `changed` or `removed`.
    pub change: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PromotionPreviewView {
    pub from: String,
    pub to: String,
    /// What the promotion deploys: the source environment's current commit.
    pub candidate: CommitView,
    /// What the target runs now; absent when nothing is deployed there yet.
    pub current: Option<CommitView>,
    /// The commits the candidate adds, newest first (one page).
    pub commits: Vec<CommitView>,
    /// How many commits it adds in all.
    pub total: usize,
    /// Commits the target runs that the candidate lacks: the promotion takes them away.
    pub behind: usize,
    /// `skip` for the next page, when there is one.
    pub next_skip: Option<usize>,
    /// Why the commits could not be listed.
    pub commits_unavailable: Option<String>,
    /// The target's settings that changed since its current deployment: they ship too.
    pub config_changes: Vec<ConfigChangeView>,
}

impl PromotionPreviewView {
    pub fn new(p: PromotionPreview, skip: usize) -> Self {
        let listed = skip + p.commits.len();
        PromotionPreviewView {
            from: p.from,
            to: p.to,
            candidate: p.candidate.into(),
            current: p.current.map(Into::into),
            next_skip: (listed < p.total && !p.commits.is_empty()).then_some(listed),
            commits: p.commits.into_iter().map(Into::into).collect(),
            total: p.total,
            behind: p.behind,
            commits_unavailable: p.commits_unavailable,
            config_changes: p
                .config_changes
                .into_iter()
                .map(|c: ConfigChange| ConfigChangeView {
                    setting: c.setting,
                    change: c.change.into(),
                })
                .collect(),
        }
    }
}
