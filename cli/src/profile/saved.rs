//! `profile --merge`: saved profiles read back and merged.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use cloudstorage_contract::Error;
use cloudstorage_contract::traffic::TrafficProfile;

/// The profiles saved in `paths` (`-` for stdin), merged in the order given (merging is
/// order-free, so the order does not change the result).
///
/// # Errors
///
/// The first file that cannot be read, or that does not hold a traffic profile of this
/// version, named.
pub(super) fn merged(paths: &[PathBuf]) -> Result<TrafficProfile, Error> {
    let mut total: Option<TrafficProfile> = None;
    for path in paths {
        let profile = read(path)?;
        match &mut total {
            // The first one as it is: a profile saved with a larger cap keeps it.
            None => total = Some(profile),
            Some(total) => total.merge(profile),
        }
    }
    Ok(total.unwrap_or_default())
}

/// The profile saved in `path`.
pub(super) fn read(path: &Path) -> Result<TrafficProfile, Error> {
    let bytes = if path == Path::new("-") {
        let mut bytes = Vec::new();
        io::stdin()
            .lock()
            .read_to_end(&mut bytes)
            .map_err(|e| Error::io(crate::inputs::STDIN, e))?;
        bytes
    } else {
        std::fs::read(path).map_err(|e| Error::io(path, e))?
    };
    serde_json::from_slice(&bytes).map_err(|e| {
        let name = if path == Path::new("-") {
            PathBuf::from(crate::inputs::STDIN)
        } else {
            path.to_owned()
        };
        let cause = io::Error::new(
            io::ErrorKind::InvalidData,
            format!("not a traffic profile: {e}"),
        );
        Error::io(name, cause)
    })
}
