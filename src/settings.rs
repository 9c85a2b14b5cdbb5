//! The shape of the crate's configuration structs ([`ServerConfig`](crate::ServerConfig),
//! [`PerMessageDeflate`](crate::PerMessageDeflate)), written once: each setting
//! is a public field to read (as in tungstenite's `WebSocketConfig`), has its
//! default next to it, and is set by a chainable method of the same name that
//! shares the field's doc (which states the default).

/// Declares a configuration struct from its settings:
///
/// ```text
/// settings! {
///     /// The struct's doc.
///     #[derive(Debug, Clone)]
///     pub struct Config {
///         /// The setting's doc, for the field and the setter. Defaults to 1.
///         size: usize = 1, get_size;
///         /// A setting with a hand-written setter (none generated).
///         list: Vec<String> = Vec::new();
///     }
/// }
/// ```
///
/// gives the struct with public fields, its `Default`, and for each setting
/// named with a `get_*` getter, a `#[must_use]` setter `fn size(self, usize)
/// -> Self` and that getter, deprecated (the field is read instead). A
/// setting may carry `#[cfg(..)]` after its doc; it applies to all of these.
macro_rules! settings {
    (
        $(#[$attr:meta])*
        pub struct $config:ident {
            $(
                $(#[doc = $doc:expr])*
                $(#[cfg($cfg:meta)])*
                $name:ident: $ty:ty = $default:expr $(, $getter:ident)?;
            )*
        }
    ) => {
        $(#[$attr])*
        pub struct $config {
            $(
                $(#[doc = $doc])*
                $(#[cfg($cfg)])*
                pub $name: $ty,
            )*
        }

        impl Default for $config {
            fn default() -> Self {
                $config {
                    $(
                        $(#[cfg($cfg)])*
                        $name: $default,
                    )*
                }
            }
        }

        impl $config {
            $(
                $crate::settings::settings!(
                    @setter [$(#[doc = $doc])*] [$(#[cfg($cfg)])*] $name: $ty $(, $getter)?
                );
            )*
        }
    };
    (@setter [$($doc:tt)*] [$($cfg:tt)*] $name:ident: $ty:ty) => {};
    (@setter [$($doc:tt)*] [$($cfg:tt)*] $name:ident: $ty:ty, $getter:ident) => {
        $($doc)*
        $($cfg)*
        #[must_use]
        pub fn $name(mut self, value: $ty) -> Self {
            self.$name = value;
            self
        }

        #[doc = concat!("The value of the field `", stringify!($name), "`.")]
        $($cfg)*
        #[deprecated(since = "0.2.0", note = "read the field of the same name")]
        pub fn $getter(&self) -> $ty {
            self.$name.clone()
        }
    };
}

pub(crate) use settings;

#[cfg(test)]
mod tests {
    settings! {
        /// A configuration of two settings, one of them compiled out.
        #[derive(Debug, Clone, PartialEq)]
        pub struct Config {
            /// A size. Defaults to 1.
            size: usize = 1, get_size;
            /// Never compiled. Defaults to 2.
            #[cfg(any())]
            gone: usize = 2, get_gone;
            /// Set by hand. Defaults to empty.
            #[cfg(all())]
            list: Vec<String> = Vec::new();
        }
    }

    #[test]
    #[allow(deprecated)]
    fn fields_defaults_setters_and_the_deprecated_getters() {
        let config = Config::default();
        assert_eq!((config.size, config.list.len()), (1, 0));
        let config = config.size(5);
        assert_eq!((config.size, config.get_size()), (5, 5));
    }
}
