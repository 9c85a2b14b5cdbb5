//! `Cookie`: what `HttpResponse::set_cookie` sets, with Django's options.

use std::fmt;

/// A cookie to set on a response, with Django's `set_cookie` options.
///
/// ```
/// use wsviews::Cookie;
///
/// let cookie = Cookie::new("theme", "dark").max_age(3600).same_site("Lax");
/// assert_eq!(cookie.to_string(), "theme=dark; Max-Age=3600; Path=/; SameSite=Lax");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cookie {
    name: String,
    value: String,
    max_age: Option<u64>,
    path: String,
    domain: Option<String>,
    secure: bool,
    http_only: bool,
    same_site: Option<String>,
}

impl Cookie {
    /// A session cookie `name=value` for path `/`.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Cookie {
            name: name.into(),
            value: value.into(),
            max_age: None,
            path: "/".into(),
            domain: None,
            secure: false,
            http_only: false,
            same_site: None,
        }
    }

    /// Lifetime in seconds (`max_age`).
    #[must_use]
    pub fn max_age(mut self, seconds: u64) -> Self {
        self.max_age = Some(seconds);
        self
    }

    /// The URL path the cookie applies to; defaults to `/`.
    #[must_use]
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// The domain the cookie applies to.
    #[must_use]
    pub fn domain(mut self, domain: impl Into<String>) -> Self {
        self.domain = Some(domain.into());
        self
    }

    /// Only send the cookie over HTTPS.
    #[must_use]
    pub fn secure(mut self, secure: bool) -> Self {
        self.secure = secure;
        self
    }

    /// Hide the cookie from JavaScript.
    #[must_use]
    pub fn http_only(mut self, http_only: bool) -> Self {
        self.http_only = http_only;
        self
    }

    /// `Strict`, `Lax` or `None`.
    #[must_use]
    pub fn same_site(mut self, same_site: impl Into<String>) -> Self {
        self.same_site = Some(same_site.into());
        self
    }
}

impl fmt::Display for Cookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.value)?;
        if let Some(age) = self.max_age {
            write!(f, "; Max-Age={age}")?;
        }
        write!(f, "; Path={}", self.path)?;
        if let Some(domain) = &self.domain {
            write!(f, "; Domain={domain}")?;
        }
        if self.secure {
            f.write_str("; Secure")?;
        }
        if self.http_only {
            f.write_str("; HttpOnly")?;
        }
        if let Some(same_site) = &self.same_site {
            write!(f, "; SameSite={same_site}")?;
        }
        Ok(())
    }
}
