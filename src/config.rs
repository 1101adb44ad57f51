//! Settings from `hookctl.toml`, and where each provider's secret comes from.
//!
//! Secrets are looked up in this order, first found wins: `--secret`, `HOOKCTL_<PROVIDER>_SECRET`,
//! `HOOKCTL_SECRET`, the config file's `[secrets]` table, the provider's built-in test secret.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Context;
use serde::Deserialize;

use crate::catalogue::Provider;
use crate::error::UsageError;

pub const FILE_NAME: &str = "hookctl.toml";

/// The contents of `hookctl.toml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The default `--to` of send.
    pub to: Option<String>,
    /// One secret per provider, by provider name.
    pub secrets: BTreeMap<String, String>,
    /// Where the settings came from, for messages.
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

impl Config {
    /// Read the file named by `--config`, else `./hookctl.toml`, else the user config folder's
    /// `hookctl/hookctl.toml`; no file at all is an empty configuration.
    pub fn load(explicit: Option<&Path>) -> anyhow::Result<Config> {
        let path = match explicit {
            Some(path) => {
                if !path.exists() {
                    return Err(UsageError::new(format!(
                        "config file {} does not exist",
                        path.display()
                    ))
                    .into());
                }
                Some(path.to_path_buf())
            }
            None => [
                Some(PathBuf::from(FILE_NAME)),
                dirs::config_dir().map(|d| d.join("hookctl").join(FILE_NAME)),
            ]
            .into_iter()
            .flatten()
            .find(|p| p.is_file()),
        };
        let Some(path) = path else {
            return Ok(Config::default());
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let mut config: Config = toml::from_str(&text)
            .map_err(|e| UsageError::new(format!("{}: {}", path.display(), e.message())))?;
        config.path = Some(path);
        Ok(config)
    }
}

/// Where a secret came from. Secrets themselves are never printed; their source is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecretSource {
    Flag,
    Env(String),
    ConfigFile(PathBuf),
    BuiltIn,
}

impl fmt::Display for SecretSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SecretSource::Flag => f.write_str("--secret"),
            SecretSource::Env(name) => write!(f, "${name}"),
            SecretSource::ConfigFile(path) => write!(f, "{}", path.display()),
            SecretSource::BuiltIn => f.write_str("the built-in test secret"),
        }
    }
}

/// A secret and where it came from.
#[derive(Clone)]
pub struct Secret {
    pub value: String,
    pub source: SecretSource,
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Secret")
            .field("value", &"<hidden>")
            .field("source", &self.source)
            .finish()
    }
}

/// Every provider's built-in test secret, whatever else is configured (for `demo`).
pub fn builtin_secrets(catalogue: &crate::catalogue::Catalogue) -> Vec<(String, Secret)> {
    catalogue
        .providers()
        .iter()
        .filter_map(|p| {
            let value = p.spec.test_secret.clone()?;
            Some((
                p.name.clone(),
                Secret {
                    value,
                    source: SecretSource::BuiltIn,
                },
            ))
        })
        .collect()
}

/// The environment variable that holds one provider's secret.
pub fn secret_env_name(provider: &str) -> String {
    let upper: String = provider
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("HOOKCTL_{upper}_SECRET")
}

/// A usage error unless `secret` has the form `provider`'s scheme needs, naming where it came from.
pub fn check_usable(provider: &Provider, secret: &Secret) -> Result<(), crate::error::UsageError> {
    provider
        .spec
        .scheme
        .check_secret(&secret.value)
        .map_err(|why| {
            crate::error::UsageError::new(format!(
                "the secret for {} (from {}) is not usable: {why}",
                provider.name, secret.source
            ))
        })
}

/// Find the secret for a provider; `None` only for providers that do not sign.
pub fn resolve_secret(provider: &Provider, flag: Option<&str>, config: &Config) -> Option<Secret> {
    resolve_secret_with(provider, flag, config, |name| std::env::var(name).ok())
}

/// [`resolve_secret`] with the environment passed in, so tests need not touch the process's.
pub fn resolve_secret_with(
    provider: &Provider,
    flag: Option<&str>,
    config: &Config,
    env: impl Fn(&str) -> Option<String>,
) -> Option<Secret> {
    if !provider.spec.scheme.signs() {
        return None;
    }
    if let Some(value) = flag {
        return Some(Secret {
            value: value.to_string(),
            source: SecretSource::Flag,
        });
    }
    for name in [
        secret_env_name(&provider.name),
        "HOOKCTL_SECRET".to_string(),
    ] {
        if let Some(value) = env(&name).filter(|v| !v.is_empty()) {
            return Some(Secret {
                value,
                source: SecretSource::Env(name),
            });
        }
    }
    if let Some(value) = config.secrets.get(&provider.name) {
        let path = config
            .path
            .clone()
            .unwrap_or_else(|| PathBuf::from(FILE_NAME));
        return Some(Secret {
            value: value.clone(),
            source: SecretSource::ConfigFile(path),
        });
    }
    provider.spec.test_secret.clone().map(|value| Secret {
        value,
        source: SecretSource::BuiltIn,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;

    #[test]
    fn sources_in_order_flag_env_config_builtin() {
        let catalogue = Catalogue::embedded().unwrap();
        let stripe = catalogue.provider("stripe").unwrap();
        let mut config = Config::default();
        config.secrets.insert("stripe".into(), "from-config".into());
        let env = |name: &str| match name {
            "HOOKCTL_STRIPE_SECRET" => Some("from-provider-env".to_string()),
            "HOOKCTL_SECRET" => Some("from-env".to_string()),
            _ => None,
        };
        let only_generic = |name: &str| (name == "HOOKCTL_SECRET").then(|| "from-env".to_string());
        assert_eq!(
            resolve_secret_with(stripe, Some("flag"), &config, env)
                .unwrap()
                .value,
            "flag"
        );
        assert_eq!(
            resolve_secret_with(stripe, None, &config, env)
                .unwrap()
                .value,
            "from-provider-env"
        );
        assert_eq!(
            resolve_secret_with(stripe, None, &config, only_generic)
                .unwrap()
                .value,
            "from-env"
        );
        assert_eq!(
            resolve_secret_with(stripe, None, &config, |_| None)
                .unwrap()
                .value,
            "from-config"
        );
        let builtin = resolve_secret_with(stripe, None, &Config::default(), |_| None).unwrap();
        assert_eq!(builtin.source, SecretSource::BuiltIn);
        assert_eq!(Some(builtin.value), stripe.spec.test_secret.clone());
        let mipise = catalogue.provider("mipise").unwrap();
        assert!(resolve_secret_with(mipise, Some("x"), &config, env).is_none());
    }
}
