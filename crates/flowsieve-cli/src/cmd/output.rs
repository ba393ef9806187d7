//! Every file a command writes goes through here (`analyze -o`, `convert -o` and
//! `--summary-json`, `generate --out`), under one rule:
//!
//! * **Validated before any input is read**: missing directories on the way are created, the
//!   directory that will hold the file must accept a new file (a probe is created and removed),
//!   and the target must not be a directory.
//! * **Written beside the target, then renamed**: a regular file or a new path receives a
//!   temporary `NAME.partial` in the same directory (readers skip `*.partial` files), renamed
//!   onto it once complete, with the replaced file's permissions. A symbolic link is followed:
//!   its target is what gets replaced, the link stays. A device, FIFO or socket (or a link to
//!   one) is written through in place, never replaced. A link to nothing is refused.
//! * **Interrupted cleanly**: SIGINT (Ctrl-C) removes every temporary file and directory still
//!   registered here, clears the progress bar and exits with status 130.

use std::fs::{self, File, OpenOptions, Permissions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use anyhow::{Context as _, bail};

/// The exit status after SIGINT (128 + 2, the shell convention).
pub const INTERRUPTED: u8 = 130;

/// Temporaries to remove if the run is interrupted.
struct Cleanup {
    files: Vec<PathBuf>,
    dirs: Vec<PathBuf>,
}

static CLEANUP: Mutex<Cleanup> = Mutex::new(Cleanup {
    files: Vec::new(),
    dirs: Vec::new(),
});

fn cleanup() -> MutexGuard<'static, Cleanup> {
    CLEANUP.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Installs the SIGINT handler: remove the temporaries, clear the progress bar, exit 130. The
/// handler keeps the registry locked until the process ends, so no temporary can be created
/// or renamed into place after it ran.
pub fn install_interrupt_handler() {
    let installed = ctrlc::set_handler(|| {
        let registry = cleanup();
        for file in &registry.files {
            let _ = fs::remove_file(file);
        }
        for dir in &registry.dirs {
            let _ = fs::remove_dir_all(dir);
        }
        super::ui::clear_progress();
        eprintln!("flowsieve: interrupted");
        std::process::exit(i32::from(INTERRUPTED));
    });
    if let Err(err) = installed {
        // Without the handler Ctrl-C still stops the run, leaving `*.partial` files that
        // readers skip; say so rather than fail the command.
        eprintln!("flowsieve: warning: cannot handle Ctrl-C ({err}): it may leave *.partial files");
    }
}

/// A directory whose content is temporary until [`TempDir::keep`]: removed on drop and on
/// SIGINT.
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
    kept: bool,
}

impl TempDir {
    /// Creates `path` (removing what a killed run left there) and registers it.
    pub fn create(path: PathBuf) -> anyhow::Result<TempDir> {
        let mut registry = cleanup();
        if fs::symlink_metadata(&path).is_ok() {
            fs::remove_dir_all(&path)
                .with_context(|| format!("removing the leftover {}", path.display()))?;
        }
        fs::create_dir_all(&path).with_context(|| format!("creating {}", path.display()))?;
        registry.dirs.push(path.clone());
        Ok(TempDir { path, kept: false })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Moves every entry of the directory into `dest` (merging directories, replacing regular
    /// files), then removes it.
    pub fn merge_into(mut self, dest: &Path) -> anyhow::Result<()> {
        let registry = cleanup();
        merge(&self.path, dest)?;
        drop(registry);
        self.kept = true;
        self.unregister();
        fs::remove_dir_all(&self.path).with_context(|| format!("removing {}", self.path.display()))
    }

    fn unregister(&self) {
        cleanup().dirs.retain(|d| d != &self.path);
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if !self.kept {
            let _ = fs::remove_dir_all(&self.path);
            self.unregister();
        }
    }
}

fn merge(from: &Path, dest: &Path) -> anyhow::Result<()> {
    let entries = fs::read_dir(from).with_context(|| format!("reading {}", from.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("reading {}", from.display()))?;
        let source = entry.path();
        let target = dest.join(entry.file_name());
        let existing = fs::symlink_metadata(&target).ok();
        match existing {
            Some(meta) if meta.is_dir() && source.is_dir() => merge(&source, &target)?,
            Some(meta) if !meta.is_file() || source.is_dir() => bail!(
                "cannot move {} to {}: something else is there",
                source.display(),
                target.display()
            ),
            _ => fs::rename(&source, &target)
                .with_context(|| format!("moving {} to {}", source.display(), target.display()))?,
        }
    }
    Ok(())
}

/// How a validated output is written.
#[derive(Debug, Clone)]
enum Kind {
    /// A new path or a regular file (a link's target): a temporary beside it, renamed onto it.
    Replace {
        /// Where the file ends up (the link's target when the path was a link).
        path: PathBuf,
        /// The permissions of the file replaced.
        permissions: Option<Permissions>,
    },
    /// A device, FIFO or socket: written in place.
    Through(PathBuf),
}

/// An output file, validated: see the module documentation.
#[derive(Debug, Clone)]
pub struct OutputFile {
    /// The path as given (for messages).
    given: PathBuf,
    kind: Kind,
}

impl OutputFile {
    /// Validates `path` for writing: creates missing parent directories, refuses a directory
    /// or a link to nothing, and checks that the directory accepts a new file.
    pub fn validate(path: &Path) -> anyhow::Result<OutputFile> {
        let output = OutputFile::inspect(path)?;
        if let Kind::Replace { path, .. } = &output.kind {
            // The probe is the temporary itself (creating it creates the parents), removed at
            // once.
            drop(Pending::create(path, &output.given)?);
        }
        Ok(output)
    }

    /// What [`Self::validate`] checks, without touching the file system: refuses a directory
    /// or a link to nothing (outputs created in bulk in a checked directory use this).
    pub fn inspect(path: &Path) -> anyhow::Result<OutputFile> {
        let given = path.to_owned();
        let shown = path.display();
        let kind = match fs::symlink_metadata(path) {
            Err(err) if err.kind() == io::ErrorKind::NotFound => Kind::Replace {
                path: path.to_owned(),
                permissions: None,
            },
            Err(err) => {
                return Err(not_a_directory(path).unwrap_or_else(|| {
                    anyhow::Error::new(err).context(format!("cannot use {shown}"))
                }));
            }
            Ok(meta) => {
                let resolved = if meta.file_type().is_symlink() {
                    fs::canonicalize(path).map_err(|_| {
                        let target = fs::read_link(path).unwrap_or_default();
                        anyhow::anyhow!(
                            "{shown} is a symbolic link to {}, which does not exist: give the \
                             target's path",
                            target.display()
                        )
                    })?
                } else {
                    path.to_owned()
                };
                let meta = fs::metadata(&resolved)
                    .with_context(|| format!("cannot use {}", resolved.display()))?;
                let file_type = meta.file_type();
                // `metadata` follows links: what is left besides files and directories is a
                // device, a FIFO or a socket.
                if meta.is_dir() {
                    bail!("{shown} is a directory: give a file name");
                } else if !file_type.is_file() {
                    Kind::Through(resolved)
                } else {
                    Kind::Replace {
                        path: resolved,
                        permissions: Some(meta.permissions()),
                    }
                }
            }
        };
        Ok(OutputFile { given, kind })
    }

    /// The path as given.
    pub fn path(&self) -> &Path {
        &self.given
    }

    /// Opens the output: a temporary beside a replaceable target, the target itself for a
    /// device or FIFO. Nothing is replaced until [`Pending::commit`].
    pub fn create(&self) -> anyhow::Result<Pending> {
        match &self.kind {
            Kind::Replace { path, permissions } => {
                let mut pending = Pending::create(path, &self.given)?;
                pending.permissions = permissions.clone();
                Ok(pending)
            }
            Kind::Through(path) => {
                let file = OpenOptions::new()
                    .write(true)
                    .open(path)
                    .with_context(|| format!("cannot open {} for writing", self.given.display()))?;
                Ok(Pending {
                    file: Some(file),
                    temp: None,
                    target: path.clone(),
                    given: self.given.clone(),
                    permissions: None,
                })
            }
        }
    }

    /// Writes `bytes` to the output and commits it.
    pub fn write_all(&self, bytes: &[u8]) -> anyhow::Result<()> {
        let mut pending = self.create()?;
        pending
            .write_all(bytes)
            .with_context(|| format!("cannot write {}", self.given.display()))?;
        pending.commit()
    }
}

/// `cannot write a/file/x: a/file is a file, not a directory`, when a directory on the way to
/// `path` is a file.
fn not_a_directory(path: &Path) -> Option<anyhow::Error> {
    let file = path
        .ancestors()
        .skip(1)
        .find(|dir| fs::metadata(dir).is_ok_and(|meta| !meta.is_dir()))?;
    Some(anyhow::anyhow!(
        "cannot write {}: {} is a file, not a directory",
        path.display(),
        file.display()
    ))
}

fn parent(path: &Path) -> Option<&Path> {
    path.parent().filter(|p| !p.as_os_str().is_empty())
}

/// `NAME.partial` beside `path`.
pub fn partial_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// An output being written: [`Self::commit`] puts it in place; dropping it removes the
/// temporary.
#[derive(Debug)]
pub struct Pending {
    file: Option<File>,
    /// The temporary (`None` when writing through).
    temp: Option<PathBuf>,
    target: PathBuf,
    given: PathBuf,
    permissions: Option<Permissions>,
}

impl Pending {
    /// Creates the temporary beside `target` (and the directories on the way).
    fn create(target: &Path, given: &Path) -> anyhow::Result<Pending> {
        if let Some(parent) = parent(target) {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create the directory {}", parent.display()))?;
        }
        let temp = partial_path(target);
        let mut registry = cleanup();
        // A leftover of a killed run (or anything else with that name, a link included) is
        // removed rather than written through.
        if fs::symlink_metadata(&temp).is_ok_and(|m| !m.is_dir()) {
            let _ = fs::remove_file(&temp);
        }
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
            .with_context(|| {
                let dir = parent(target).unwrap_or(Path::new("."));
                format!(
                    "cannot write {}: cannot create a file in {}",
                    given.display(),
                    dir.display()
                )
            })?;
        registry.files.push(temp.clone());
        Ok(Pending {
            file: Some(file),
            temp: Some(temp),
            target: target.to_owned(),
            given: given.to_owned(),
            permissions: None,
        })
    }

    /// Flushes the output and renames the temporary onto the target.
    pub fn commit(mut self) -> anyhow::Result<()> {
        let given = self.given.display().to_string();
        if let Some(mut file) = self.file.take() {
            file.flush()
                .with_context(|| format!("cannot write {given}"))?;
        }
        let Some(temp) = self.temp.take() else {
            return Ok(());
        };
        let mut registry = cleanup();
        let renamed = (|| {
            if let Some(permissions) = self.permissions.take() {
                fs::set_permissions(&temp, permissions)?;
            }
            fs::rename(&temp, &self.target)
        })();
        registry.files.retain(|f| f != &temp);
        drop(registry);
        if let Err(err) = renamed {
            let _ = fs::remove_file(&temp);
            return Err(err).with_context(|| format!("cannot put {given} in place"));
        }
        Ok(())
    }
}

impl Write for Pending {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(file) => file.write(buf),
            None => Err(io::Error::other("the output is closed")),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            self.file = None;
            let _ = fs::remove_file(&temp);
            cleanup().files.retain(|f| f != &temp);
        }
    }
}

/// A directory output (`convert -o DIR`, `generate --out DIR`), validated: created with its
/// missing parents, and accepting a new file.
pub fn validate_dir(path: &Path) -> anyhow::Result<()> {
    if let Some(err) = not_a_directory(path) {
        return Err(err);
    }
    match fs::metadata(path) {
        Ok(meta) if !meta.is_dir() => bail!("{} exists and is not a directory", path.display()),
        _ => fs::create_dir_all(path)
            .with_context(|| format!("cannot create the directory {}", path.display()))?,
    }
    let probe = path.join(".flowsieve-probe");
    drop(Pending::create(&probe, path)?);
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{FileTypeExt as _, symlink};

    #[test]
    fn a_new_path_gets_its_parents_and_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/report.json");
        let out = OutputFile::validate(&path).unwrap();
        assert!(dir.path().join("a/b").is_dir());
        assert!(!partial_path(&path).exists(), "the probe is gone");
        out.write_all(b"{}").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"{}");
    }

    #[test]
    fn a_link_is_followed_and_kept() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        fs::write(&real, "old").unwrap();
        fs::set_permissions(&real, Permissions::from_mode(0o640)).unwrap();
        let link = dir.path().join("link.json");
        symlink(&real, &link).unwrap();
        OutputFile::validate(&link)
            .unwrap()
            .write_all(b"new")
            .unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read(&real).unwrap(), b"new");
        let mode = fs::metadata(&real).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }

    #[test]
    fn a_device_is_written_through_and_a_dangling_link_refused() {
        let out = OutputFile::validate(Path::new("/dev/null")).unwrap();
        out.write_all(b"discarded").unwrap();
        assert!(
            fs::metadata("/dev/null")
                .unwrap()
                .file_type()
                .is_char_device()
        );

        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("dangling");
        symlink(dir.path().join("nothing"), &link).unwrap();
        let err = OutputFile::validate(&link).unwrap_err().to_string();
        assert!(err.contains("which does not exist"), "{err}");
        let err = OutputFile::validate(dir.path()).unwrap_err().to_string();
        assert!(err.ends_with("is a directory: give a file name"), "{err}");
    }

    #[test]
    fn an_abandoned_output_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.parquet");
        fs::write(&path, "previous").unwrap();
        let out = OutputFile::validate(&path).unwrap();
        let mut pending = out.create().unwrap();
        pending.write_all(b"half").unwrap();
        drop(pending);
        assert_eq!(fs::read(&path).unwrap(), b"previous");
        assert!(!partial_path(&path).exists());
    }

    #[test]
    fn temp_dirs_merge_into_their_destination() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("out");
        fs::create_dir_all(dest.join("inventory")).unwrap();
        fs::write(dest.join("inventory/a.json"), "old").unwrap();
        fs::write(dest.join("inventory/keep.json"), "mine").unwrap();
        let temp = TempDir::create(dest.join(".partial")).unwrap();
        fs::create_dir_all(temp.path().join("inventory")).unwrap();
        fs::create_dir_all(temp.path().join("logs/x")).unwrap();
        fs::write(temp.path().join("inventory/a.json"), "new").unwrap();
        fs::write(temp.path().join("logs/x/1.log"), "log").unwrap();
        temp.merge_into(&dest).unwrap();
        assert_eq!(fs::read(dest.join("inventory/a.json")).unwrap(), b"new");
        assert_eq!(fs::read(dest.join("inventory/keep.json")).unwrap(), b"mine");
        assert_eq!(fs::read(dest.join("logs/x/1.log")).unwrap(), b"log");
        assert!(!dest.join(".partial").exists());

        let dropped = TempDir::create(dest.join(".partial")).unwrap();
        fs::write(dropped.path().join("f"), "x").unwrap();
        drop(dropped);
        assert!(!dest.join(".partial").exists());
    }
}
