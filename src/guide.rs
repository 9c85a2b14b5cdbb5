//! The guides: everything the README leaves out, from `docs/*.md`.
//!
//! Each guide is one Markdown file in the repository's `docs/` folder,
//! readable on GitHub, and included here so that rustdoc renders it and
//! compiles (and runs, unless marked `no_run`) every Rust example in it.
//! The README's own examples are compiled the same way.

/// Links between the guides. Each guide defines these labels at its end for
/// GitHub (`[channels]: channels.md`); the definitions below come first, and
/// the first definition of a label wins, so in rustdoc they lead to the
/// modules of this one.
macro_rules! links {
    () => {
        "[configuration-and-limits]: crate::guide::configuration_and_limits\n\
         [limits-websocket]: crate::guide::configuration_and_limits#websocket\n\
         [channels]: crate::guide::channels\n\
         [channels-delivery]: crate::guide::channels#delivery-guarantees\n\
         [channels-redis]: crate::guide::channels#when-to-move-from-the-in-memory-layer-to-redis\n\
         [rohrpost]: crate::guide::rohrpost\n\
         [cookbook]: crate::guide::cookbook\n\
         [operations]: crate::guide::operations\n\
         [operations-nginx]: crate::guide::operations#running-behind-nginx\n\
         [security]: crate::guide::security\n\
         [conformance]: crate::guide::conformance\n\
         [performance]: crate::guide::performance\n\
         [performance-minimal]: crate::guide::performance#a-minimal-build\n\
         [design]: crate::guide::design\n\
         [dependencies]: crate::guide::dependencies\n"
    };
}

/// A guide whose examples need features this build lacks: a pointer to
/// the Markdown file (docs.rs builds with every feature).
#[allow(unused_macros)] // unused when every feature is on
macro_rules! unbuilt {
    ($file:literal, $features:literal) => {
        concat!(
            "This guide's examples need the `",
            $features,
            "` feature(s), which this build lacks; read `docs/",
            $file,
            ".md` in the repository, or these docs built with `--all-features`."
        )
    };
}

#[doc = links!()]
#[doc = include_str!("../docs/configuration-and-limits.md")]
pub mod configuration_and_limits {}

#[doc = links!()]
#[cfg_attr(feature = "runserver", doc = include_str!("../docs/channels.md"))]
#[cfg_attr(not(feature = "runserver"), doc = unbuilt!("channels", "runserver"))]
pub mod channels {}

#[doc = links!()]
#[cfg_attr(all(feature = "rohrpost", feature = "runserver"), doc = include_str!("../docs/rohrpost.md"))]
#[cfg_attr(not(all(feature = "rohrpost", feature = "runserver")), doc = unbuilt!("rohrpost", "rohrpost`, `runserver"))]
pub mod rohrpost {}

#[doc = links!()]
#[cfg_attr(feature = "runserver", doc = include_str!("../docs/cookbook.md"))]
#[cfg_attr(not(feature = "runserver"), doc = unbuilt!("cookbook", "runserver"))]
pub mod cookbook {}

#[doc = links!()]
#[cfg_attr(all(feature = "tls", feature = "runserver"), doc = include_str!("../docs/operations.md"))]
#[cfg_attr(not(all(feature = "tls", feature = "runserver")), doc = unbuilt!("operations", "tls`, `runserver"))]
pub mod operations {}

#[doc = links!()]
#[doc = include_str!("../docs/security.md")]
pub mod security {}

#[doc = links!()]
#[doc = include_str!("../docs/conformance.md")]
pub mod conformance {}

#[doc = links!()]
#[doc = include_str!("../docs/performance.md")]
pub mod performance {}

#[doc = links!()]
#[doc = include_str!("../docs/design.md")]
pub mod design {}

#[doc = links!()]
#[doc = include_str!("../docs/dependencies.md")]
pub mod dependencies {}

/// The README's examples, compiled as doc tests (not part of the API).
#[cfg(all(doctest, feature = "runserver"))]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
