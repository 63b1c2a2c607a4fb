//! Files served to phones from a configured directory: names that lead out of it are refused, and
//! each file's MD5 is computed once and kept until the file changes.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};
use std::time::SystemTime;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("'{0}' is not a plain file name below the directory")]
    OutsideDirectory(String),
    #[error("'{0}' does not exist")]
    Missing(String),
}

/// The path of `name` below `dir`, if it stays there: no absolute paths, no `..`, and no symbolic link
/// that resolves outside `dir`.
pub fn resolve(dir: &Path, name: &str) -> Result<PathBuf, FileError> {
    let outside = || FileError::OutsideDirectory(name.to_string());
    if name.is_empty() || name.contains('\0') || name.contains('\\') {
        return Err(outside());
    }
    let relative = Path::new(name);
    if !relative.components().all(|c| matches!(c, Component::Normal(_))) {
        return Err(outside());
    }
    let root = dir.canonicalize().map_err(|_| FileError::Missing(dir.display().to_string()))?;
    let path =
        root.join(relative).canonicalize().map_err(|_| FileError::Missing(name.to_string()))?;
    if !path.starts_with(&root) || !path.is_file() {
        return Err(outside());
    }
    Ok(path)
}

/// MD5s of files, recomputed only when a file's size or modification time changes.
#[derive(Debug, Default)]
pub struct Md5Cache {
    entries: HashMap<PathBuf, (u64, Option<SystemTime>, String)>,
}

impl Md5Cache {
    pub fn md5(&mut self, path: &Path) -> Option<String> {
        let meta = std::fs::metadata(path).ok()?;
        let (size, mtime) = (meta.len(), meta.modified().ok());
        if let Some((s, m, md5)) = self.entries.get(path) {
            if *s == size && *m == mtime {
                return Some(md5.clone());
            }
        }
        let bytes = std::fs::read(path).ok()?;
        let md5 = format!("{:x}", md5::compute(&bytes));
        self.entries.insert(path.to_path_buf(), (size, mtime, md5.clone()));
        Some(md5)
    }
}

/// A content type for a served file, by extension.
pub fn content_type(name: &str) -> &'static str {
    match name.rsplit('.').next().map(str::to_ascii_lowercase).as_deref() {
        Some("xml") | Some("cfg") => "application/xml",
        Some("png") => "image/png",
        Some("jpg") | Some("jpeg") => "image/jpeg",
        Some("zip") => "application/zip",
        Some("json") => "application/json",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("rdp-files-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("served/sub")).unwrap();
        std::fs::write(dir.join("served/contacts.xml"), "<contacts/>").unwrap();
        std::fs::write(dir.join("served/sub/logo.png"), "png").unwrap();
        std::fs::write(dir.join("secret.conf"), "secret=x").unwrap();
        dir
    }

    #[test]
    fn names_stay_inside() {
        let dir = scratch("inside");
        let served = dir.join("served");
        assert!(resolve(&served, "contacts.xml").is_ok());
        assert!(resolve(&served, "sub/logo.png").is_ok());
        for bad in [
            "../secret.conf",
            "/etc/passwd",
            "sub/../../secret.conf",
            "",
            "sub",
            ".",
            "a\\b",
            "x\0y",
        ] {
            assert!(resolve(&served, bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(resolve(&served, "nope.xml"), Err(FileError::Missing("nope.xml".into())));
        std::os::unix::fs::symlink(dir.join("secret.conf"), served.join("link.conf")).unwrap();
        assert!(matches!(resolve(&served, "link.conf"), Err(FileError::OutsideDirectory(_))));
        std::os::unix::fs::symlink(served.join("contacts.xml"), served.join("alias.xml")).unwrap();
        assert!(resolve(&served, "alias.xml").is_ok(), "a link inside the directory is fine");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn md5_follows_changes() {
        let dir = scratch("md5");
        let file = dir.join("served/contacts.xml");
        let mut cache = Md5Cache::default();
        let first = cache.md5(&file).unwrap();
        assert_eq!(first, format!("{:x}", md5::compute(b"<contacts/>")));
        std::fs::write(&file, "<contacts><contact/></contacts>").unwrap();
        assert_ne!(cache.md5(&file).unwrap(), first);
        assert!(cache.md5(&dir.join("none")).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
