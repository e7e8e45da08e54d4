//! [`PlainQuery`]: the subcommand of each request without input that has no command of its
//! own, made from rundown-abi's table at run time (clap's `Subcommand` by hand, flattened into
//! [`DeviceCommand`](crate::cli::DeviceCommand)).

use std::sync::OnceLock;

use clap::error::ErrorKind;
use clap::{ArgMatches, FromArgMatches, Subcommand};
use rundown_abi::Ioctl;

use crate::cli::own_subcommand;

/// A request of the shared device without input and without a command of its own
/// ([`own_subcommand`]): `rundownctl <word>` sends it and prints its reply's fields from the
/// reply's layout ([`Fields`](crate::fields::Fields)). The word is the request's name without
/// `IOCTL_RUNDOWN_`, in kebab case, and the help line its row's documentation, so a request
/// added to rundown-abi's table is a command as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlainQuery(Ioctl);

impl PlainQuery {
    /// The query that sends `ioctl`, if it is one.
    #[must_use]
    pub fn new(ioctl: Ioctl) -> Option<Self> {
        let plain = ioctl.input_size() == Some(0) && ioctl.output_layout().is_some() && own_subcommand(ioctl).is_none();
        plain.then_some(Self(ioctl))
    }

    /// The query for any request, for the tests of what a query does with a reply.
    #[cfg(test)]
    pub(crate) fn any(ioctl: Ioctl) -> Self {
        Self(ioctl)
    }

    /// Every one, in the table's order.
    pub fn all() -> impl Iterator<Item = Self> {
        Ioctl::ALL.into_iter().filter_map(Self::new)
    }

    /// The request.
    #[must_use]
    pub fn ioctl(self) -> Ioctl {
        self.0
    }

    /// Its subcommand: `IOCTL_RUNDOWN_PEERS` is `peers`.
    #[must_use]
    pub fn word(self) -> &'static str {
        // Computed once per process; the table is fixed, so the words live as long as it.
        static WORDS: OnceLock<Vec<(Ioctl, &'static str)>> = OnceLock::new();
        let words = WORDS.get_or_init(|| {
            let word = |ioctl: Ioctl| {
                let name = ioctl.name();
                let short = name.strip_prefix("IOCTL_RUNDOWN_").unwrap_or(name);
                &*Box::leak(short.to_ascii_lowercase().replace('_', "-").into_boxed_str())
            };
            Ioctl::ALL.into_iter().map(|ioctl| (ioctl, word(ioctl))).collect()
        });
        words.iter().find(|(ioctl, _)| *ioctl == self.0).map_or("", |(_, word)| word)
    }

    /// Its help line: `PEERS: ` and the row's documentation.
    pub(crate) fn about(self) -> String {
        let name = self.0.name();
        let text = self.0.description().split_whitespace().collect::<Vec<_>>().join(" ");
        let text = text.strip_prefix(&format!("`{name}`: ")).unwrap_or(&text).replace('`', "");
        let short = name.strip_prefix("IOCTL_RUNDOWN_").unwrap_or(name);
        format!("{short}: {}", text.trim_end_matches('.'))
    }
}

impl FromArgMatches for PlainQuery {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let name = matches.subcommand_name().ok_or_else(|| clap::Error::new(ErrorKind::MissingSubcommand))?;
        Self::all()
            .find(|query| query.word() == name)
            .ok_or_else(|| clap::Error::raw(ErrorKind::InvalidSubcommand, format!("no request `{name}`\n")))
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Subcommand for PlainQuery {
    fn augment_subcommands(command: clap::Command) -> clap::Command {
        Self::all()
            .fold(command, |command, query| command.subcommand(clap::Command::new(query.word()).about(query.about())))
    }

    fn augment_subcommands_for_update(command: clap::Command) -> clap::Command {
        Self::augment_subcommands(command)
    }

    fn has_subcommand(name: &str) -> bool {
        Self::all().any(|query| query.word() == name)
    }
}
