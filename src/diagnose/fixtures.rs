//! Hand-made settings shared by the diagnosis tests.

use crate::evidence::check::{ClientSettings, SettingValue};
use crate::evidence::Protocol;

/// Client settings with every value from a flag and a password given.
pub fn client_settings(
    protocol: Protocol,
    host: &str,
    port: &str,
    security: &str,
    user: &str,
) -> ClientSettings {
    let flag = |value: &str| {
        Some(SettingValue {
            value: value.into(),
            source: "--flag".into(),
        })
    };
    ClientSettings {
        protocol,
        host: flag(host),
        port: flag(port),
        security: flag(security),
        user: flag(user),
        from: None,
        password_given: true,
        oauth_token_given: false,
        password_shape: None,
        password_on_command_line: false,
        notes: vec![],
        problems: vec![],
    }
}
