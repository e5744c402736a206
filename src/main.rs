//! The `ntm` binary: all of it lives in the library; see `ntm::cli`.

fn main() -> std::process::ExitCode {
    // like every Unix tool: `ntm audit show x | head` ends quietly instead of panicking on a
    // closed pipe (Rust ignores SIGPIPE by default)
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of one signal before any thread starts
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    ntm::cli::main()
}
