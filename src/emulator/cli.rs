//! `livemod emulator`: runs the emulator until SIGINT/SIGTERM.
//!
//! The first line on stdout is `listening on http://HOST:PORT` (flushed), so
//! scripts and tests can start it on port 0 and read the address.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use super::{
    AppSpec, DEMO_ACCESS_KEY_ID, DEMO_ACCESS_KEY_SECRET, Emulator, EmulatorOptions, FaultOptions,
    LatencyRange, MAX_GENERATED_GROUPS, StateLocation, Stats, faults,
};

/// Environment variables that override the emulator's key pair.
pub const ENV_ACCESS_KEY_ID: &str = "LIVEMOD_EMULATOR_ACCESS_KEY_ID";
pub const ENV_ACCESS_KEY_SECRET: &str = "LIVEMOD_EMULATOR_ACCESS_KEY_SECRET";

/// Run a local LiveMessage emulator (no cloud account needed).
///
/// It accepts requests signed with the key pair livemod-demo-key /
/// livemod-demo-secret, or the pair in LIVEMOD_EMULATOR_ACCESS_KEY_ID and
/// LIVEMOD_EMULATOR_ACCESS_KEY_SECRET.
#[derive(Debug, Clone, clap::Args)]
pub struct EmulatorArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,

    /// SQLite file for the state [default: emulator.sqlite3 in livemod's data directory].
    #[arg(long, value_name = "PATH", conflicts_with = "in_memory")]
    pub state: Option<PathBuf>,

    /// Keep the state in memory only (gone when the emulator stops).
    #[arg(long)]
    pub in_memory: bool,

    /// An app that exists, as ID or ID:DATACENTER (cn-shanghai or ap-southeast-1); repeatable [default: demo].
    #[arg(long = "app", value_name = "ID[:DATACENTER]")]
    pub apps: Vec<AppSpec>,

    /// Seed app "demo" with ~120 realistic groups.
    #[arg(long)]
    pub demo_data: bool,

    /// Simulated online users in every group (groups with their own audience keep it).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub audience: u32,

    /// Probability of answering HTTP 500 ServerError before processing a request.
    #[arg(long, value_name = "P", default_value_t = 0.0, value_parser = faults::parse_rate)]
    pub fault_rate: f64,

    /// Probability of processing a request, committing it, then answering HTTP 500 ServerError.
    #[arg(long, value_name = "P", default_value_t = 0.0, value_parser = faults::parse_rate)]
    pub late_fault_rate: f64,

    /// Probability of processing a request, then resetting the connection without a reply.
    #[arg(long, value_name = "P", default_value_t = 0.0, value_parser = faults::parse_rate)]
    pub reset_rate: f64,

    /// Random delay before each request, in milliseconds (MIN..MAX or N).
    #[arg(long, value_name = "MIN..MAX")]
    pub latency: Option<LatencyRange>,

    /// Probability of a random Throttling.User reply (on top of the 50 calls/s limit).
    #[arg(long, value_name = "P", default_value_t = 0.0, value_parser = faults::parse_rate)]
    pub throttle_rate: f64,

    /// Seed for reproducible fault injection.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,

    /// Add N synthetic groups (gen00001…) to the first app at start, past the rate limit (at most 5000).
    #[arg(long, value_name = "N", default_value_t = 0,
          value_parser = clap::value_parser!(u32).range(0..=i64::from(MAX_GENERATED_GROUPS)))]
    pub generate_groups: u32,

    /// Store N synthetic messages spread over the generated groups at start (needs --generate-groups).
    #[arg(
        long,
        value_name = "N",
        default_value_t = 0,
        requires = "generate_groups"
    )]
    pub generate_messages: u32,

    /// FOR BENCHMARKS ON LOOPBACK ONLY: accept unsigned requests and turn the
    /// rate limit off. Refused unless --listen is a loopback address.
    #[arg(long)]
    pub load_test: bool,

    /// Most connections open at once [default: a quarter of the open-file limit, 16 to 4096].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: Option<u32>,

    /// Simulated audience chat: lines per second in every active group, a few of them
    /// lines a moderator would remove (0 = off).
    #[arg(long, value_name = "RATE", default_value_t = 0.0, value_parser = parse_chatter)]
    pub chatter: f64,

    /// Seconds a client may take to send a request head (and an idle keep-alive connection stays open).
    #[arg(long, value_name = "SECONDS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub header_timeout: u64,
}

impl EmulatorArgs {
    /// The options these arguments describe; `env` looks up the key-pair
    /// variables (injected so tests need not touch the process environment).
    pub fn options(
        &self,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<EmulatorOptions, EmulatorArgsError> {
        let state = if self.in_memory {
            StateLocation::InMemory
        } else {
            match &self.state {
                Some(path) => StateLocation::File(path.clone()),
                None => StateLocation::File(default_state_path()?),
            }
        };
        let var = |name: &str| env(name).filter(|v| !v.is_empty());
        let (access_key_id, access_key_secret) =
            match (var(ENV_ACCESS_KEY_ID), var(ENV_ACCESS_KEY_SECRET)) {
                (Some(id), Some(secret)) => (id, secret),
                (None, None) => (
                    DEMO_ACCESS_KEY_ID.to_string(),
                    DEMO_ACCESS_KEY_SECRET.to_string(),
                ),
                (Some(_), None) => return Err(EmulatorArgsError::KeyWithoutSecret),
                (None, Some(_)) => return Err(EmulatorArgsError::SecretWithoutKey),
            };
        Ok(EmulatorOptions {
            listen: self.listen,
            state,
            apps: self.apps.clone(),
            demo_data: self.demo_data,
            audience: self.audience,
            access_key_id,
            access_key_secret,
            extra_access_keys: Vec::new(),
            faults: FaultOptions {
                fault_rate: self.fault_rate,
                late_fault_rate: self.late_fault_rate,
                reset_rate: self.reset_rate,
                throttle_rate: self.throttle_rate,
                latency: self.latency,
                seed: self.seed,
            },
            generate_groups: self.generate_groups,
            generate_messages: self.generate_messages,
            load_test: self.load_test,
            max_connections: self.max_connections.map(|n| n as usize),
            header_read_timeout: std::time::Duration::from_secs(self.header_timeout),
            chatter: self.chatter,
        })
    }
}

/// Arguments that do not make a set of emulator options.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum EmulatorArgsError {
    #[error("{ENV_ACCESS_KEY_ID} is set but {ENV_ACCESS_KEY_SECRET} is not")]
    KeyWithoutSecret,
    #[error("{ENV_ACCESS_KEY_SECRET} is set but {ENV_ACCESS_KEY_ID} is not")]
    SecretWithoutKey,
    #[error("no home directory to keep the state in; use --state PATH or --in-memory")]
    NoHome,
    #[error("{0:?} is not a number")]
    NotANumber(String),
    #[error("{rate} is not between 0 and {max} lines per second")]
    ChatterRange { rate: f64, max: f64 },
}

fn parse_chatter(s: &str) -> Result<f64, EmulatorArgsError> {
    let rate: f64 = s
        .trim()
        .parse()
        .map_err(|_| EmulatorArgsError::NotANumber(s.to_string()))?;
    if !(0.0..=super::MAX_CHATTER).contains(&rate) {
        return Err(EmulatorArgsError::ChatterRange {
            rate,
            max: super::MAX_CHATTER,
        });
    }
    Ok(rate)
}

/// `emulator.sqlite3` in livemod's data directory.
pub fn default_state_path() -> Result<PathBuf, EmulatorArgsError> {
    directories::ProjectDirs::from("", "", "livemod")
        .map(|d| d.data_dir().join("emulator.sqlite3"))
        .ok_or(EmulatorArgsError::NoHome)
}

/// Runs the emulator until SIGINT or SIGTERM, then shuts it down cleanly.
pub async fn run(args: EmulatorArgs) -> ExitCode {
    let env = |name: &str| std::env::var(name).ok();
    let options = match args.options(&env) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("livemod emulator: {e}");
            return ExitCode::from(2);
        }
    };
    let emulator = match Emulator::start(options).await {
        Ok(e) => e,
        Err(e) => {
            eprintln!("livemod emulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Before the listening line, so whoever reads that line has seen it.
    if let Some(warning) = super::exposure_warning(emulator.addr()) {
        eprintln!("livemod emulator: {warning}");
    }
    let url = emulator.url();
    let shown = url.as_str().trim_end_matches('/');
    let mut stdout = std::io::stdout().lock();
    if writeln!(stdout, "listening on {shown}")
        .and_then(|()| stdout.flush())
        .is_err()
    {
        // Nobody reads stdout any more; keep serving all the same.
        tracing::warn!("cannot write the listening line to stdout");
    }
    drop(stdout);
    if args.load_test {
        eprintln!(
            "livemod emulator: LOAD TEST MODE on {shown}: unsigned requests accepted, no rate limit (benchmarks on loopback only)"
        );
    }
    wait_for_signal().await;
    tracing::info!("signal received, shutting down");
    // Counted after in-flight requests finished.
    let shared = emulator.shared.clone();
    emulator.shutdown().await;
    eprintln!(
        "livemod emulator: {}",
        summary(&shared.counters.snapshot(Vec::new()))
    );
    ExitCode::SUCCESS
}

/// The shutdown line: `served N requests, throttled=M, rate_limited=K, faults=F, resets=R,
/// late_faults=L, malformed=X`.
pub fn summary(stats: &Stats) -> String {
    format!(
        "served {} requests, throttled={}, rate_limited={}, faults={}, resets={}, late_faults={}, malformed={}",
        stats.requests.values().sum::<u64>(),
        stats.throttled,
        stats.rate_limited,
        stats.faults,
        stats.resets,
        stats.late_faults,
        stats.malformed
    )
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::api::model::DataCenter;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: EmulatorArgs,
    }

    fn parse(argv: &[&str]) -> Result<EmulatorArgs, clap::Error> {
        Wrapper::try_parse_from(std::iter::once("emulator").chain(argv.iter().copied()))
            .map(|w| w.args)
    }

    #[test]
    fn defaults() {
        let args = parse(&[]).unwrap();
        assert_eq!(args.listen, "127.0.0.1:0".parse().unwrap());
        let opts = args.options(&|_| None).unwrap();
        assert!(
            matches!(opts.state, StateLocation::File(ref p) if p.ends_with("emulator.sqlite3"))
        );
        assert_eq!(opts.access_key_id, DEMO_ACCESS_KEY_ID);
        assert_eq!(
            opts.effective_apps(),
            vec![AppSpec::new("demo", DataCenter::CnShanghai)]
        );
    }

    #[test]
    fn all_flags() {
        let args = parse(&[
            "--listen",
            "127.0.0.1:8080",
            "--in-memory",
            "--app",
            "a1",
            "--app",
            "sg:ap-southeast-1",
            "--demo-data",
            "--audience",
            "3",
            "--fault-rate",
            "0.1",
            "--reset-rate",
            "0.2",
            "--late-fault-rate",
            "0.4",
            "--max-connections",
            "64",
            "--header-timeout",
            "3",
            "--chatter",
            "2.5",
            "--latency",
            "5..20",
            "--throttle-rate",
            "0.3",
            "--seed",
            "7",
            "--generate-groups",
            "5000",
            "--generate-messages",
            "100000",
            "--load-test",
        ])
        .unwrap();
        let opts = args
            .options(&|k| match k {
                ENV_ACCESS_KEY_ID => Some("k".into()),
                ENV_ACCESS_KEY_SECRET => Some("s".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(opts.state, StateLocation::InMemory);
        assert_eq!(
            (opts.access_key_id.as_str(), opts.access_key_secret.as_str()),
            ("k", "s")
        );
        assert_eq!(
            opts.effective_apps(),
            vec![
                AppSpec::new("a1", DataCenter::CnShanghai),
                AppSpec::new("sg", DataCenter::ApSoutheast1),
                AppSpec::new("demo", DataCenter::CnShanghai),
            ]
        );
        assert_eq!(opts.audience, 3);
        assert_eq!(
            opts.faults.latency,
            Some(LatencyRange {
                min_ms: 5,
                max_ms: 20
            })
        );
        assert_eq!(opts.faults.seed, Some(7));
        assert_eq!(opts.faults.reset_rate, 0.2);
        assert_eq!(opts.faults.late_fault_rate, 0.4);
        assert_eq!(opts.max_connections, Some(64));
        assert_eq!(opts.chatter, 2.5);
        assert_eq!(opts.header_read_timeout, std::time::Duration::from_secs(3));
        assert_eq!(opts.generate_groups, 5000);
        assert_eq!(opts.generate_messages, 100_000);
        assert!(opts.load_test);
    }

    #[test]
    fn benchmark_knobs_default_off() {
        let opts = parse(&[]).unwrap().options(&|_| None).unwrap();
        assert_eq!((opts.generate_groups, opts.generate_messages), (0, 0));
        assert!(!opts.load_test);
    }

    #[test]
    fn benchmark_knobs_are_bounded() {
        assert!(parse(&["--generate-groups", "5001"]).is_err());
        assert!(parse(&["--generate-groups", "-1"]).is_err());
        // Messages need groups to go to.
        assert!(parse(&["--generate-messages", "10"]).is_err());
        assert!(parse(&["--generate-groups", "1", "--generate-messages", "10"]).is_ok());
        // Load-test mode is parsed anywhere but refused off loopback at start.
        let args = parse(&["--listen", "0.0.0.0:9000", "--load-test"]).unwrap();
        assert!(args.options(&|_| None).unwrap().load_test);
    }

    #[tokio::test]
    async fn load_test_off_loopback_is_refused_at_start() {
        let args = parse(&["--in-memory", "--listen", "0.0.0.0:0", "--load-test"]).unwrap();
        let err = Emulator::start(args.options(&|_| None).unwrap())
            .await
            .unwrap_err();
        assert!(err.to_string().contains("loopback only"), "{err}");
    }

    #[test]
    fn summary_line() {
        let mut stats = Stats::default();
        stats
            .requests
            .insert("ListLiveMessageGroupByPage".into(), 100);
        stats.requests.insert("SendLiveMessageGroup".into(), 3);
        stats.throttled = 4;
        stats.rate_limited = 2;
        assert_eq!(
            summary(&stats),
            "served 103 requests, throttled=4, rate_limited=2, faults=0, resets=0, late_faults=0, malformed=0"
        );
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(parse(&["--state", "x", "--in-memory"]).is_err());
        assert!(parse(&["--app", "bad-id"]).is_err());
        assert!(parse(&["--app", "a:mars"]).is_err());
        assert!(parse(&["--fault-rate", "2"]).is_err());
        assert!(parse(&["--late-fault-rate", "1.1"]).is_err());
        assert!(parse(&["--max-connections", "0"]).is_err());
        assert!(parse(&["--header-timeout", "0"]).is_err());
        assert!(parse(&["--chatter", "-1"]).is_err());
        assert!(parse(&["--chatter", "NaN"]).is_err());
        assert!(parse(&["--latency", "9..1"]).is_err());
        let args = parse(&[]).unwrap();
        assert!(
            args.options(&|k| (k == ENV_ACCESS_KEY_ID).then(|| "k".into()))
                .is_err()
        );
    }
}
