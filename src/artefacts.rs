//! Every generated artefact under `schemas/`: the JSON Schemas ([`crate::schema`]) and the
//! OpenAPI document ([`crate::openapi`]), written and checked for drift together.

use crate::schema::{Kind, Variant, file_name, generate_text};

/// A committed schema file that differs from what the types derive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drift {
    /// The file's name under the schema folder.
    pub file: String,
    /// A unified diff from the file on disk (`---`) to the derived schema (`+++`); every line
    /// of the derived schema is `+` when the file is missing.
    pub diff: String,
}

/// Every generated file with its derived text, in a stable order: the JSON Schemas, then the
/// OpenAPI document ([`crate::openapi`]).
pub fn generate_all() -> Vec<(String, String)> {
    Kind::ALL
        .into_iter()
        .flat_map(|kind| Variant::ALL.map(|variant| (kind, variant)))
        .map(|(kind, variant)| (file_name(kind, variant), generate_text(kind, variant)))
        .chain([(
            crate::openapi::FILE_NAME.to_owned(),
            crate::openapi::generate_text(),
        )])
        .collect()
}

/// Writes every derived schema into `dir`, creating it if needed.
///
/// # Errors
///
/// When the folder cannot be created or a file cannot be written.
pub fn write_all(dir: &std::path::Path) -> Result<Vec<String>, crate::Error> {
    std::fs::create_dir_all(dir).map_err(|e| crate::Error::io(dir, e))?;
    generate_all()
        .into_iter()
        .map(|(file, text)| {
            let path = dir.join(&file);
            std::fs::write(&path, text).map_err(|e| crate::Error::io(&path, e))?;
            Ok(file)
        })
        .collect()
}

/// Compares the schema files in `dir` with what the types derive. An empty list means no drift.
///
/// # Errors
///
/// When a file exists but cannot be read. A missing file is drift, not an error.
pub fn check_dir(dir: &std::path::Path) -> Result<Vec<Drift>, crate::Error> {
    let mut drifts = Vec::new();
    for (file, derived) in generate_all() {
        let path = dir.join(&file);
        let on_disk = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(crate::Error::io(&path, e)),
        };
        if on_disk != derived {
            let diff = similar::TextDiff::from_lines(&on_disk, &derived)
                .unified_diff()
                .context_radius(3)
                .header(&format!("{file} (committed)"), &format!("{file} (derived)"))
                .to_string();
            drifts.push(Drift { file, diff });
        }
    }
    Ok(drifts)
}
