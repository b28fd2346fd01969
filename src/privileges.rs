//! Started as root, Trygg prepares its folders and its database, then runs
//! the web server as an unprivileged system user (`TRYGG_RUN_AS`, created if
//! missing), so that a flaw in it reaches no more than that user can.

use std::process::Command;

use nix::unistd::{Gid, Uid, User, geteuid, setgid, setgroups, setuid};

use crate::config::Config;

#[derive(Debug, thiserror::Error)]
pub enum PrivilegeError {
    #[error(
        "TRYGG_RUN_AS={name}: there is no such user, and Trygg could not create it ({detail}).\n  \
         Create it with:  useradd --system --user-group --no-create-home --shell /usr/sbin/nologin {name}\n  \
         or set TRYGG_RUN_AS to an existing unprivileged user."
    )]
    CannotCreate { name: String, detail: String },
    #[error(
        "TRYGG_RUN_AS={name} {why}: name a system user of the web server's own, such as trygg \
         (made if missing)"
    )]
    Unsuitable { name: String, why: &'static str },
    #[error("could not become the user {name} (TRYGG_RUN_AS): {source}")]
    Switch { name: String, source: nix::Error },
    #[error("dropped to the user {name}, but root could be taken back; stopping")]
    NotDropped { name: String },
}

/// The system user the web server runs as.
#[derive(Clone, Debug)]
pub struct ServerUser {
    pub name: String,
    pub uid: Uid,
    pub gid: Gid,
}

/// The user the web server will become: `None` unless Trygg runs as root.
pub fn server_user(config: &Config) -> Result<Option<ServerUser>, PrivilegeError> {
    if !geteuid().is_root() {
        return Ok(None);
    }
    let name = config.run_as.clone();
    let found = |name: &str| User::from_name(name).ok().flatten();
    let user = match found(&name) {
        Some(user) => user,
        None => {
            create_system_user(&name)?;
            found(&name).ok_or_else(|| PrivilegeError::CannotCreate {
                name: name.clone(),
                detail: "useradd reported success, but the user is not there".into(),
            })?
        }
    };
    let postgres = User::from_name("postgres").ok().flatten();
    let why = if user.uid.is_root() || user.gid.as_raw() == 0 {
        Some("is root's")
    } else if postgres.is_some_and(|p| p.uid == user.uid || p.gid == user.gid) {
        Some("is PostgreSQL's, which owns the database's files")
    } else if user.uid.as_raw() >= 1000 {
        // Debian's SYS_UID_MAX is 999: above it are people's accounts.
        Some("is no system account (its uid is 1000 or more)")
    } else {
        None
    };
    if let Some(why) = why {
        return Err(PrivilegeError::Unsuitable { name, why });
    }
    Ok(Some(ServerUser {
        name,
        uid: user.uid,
        gid: user.gid,
    }))
}

fn create_system_user(name: &str) -> Result<(), PrivilegeError> {
    let output = Command::new("useradd")
        .args([
            "--system",
            "--user-group",
            "--no-create-home",
            "--home-dir",
            "/nonexistent",
            "--shell",
            "/usr/sbin/nologin",
        ])
        .arg(name)
        .output();
    let detail = match output {
        Ok(out) if out.status.success() => {
            tracing::info!(
                user = name,
                "created the system user the web server runs as"
            );
            return Ok(());
        }
        Ok(out) => String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            "useradd is not installed: apt-get install passwd".into()
        }
        Err(e) => e.to_string(),
    };
    // Another Trygg (the CLI beside the server) may have made it meanwhile.
    if User::from_name(name).ok().flatten().is_some() {
        return Ok(());
    }
    Err(PrivilegeError::CannotCreate {
        name: name.to_owned(),
        detail,
    })
}

/// Becomes `user` for good: its group alone, then its user id; checks that
/// root cannot be taken back. Every thread of the process changes with it.
pub fn become_user(user: &ServerUser) -> Result<(), PrivilegeError> {
    let switch = |source| PrivilegeError::Switch {
        name: user.name.clone(),
        source,
    };
    setgroups(&[user.gid]).map_err(switch)?;
    setgid(user.gid).map_err(switch)?;
    setuid(user.uid).map_err(switch)?;
    if setuid(Uid::from_raw(0)).is_ok() || setgid(Gid::from_raw(0)).is_ok() {
        return Err(PrivilegeError::NotDropped {
            name: user.name.clone(),
        });
    }
    Ok(())
}
