//! Writing files safely where other people can plant things: every file ntm writes (exports,
//! reports, templates, generated bundles, the store's `lock-info`) is created under a fresh
//! random name in its target directory with `O_CREAT|O_EXCL|O_NOFOLLOW` (a symlink planted at
//! that name makes the create fail instead of writing through it), given the store's privacy,
//! synced, then renamed over the target (a rename replaces a planted symlink itself, never the
//! file it points to). Nothing here follows a link to write.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Permissions for files and directories ntm creates: private (0600/0700), or with the group
/// bits of a group-shared store (never any bits for others).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Privacy {
    pub file_mode: u32,
    pub dir_mode: u32,
}

impl Default for Privacy {
    fn default() -> Self {
        Privacy::PRIVATE
    }
}

impl Privacy {
    pub const PRIVATE: Privacy = Privacy {
        file_mode: 0o600,
        dir_mode: 0o700,
    };

    /// The privacy of a store directory: its group's read/write bits carry over, others never.
    pub fn of_dir(dir: &Path) -> Privacy {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(m) = std::fs::metadata(dir) {
                let group = m.permissions().mode() & 0o070;
                return Privacy {
                    file_mode: 0o600 | (group & 0o060),
                    dir_mode: 0o700 | group,
                };
            }
        }
        let _ = dir;
        Privacy::PRIVATE
    }
}

/// A file being written under a temporary name next to its target; `commit` syncs it and
/// renames it into place. Dropped without `commit`, the temporary file is removed.
pub struct AtomicFile {
    file: Option<File>,
    tmp: PathBuf,
    dest: PathBuf,
}

impl AtomicFile {
    /// Start writing `dest` (its directory must exist).
    pub fn create(dest: &Path, privacy: Privacy) -> io::Result<AtomicFile> {
        let dir = match dest.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = dest
            .file_name()
            .ok_or_else(|| io::Error::other(format!("{} is not a file name", dest.display())))?
            .to_string_lossy()
            .into_owned();
        for _ in 0..100 {
            let tmp = dir.join(format!(".{name}.{:016x}.tmp", random_u64()));
            match create_new(&tmp, privacy.file_mode) {
                Ok(file) => {
                    return Ok(AtomicFile {
                        file: Some(file),
                        tmp,
                        dest: dest.to_path_buf(),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other(format!(
            "cannot create a temporary file in {}",
            dir.display()
        )))
    }

    pub fn file(&mut self) -> &mut File {
        self.file.as_mut().expect("file is open until commit")
    }

    /// Sync the data, rename it over the target, sync the directory.
    pub fn commit(mut self) -> io::Result<()> {
        let f = self.file.take().expect("file is open until commit");
        f.sync_all()?;
        drop(f);
        std::fs::rename(&self.tmp, &self.dest)?;
        if let Some(d) = self.dest.parent().filter(|d| !d.as_os_str().is_empty()) {
            // best effort: some file systems refuse to sync a directory
            let _ = File::open(d).and_then(|d| d.sync_all());
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file().write(buf)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.file().flush()
    }
}

impl io::Seek for AtomicFile {
    fn seek(&mut self, pos: io::SeekFrom) -> io::Result<u64> {
        self.file().seek(pos)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Write `bytes` to `dest` atomically and safely (see the module comment).
pub fn write_atomic(dest: &Path, bytes: &[u8], privacy: Privacy) -> io::Result<()> {
    let mut f = AtomicFile::create(dest, privacy)?;
    f.write_all(bytes)?;
    f.commit()
}

/// Create a new file exclusively, never through a symlink, with exactly `mode` (the umask
/// would strip a shared store's group bits, so the mode is set again after creation).
fn create_new(path: &Path, mode: u32) -> io::Result<File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        o.mode(mode)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
        let f = o.open(path)?;
        f.set_permissions(std::fs::Permissions::from_mode(mode))?;
        Ok(f)
    }
    #[cfg(not(unix))]
    {
        let _ = mode;
        o.open(path)
    }
}

/// Create `dir` (and missing parents) with the given mode; an existing directory is left as
/// it is (it is the user's), but a symlink or a file there is refused.
pub fn create_dir(dir: &Path, privacy: Privacy) -> io::Result<()> {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => return Ok(()),
        Ok(m) if m.file_type().is_symlink() && std::fs::metadata(dir).is_ok_and(|t| t.is_dir()) => {
            // a folder the user reached through a link of their own (e.g. ~/exports → /data):
            // files inside are still created with O_NOFOLLOW and renamed
            return Ok(());
        }
        Ok(_) => {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                format!("{} exists and is not a folder", dir.display()),
            ));
        }
        Err(_) => {}
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        use std::os::unix::fs::PermissionsExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(privacy.dir_mode)
            .create(dir)?;
        // the umask may have stripped a shared store's group bits
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(privacy.dir_mode))
    }
    #[cfg(not(unix))]
    {
        let _ = privacy;
        std::fs::create_dir_all(dir)
    }
}

/// A private temporary directory, removed when dropped (also on error paths).
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(prefix: &str) -> io::Result<TempDir> {
        let base = std::env::temp_dir();
        for _ in 0..1000 {
            let p = base.join(format!(
                "{prefix}-{}-{:08x}",
                std::process::id(),
                random_u64() as u32
            ));
            #[cfg(unix)]
            let made = {
                use std::os::unix::fs::DirBuilderExt;
                std::fs::DirBuilder::new().mode(0o700).create(&p)
            };
            #[cfg(not(unix))]
            let made = std::fs::create_dir(&p);
            match made {
                Ok(()) => return Ok(TempDir(p)),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other("cannot create a temporary directory"))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// 64 unpredictable bits for temporary names (the kernel's generator; a hashed clock and
/// counter where it is unavailable — exclusive creation is what makes the names safe).
pub fn random_u64() -> u64 {
    let mut b = [0u8; 8];
    #[cfg(target_os = "linux")]
    {
        // SAFETY: getrandom writes at most b.len() bytes into b
        let n = unsafe { libc::getrandom(b.as_mut_ptr().cast(), b.len(), libc::GRND_NONBLOCK) };
        if n == b.len() as isize {
            return u64::from_ne_bytes(b);
        }
    }
    use std::hash::{BuildHasher, Hasher};
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    b = h.finish().to_ne_bytes();
    u64::from_ne_bytes(b)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_planted_symlink_is_replaced_not_written_through() {
        let d = tempfile::tempdir().unwrap();
        let victim = d.path().join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        let dest = d.path().join("out.csv");
        std::os::unix::fs::symlink(&victim, &dest).unwrap();
        write_atomic(&dest, b"export", Privacy::PRIVATE).unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert!(
            !std::fs::symlink_metadata(&dest)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&dest).unwrap(), b"export");
    }

    #[test]
    fn a_planted_temporary_name_is_never_followed() {
        let d = tempfile::tempdir().unwrap();
        let victim = d.path().join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        let planted = d.path().join("planted");
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        // create_new on a symlink fails (O_EXCL), whatever it points to
        let e = create_new(&planted, 0o600).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
    }

    #[test]
    fn files_get_the_privacy_asked_for_whatever_the_umask() {
        let d = tempfile::tempdir().unwrap();
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o770)).unwrap();
        let p = Privacy::of_dir(d.path());
        assert_eq!(
            p,
            Privacy {
                file_mode: 0o660,
                dir_mode: 0o770
            }
        );
        let f = d.path().join("a");
        write_atomic(&f, b"x", p).unwrap();
        assert_eq!(
            std::fs::metadata(&f).unwrap().permissions().mode() & 0o777,
            0o660
        );
        let g = d.path().join("b");
        write_atomic(&g, b"x", Privacy::PRIVATE).unwrap();
        assert_eq!(
            std::fs::metadata(&g).unwrap().permissions().mode() & 0o777,
            0o600
        );
        // others' bits on the store never carry over
        std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o757)).unwrap();
        assert_eq!(
            Privacy::of_dir(d.path()),
            Privacy {
                file_mode: 0o640,
                dir_mode: 0o750
            }
        );
    }

    #[test]
    fn an_abandoned_file_leaves_nothing_behind() {
        let d = tempfile::tempdir().unwrap();
        let dest = d.path().join("out.csv");
        {
            let mut f = AtomicFile::create(&dest, Privacy::PRIVATE).unwrap();
            f.write_all(b"half").unwrap();
        }
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_file_where_a_folder_should_be_is_refused() {
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("f");
        std::fs::write(&f, b"").unwrap();
        assert!(create_dir(&f, Privacy::PRIVATE).is_err());
        let sub = d.path().join("x/y");
        create_dir(&sub, Privacy::PRIVATE).unwrap();
        assert_eq!(
            std::fs::metadata(&sub).unwrap().permissions().mode() & 0o777,
            0o700
        );
    }
}
