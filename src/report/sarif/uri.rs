//! File paths as URI references, for the sarif format's `artifactLocation.uri`.
//!
//! - A relative path stays a relative reference, which viewers resolve against the repository
//!   (GitHub code scanning) or the folder the check ran in: `in/a b.json` is `in/a%20b.json`.
//! - An absolute path becomes a `file` URI (RFC 8089) with an empty authority:
//!   `/abs/f.json` is `file:///abs/f.json`, and a Windows path with a drive letter,
//!   `C:\dir\f.json`, is `file:///C:/dir/f.json`.
//! - A UNC path names its server in the authority: `\\server\share\f.json` is
//!   `file://server/share/f.json`. The verbatim forms `\\?\C:\…` and `\\?\UNC\server\…` are
//!   read as the paths they stand for.
//! - Standard input, named `<stdin>` as in every other format, stays the relative reference
//!   `%3Cstdin%3E`: it names no file, so a viewer shows the name and links nothing.
//!
//! A path that starts with a drive letter and a separator (`C:\`, `C:/`) or with `\\` is read
//! as a Windows path on every platform, so that a report made anywhere says the same. On
//! Windows `\` separates the parts of every path; elsewhere it is a character of a file name
//! (`a\b.json` is one file on Linux) and is percent-encoded.
//!
//! Every byte outside RFC 3986's `pchar` and the `/` between segments is percent-encoded, in
//! upper-case hex: spaces, `%`, `#`, `?`, controls, and each UTF-8 byte of a non-ASCII
//! character. The sub-delimiters (`!$&'()*+,;=`) and `@` are kept, as a path allows. A relative
//! path has its colons encoded too, or its first segment would read as a scheme (`a:b.json`).
//!
//! Written by hand rather than with the `url` crate: the rules fit on this page, and `url`
//! follows the WHATWG URL standard (with IDNA) where SARIF asks for RFC 3986.

/// The URI reference of a file as the command line names it, on this platform.
pub(crate) fn from_path(path: &str) -> String {
    from_path_on(path, cfg!(windows))
}

/// The URI reference of `path`, read as a Windows path when `windows` is set or its form says
/// so (a drive letter or `\\` first).
fn from_path_on(path: &str, windows: bool) -> String {
    let windows = windows || path.starts_with(r"\\") || drive_letter(path);
    let normalised;
    let path = if windows {
        normalised = path.replace('\\', "/");
        normalised.as_str()
    } else {
        path
    };
    let mut out = String::with_capacity(path.len() + 8);
    if windows {
        if let Some(rest) = path.strip_prefix("//?/UNC/") {
            unc(&mut out, rest);
            return out;
        }
        if let Some(rest) = path.strip_prefix("//?/").filter(|rest| drive_letter(rest)) {
            out.push_str("file:///");
            encode(&mut out, rest, Part::AbsolutePath);
            return out;
        }
        if let Some(rest) = path.strip_prefix("//") {
            unc(&mut out, rest);
            return out;
        }
        if drive_letter(path) {
            out.push_str("file:///");
            encode(&mut out, path, Part::AbsolutePath);
            return out;
        }
    }
    if path.starts_with('/') {
        out.push_str("file://");
        encode(&mut out, path, Part::AbsolutePath);
    } else {
        encode(&mut out, path, Part::RelativePath);
    }
    out
}

/// Whether `path` starts with a drive letter, a colon and a separator: `C:\`, `c:/`.
fn drive_letter(path: &str) -> bool {
    matches!(path.as_bytes(), [letter, b':', b'\\' | b'/', ..] if letter.is_ascii_alphabetic())
}

/// `file://server/share/…` for the UNC path `server/share/…` (separators already `/`).
fn unc(out: &mut String, rest: &str) {
    let (server, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    out.push_str("file://");
    encode(out, server, Part::Host);
    encode(out, path, Part::AbsolutePath);
}

/// Where encoded text goes, which decides the characters kept as they are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    /// A server name: RFC 3986's `reg-name`.
    Host,
    /// The path of a `file` URI: segments of `pchar` and `/`.
    AbsolutePath,
    /// A relative reference: as a path, but with `:` encoded.
    RelativePath,
}

fn encode(out: &mut String, text: &str, part: Part) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &byte in text.as_bytes() {
        let keep = match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => true,
            b'!' | b'$' | b'&' | b'\'' | b'(' | b')' | b'*' | b'+' | b',' | b';' | b'=' => true,
            b'/' | b'@' => part != Part::Host,
            b':' => part == Part::AbsolutePath,
            _ => false,
        };
        if keep {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0xF)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix and Windows readings of a path.
    fn both(path: &str) -> (String, String) {
        (from_path_on(path, false), from_path_on(path, true))
    }

    /// RFC 3986's `URI-reference`, as the `jsonschema` crate checks the format: an independent
    /// judge of every URI these tests make.
    fn is_uri_reference(text: &str) -> bool {
        let schema = serde_json::json!({"type": "string", "format": "uri-reference"});
        jsonschema::draft7::options()
            .should_validate_formats(true)
            .build(&schema)
            .unwrap()
            .is_valid(&serde_json::Value::from(text))
    }

    #[track_caller]
    fn check(path: &str, windows: bool, expected: &str) {
        let uri = from_path_on(path, windows);
        assert_eq!(uri, expected, "{path:?}, windows: {windows}");
        assert!(is_uri_reference(&uri), "{uri:?} is not a URI reference");
    }

    #[test]
    fn relative_paths_stay_relative() {
        for windows in [false, true] {
            check(
                "examples/invalid/a.json",
                windows,
                "examples/invalid/a.json",
            );
            check("../up/./x.json", windows, "../up/./x.json");
            check(
                "in/a&b+c@d=(1);!$'*,.json",
                windows,
                "in/a&b+c@d=(1);!$'*,.json",
            );
        }
    }

    #[test]
    fn what_rfc_3986_reserves_is_percent_encoded() {
        for windows in [false, true] {
            check("a b/100%#1?.json", windows, "a%20b/100%25%231%3F.json");
            check("dir/é.json", windows, "dir/%C3%A9.json");
            check(
                "订单/😀.json",
                windows,
                "%E8%AE%A2%E5%8D%95/%F0%9F%98%80.json",
            );
            check(
                "tab\there\u{7f}\u{1b}.json",
                windows,
                "tab%09here%7F%1B.json",
            );
            check(
                "a[1]{2}|^`\"<>.json",
                windows,
                "a%5B1%5D%7B2%7D%7C%5E%60%22%3C%3E.json",
            );
            // `\u{202e}` (right-to-left override) is three UTF-8 bytes, all encoded.
            check("a\u{202e}b.json", windows, "a%E2%80%AEb.json");
        }
    }

    #[test]
    fn a_colon_in_a_relative_path_is_not_a_scheme() {
        for windows in [false, true] {
            check("a:b.json", windows, "a%3Ab.json");
            // A drive letter without a separator is relative to that drive's folder.
            check("C:f.json", windows, "C%3Af.json");
        }
    }

    #[test]
    fn backslashes_separate_on_windows_only() {
        check(r"dir\é.json", true, "dir/%C3%A9.json");
        check(r"dir\é.json", false, "dir%5C%C3%A9.json");
    }

    #[test]
    fn absolute_unix_paths_are_file_uris() {
        check("/tmp/x#1.json", false, "file:///tmp/x%231.json");
        check("/home/é/a b.json", false, "file:///home/%C3%A9/a%20b.json");
        check("/srv/a:b.json", false, "file:///srv/a:b.json");
        check("/", false, "file:///");
        // Rooted on the current drive, on Windows.
        check(r"\tmp\x.json", true, "file:///tmp/x.json");
    }

    #[test]
    fn drive_letters_are_read_as_windows_paths_everywhere() {
        for windows in [false, true] {
            check(r"C:\dir\f.json", windows, "file:///C:/dir/f.json");
            check("c:/dir/f.json", windows, "file:///c:/dir/f.json");
            check(
                r"D:\a b\é#.json",
                windows,
                "file:///D:/a%20b/%C3%A9%23.json",
            );
            check(r"C:\", windows, "file:///C:/");
        }
    }

    #[test]
    fn unc_paths_name_their_server() {
        for windows in [false, true] {
            check(
                r"\\server\share\f.json",
                windows,
                "file://server/share/f.json",
            );
            check(
                r"\\srv\share name\dir\é.json",
                windows,
                "file://srv/share%20name/dir/%C3%A9.json",
            );
            check(r"\\server", windows, "file://server");
            check(
                r"\\a@b:c\share\f.json",
                windows,
                "file://a%40b%3Ac/share/f.json",
            );
        }
        // Forward slashes are separators too, on Windows.
        check("//server/share/f.json", true, "file://server/share/f.json");
    }

    #[test]
    fn verbatim_paths_are_the_paths_they_stand_for() {
        for windows in [false, true] {
            check(r"\\?\C:\dir\f.json", windows, "file:///C:/dir/f.json");
            check(
                r"\\?\UNC\server\share\f.json",
                windows,
                "file://server/share/f.json",
            );
        }
    }

    #[test]
    fn the_judge_refuses_what_these_functions_encode() {
        for raw in [
            "a b.json",
            "x#1#2",
            "100%",
            "é.json",
            "a|b",
            "file:///C:\\dir",
        ] {
            assert!(!is_uri_reference(raw), "{raw:?}");
        }
    }

    #[test]
    fn stdin_stays_its_name() {
        assert_eq!(
            both("<stdin>"),
            ("%3Cstdin%3E".into(), "%3Cstdin%3E".into())
        );
        assert!(is_uri_reference("%3Cstdin%3E"));
    }

    #[test]
    fn every_character_makes_a_uri_reference_that_decodes_back() {
        let mut name = String::new();
        for c in (1..=0x7F_u8)
            .map(char::from)
            .chain(['é', '中', '😀', '\u{85}'])
        {
            name.push(c);
        }
        let name = name.replace(['/', '\\'], "");
        for (path, windows, prefix) in [
            (format!("d/{name}"), false, ""),
            (format!("/d/{name}"), false, "file://"),
            (format!(r"C:\d\{name}"), false, "file:///"),
        ] {
            let uri = from_path_on(&path, windows);
            assert!(is_uri_reference(&uri), "{uri}");
            let decoded = decode(uri.strip_prefix(prefix).unwrap());
            assert_eq!(decoded, path.replace('\\', "/"));
        }
    }

    fn decode(text: &str) -> String {
        let bytes = text.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
                i += 3;
            } else {
                out.push(bytes[i]);
                i += 1;
            }
        }
        String::from_utf8(out).unwrap()
    }
}
