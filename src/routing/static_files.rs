//! Static files in development, as Django's `runserver` serves `STATIC_URL`
//! in `DEBUG`: a URL pattern that maps a prefix to a directory.
//!
//! ```no_run
//! use wsviews::{path, static_files, HttpResponse, Request};
//!
//! let urlpatterns = vec![
//!     static_files::serve("/static/", "static"),
//!     path("", |_: &Request| HttpResponse::new("home")),
//! ];
//! # let _ = urlpatterns;
//! ```
//!
//! `runserver` adds this pattern itself when `./static` exists (its
//! `--static-dir`, `--static-url` and `--nostatic` options change that). It
//! is meant for development: files are
//! read on every request and never cached.
//!
//! Only files inside the directory are served: a path with `..` or `.`
//! segments, empty segments (`//`, an absolute path), backslashes or NUL —
//! percent-encoded or not — gets `404`, and so does a symbolic link that
//! leads out of the directory. Only regular files are served: a FIFO, a
//! socket or a device inside the directory is `404` too.

use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use crate::http::request::Request;
use crate::http::response::HttpResponse;
use crate::routing::urls::{path, UrlPattern};

/// Files up to this size are sent with a `Content-Length`; larger ones are
/// streamed chunked.
const INLINE_LIMIT: u64 = 1024 * 1024;

/// A URL pattern serving the files under `dir` at `prefix`
/// (`"/static/"` → `/static/css/site.css` is `dir/css/site.css`), with their
/// content types; `GET` and `HEAD` only.
///
/// A `prefix` of `""` or `"/"` serves the directory at the root; put this
/// pattern last then, so it does not hide your views.
pub fn serve(prefix: &str, dir: impl Into<PathBuf>) -> UrlPattern {
    let prefix = prefix.trim_matches('/');
    let route = if prefix.is_empty() {
        "<path:file>".to_owned()
    } else {
        format!("{prefix}/<path:file>")
    };
    let root = dir.into();
    path(&route, move |request: &Request| serve_file(request, &root)).name("static")
}

fn serve_file(request: &Request, root: &Path) -> HttpResponse {
    if !matches!(request.method(), "GET" | "HEAD") {
        return HttpResponse::not_allowed(&["GET", "HEAD"]);
    }
    let relative = request.kwarg("file").unwrap_or_default();
    match open_inside(root, relative) {
        Some((file, length)) => file_response(file, length, relative),
        None => HttpResponse::not_found(format!("Not Found: {}", request.path())),
    }
}

/// Opens `relative` under `root` if it is a regular file that really lies
/// inside `root` (after following symbolic links); returns it and its size.
fn open_inside(root: &Path, relative: &str) -> Option<(File, u64)> {
    let relative = safe_relative(relative)?;
    let root = root.canonicalize().ok()?;
    let full = root.join(relative).canonicalize().ok()?;
    if !full.starts_with(&root) {
        log::warn!(
            "static file {} is outside {}; refused",
            full.display(),
            root.display()
        );
        return None;
    }
    // Opening a FIFO would wait for a writer, and reading a device may never
    // end: only regular files are served, checked before opening and again
    // on what was opened (it may have been swapped in between).
    if !std::fs::metadata(&full).ok()?.is_file() {
        return None;
    }
    let file = open_nonblocking(&full).ok()?;
    let metadata = file.metadata().ok()?;
    metadata.is_file().then_some((file, metadata.len()))
}

/// Opens for reading without waiting (a FIFO opened so returns at once;
/// `O_NONBLOCK` changes nothing for a regular file).
#[cfg(unix)]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path) -> std::io::Result<File> {
    File::open(path)
}

/// A URL path (already percent-decoded) as a relative file path, if every
/// segment is a plain name.
fn safe_relative(relative: &str) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for segment in relative.split('/') {
        let forbidden = segment.is_empty()
            || segment.contains(['\\', '\0'])
            || (cfg!(windows) && segment.contains(':'));
        let mut components = Path::new(segment).components();
        let plain =
            matches!(components.next(), Some(Component::Normal(_))) && components.next().is_none();
        if forbidden || !plain || segment == "." {
            return None;
        }
        out.push(segment);
    }
    Some(out)
}

fn file_response(mut file: File, length: u64, name: &str) -> HttpResponse {
    let response = if length <= INLINE_LIMIT {
        let mut content = Vec::with_capacity(length as usize);
        if let Err(e) = file.read_to_end(&mut content) {
            log::error!("static file {name}: {e}");
            return HttpResponse::text(500, "Internal Server Error");
        }
        HttpResponse::new(content)
    } else {
        HttpResponse::from_reader(file)
    };
    response
        .with_content_type(content_type(name))
        .with_header("X-Content-Type-Options", "nosniff")
}

/// The `Content-Type` for a file name, by its extension.
pub fn content_type(name: &str) -> &'static str {
    let extension = name.rsplit_once('.').map_or("", |(_, e)| e);
    match extension.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "wasm" => "application/wasm",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        let table = [
            ("index.html", "text/html; charset=utf-8"),
            ("site.CSS", "text/css; charset=utf-8"),
            ("app.js", "text/javascript; charset=utf-8"),
            ("data.json", "application/json"),
            ("logo.png", "image/png"),
            ("photo.jpg", "image/jpeg"),
            ("icon.svg", "image/svg+xml"),
            ("favicon.ico", "image/x-icon"),
            ("notes.txt", "text/plain; charset=utf-8"),
            ("app.wasm", "application/wasm"),
            ("font.woff2", "font/woff2"),
            ("README", "application/octet-stream"),
        ];
        for (name, want) in table {
            assert_eq!(content_type(name), want, "{name}");
        }
    }

    #[test]
    fn only_plain_relative_paths() {
        for good in ["a.css", "css/site.css", "a/b/c.txt", "..a", "a..b/c"] {
            assert_eq!(safe_relative(good), Some(PathBuf::from(good)), "{good}");
        }
        for bad in [
            "",
            "..",
            "../x",
            "a/../../x",
            "a/..",
            ".",
            "./a",
            "a//b",
            "/etc/passwd",
            "a/",
            "..\\x",
            "a\\b",
            "a\0b",
            "a/./b",
        ] {
            assert_eq!(safe_relative(bad), None, "{bad:?}");
        }
    }
}
