//! A small command-line parser: `MODE [--key value | --key=value | --flag]...`.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

/// Options that take no value.
const FLAGS: &[&str] = &["readme", "text", "help"];

/// Parsed command line; every getter consumes its option so [`Args::finish`] can reject
/// the ones nobody asked for (a typo must not silently fall back to a default).
#[derive(Debug, Default)]
pub struct Args {
    pub positional: Vec<String>,
    opts: HashMap<String, String>,
    flags: HashSet<String>,
}

impl Args {
    pub fn parse(raw: impl IntoIterator<Item = String>) -> Result<Args, String> {
        let mut args = Args::default();
        let mut raw = raw.into_iter();
        while let Some(item) = raw.next() {
            let Some(key) = item.strip_prefix("--") else {
                args.positional.push(item);
                continue;
            };
            if let Some((key, value)) = key.split_once('=') {
                args.opts.insert(key.to_owned(), value.to_owned());
            } else if FLAGS.contains(&key) {
                args.flags.insert(key.to_owned());
            } else {
                let value = raw.next().ok_or_else(|| format!("--{key} needs a value"))?;
                args.opts.insert(key.to_owned(), value);
            }
        }
        Ok(args)
    }

    /// The value of `--key`, parsed, or `default` when absent.
    pub fn get<T: FromStr>(&mut self, key: &str, default: T) -> Result<T, String> {
        match self.opts.remove(key) {
            None => Ok(default),
            Some(value) => value
                .parse()
                .map_err(|_| format!("--{key}: cannot parse {value:?}")),
        }
    }

    /// The value of `--key` when given.
    pub fn opt(&mut self, key: &str) -> Option<String> {
        self.opts.remove(key)
    }

    /// The value of `--key` as a string, or `default`.
    pub fn string(&mut self, key: &str, default: &str) -> String {
        self.opts.remove(key).unwrap_or_else(|| default.to_owned())
    }

    /// A comma-separated list of numbers, e.g. `--idle 2000,8000`.
    pub fn list(&mut self, key: &str, default: &[usize]) -> Result<Vec<usize>, String> {
        let Some(value) = self.opts.remove(key) else {
            return Ok(default.to_vec());
        };
        value
            .split(',')
            .filter(|item| !item.trim().is_empty())
            .map(|item| {
                item.trim()
                    .parse()
                    .map_err(|_| format!("--{key}: {item:?}"))
            })
            .collect()
    }

    pub fn flag(&mut self, key: &str) -> bool {
        self.flags.remove(key)
    }

    /// Rejects options left unread.
    pub fn finish(self) -> Result<(), String> {
        let mut left: Vec<String> = self.opts.into_keys().chain(self.flags).collect();
        if left.is_empty() {
            return Ok(());
        }
        left.sort();
        Err(format!("unknown option(s): --{}", left.join(", --")))
    }
}

#[cfg(test)]
mod tests {
    use super::Args;

    fn parse(line: &str) -> Args {
        Args::parse(line.split_whitespace().map(str::to_owned)).expect("parses")
    }

    #[test]
    fn options_flags_and_positionals() {
        let mut args = parse("echo --conns 50 --size=64 --text --idle 2000,8000");
        assert_eq!(args.positional, ["echo"]);
        assert_eq!(args.get("conns", 1_usize), Ok(50));
        assert_eq!(args.get("size", 32_usize), Ok(64));
        assert_eq!(args.get("secs", 5.0), Ok(5.0));
        assert!(args.flag("text"));
        assert_eq!(args.list("idle", &[1]), Ok(vec![2000, 8000]));
        assert!(args.finish().is_ok());
    }

    #[test]
    fn mistakes_are_errors() {
        assert!(Args::parse(["--conns".to_owned()]).is_err());
        let mut args = parse("echo --conns many --typo 1");
        assert!(args.get("conns", 1_usize).is_err());
        assert_eq!(args.finish(), Err("unknown option(s): --typo".to_owned()));
    }
}
