//! A git repository holding a copy of the sample app.

use std::path::{Path, PathBuf};

use crate::*;

/// A git repository holding a copy of the sample app, on branch `main`.
pub struct SampleRepo {
    pub path: PathBuf,
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args([
            "-c",
            "user.name=Grace Hopper",
            "-c",
            "user.email=grace@example.com",
            "-c",
            "commit.gpgsign=false",
        ])
        .args(args)
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if name == "node_modules" {
            continue;
        }
        let target = to.join(&name);
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

impl SampleRepo {
    pub fn create(dir: &Path) -> SampleRepo {
        let path = dir.join("sample-app");
        copy_dir(&workspace_root().join("tests/sample-app"), &path);
        git(&path, &["init", "-q", "-b", "main"]);
        git(&path, &["add", "-A"]);
        git(&path, &["commit", "-q", "-m", "Initial sample app"]);
        SampleRepo { path }
    }

    /// Commits a new message.txt; returns the new commit's sha.
    pub fn commit_message(&self, message: &str, subject: &str) -> String {
        std::fs::write(self.path.join("message.txt"), message).unwrap();
        git(&self.path, &["commit", "-q", "-am", subject]);
        self.head()
    }

    pub fn head(&self) -> String {
        git(&self.path, &["rev-parse", "HEAD"])
    }

    pub fn git(&self, args: &[&str]) -> String {
        git(&self.path, args)
    }
}
