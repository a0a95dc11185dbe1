//! What the server prints once it listens: where everything is, never a secret's value.

use std::path::Path;

pub(super) struct Banner<'a> {
    pub base_url: &'a str,
    pub dashboard: &'a str,
    pub token_source: &'a str,
    pub sign_in: &'a str,
    pub webhook_source: &'a str,
    pub data_dir: &'a Path,
    pub sites_url: &'a str,
    pub sites_dir: &'a Path,
    pub separate_users: bool,
}

impl Banner<'_> {
    pub fn print(&self) {
        let base_url = self.base_url;
        println!("Trellis is running at {base_url}");
        println!("  Dashboard:      {}", self.dashboard);
        // Where the token is, never the token: the banner ends up in terminals and logs.
        println!("  API token:      {}", self.token_source);
        println!("  Sign-in:        {}", self.sign_in);
        println!(
            "  Webhook secret: {} (POST {base_url}/api/webhooks/github)",
            self.webhook_source
        );
        println!("  Data directory: {}", self.data_dir.display());
        println!(
            "  Sites:          {}/<app>/<environment>/ (from {})",
            self.sites_url,
            self.sites_dir.display()
        );
        if self.separate_users {
            println!(
                "  Builds run as:  one unprivileged user per environment (uid 2000000000 and up)"
            );
        } else {
            println!(
                "  Builds run as:  you. Not isolated: a build can read what you can, this data \
                 directory included (run the server as root to give builds users of their own)"
            );
        }
    }
}
