//! Wake the interface the moment another process commits to the store.
//!
//! Every commit replaces the store's `changed` stamp (write, then rename). On Linux the
//! interface watches the store's folder with inotify and reads the stamp as soon as it is
//! replaced, so an edit made elsewhere shows within milliseconds; the look every 2 s stays as
//! the fallback (other systems, network file systems where inotify sees no remote writes).

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::path::Path;

/// The name of the stamp file a commit replaces (`store::Change`).
const STAMP: &[u8] = b"changed";

pub struct Watch {
    fd: OwnedFd,
}

impl Watch {
    /// Watch `dir` for a new stamp; None where inotify is not available.
    #[cfg(target_os = "linux")]
    pub fn new(dir: &Path) -> Option<Watch> {
        use std::os::unix::ffi::OsStrExt;
        // SAFETY: plain system call; the descriptor is owned below
        let raw = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
        if raw < 0 {
            return None;
        }
        // SAFETY: `raw` is a fresh descriptor nobody else owns
        let fd = unsafe { OwnedFd::from_raw_fd(raw) };
        let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
        // SAFETY: valid descriptor and NUL-terminated path
        let wd = unsafe {
            libc::inotify_add_watch(
                fd.as_raw_fd(),
                path.as_ptr(),
                libc::IN_MOVED_TO | libc::IN_CLOSE_WRITE,
            )
        };
        (wd >= 0).then_some(Watch { fd })
    }

    #[cfg(not(target_os = "linux"))]
    pub fn new(_dir: &Path) -> Option<Watch> {
        None
    }

    pub fn raw(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// Read the pending events; true when one was about the stamp.
    pub fn drain(&self) -> bool {
        let mut buf = [0u8; 4096];
        let mut stamp = false;
        loop {
            // SAFETY: reading into our own buffer from our own descriptor
            let n = unsafe { libc::read(self.raw(), buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                return stamp;
            }
            stamp |= names(&buf[..n as usize]).any(|name| name == STAMP);
        }
    }
}

/// The file names in a buffer of inotify events (`wd i32, mask u32, cookie u32, len u32`,
/// then `len` bytes of name padded with NULs).
fn names(mut buf: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        if buf.len() < 16 {
            return None;
        }
        let len = u32::from_ne_bytes(buf[12..16].try_into().expect("4 bytes")) as usize;
        let end = (16 + len).min(buf.len());
        let name = &buf[16..end];
        buf = &buf[end..];
        let used = name.iter().position(|&b| b == 0).unwrap_or(name.len());
        Some(&name[..used])
    })
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn a_replaced_stamp_is_seen_and_other_files_are_not() {
        let d = tempfile::tempdir().unwrap();
        let w = Watch::new(d.path()).unwrap();
        assert!(!w.drain(), "nothing happened yet");
        std::fs::write(d.path().join("conf"), "x").unwrap();
        assert!(!w.drain(), "another file is not the stamp");
        std::fs::write(d.path().join("tmp-1"), "y").unwrap();
        std::fs::rename(d.path().join("tmp-1"), d.path().join("changed")).unwrap();
        assert!(w.drain(), "a stamp renamed into place is seen");
        assert!(!w.drain(), "and read once");
    }
}
