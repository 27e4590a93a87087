//! `livemod messages …`: read a room's stored messages, follow it live, and
//! recall a message.

use std::time::Duration;

use clap::{Args, Subcommand};
use futures::TryStreamExt;

use super::GlobalArgs;
use super::output::{
    Failure, call_and_show, local_time, note, print_fields, print_json, print_json_line,
    print_table,
};
use super::values::ValueError;
use crate::api::{
    DeleteGroupMessageRequest, GroupMessage, ListGroupMessagesRequest, ListGroupMessagesResponse,
    SortType, pages,
};
use crate::session::Session;
use crate::text::terminal_safe;

#[derive(Debug, Subcommand)]
pub enum MessagesCommand {
    /// List a group's stored messages (newest first unless --asc).
    List(ListArgs),
    /// Follow a group: print each new message as it is stored, until Ctrl-C.
    Tail(TailArgs),
    /// Recall (delete) one message of a group by its MsgTid.
    Recall(RecallArgs),
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// The group whose messages to list.
    pub group_id: String,
    /// Only messages of this MsgType.
    #[arg(long = "type", value_name = "N")]
    pub msg_type: Option<i64>,
    /// Only messages sent at or after T: UNIX seconds, an RFC 3339 time
    /// (2026-11-23T10:00:00Z) or a duration ago (30m, 2h, 1day).
    #[arg(long, value_name = "T", value_parser = parse_time)]
    pub since: Option<i64>,
    /// Only messages sent at or before T (same forms as --since).
    #[arg(long, value_name = "T", value_parser = parse_time)]
    pub until: Option<i64>,
    /// Oldest first.
    #[arg(long)]
    pub asc: bool,
    /// Messages per page, 10–50.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub page_size: u32,
    /// Follow the next-page tokens to the end.
    #[arg(long)]
    pub all: bool,
    /// Print the service's reply as JSON (with --all: every message in one reply).
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TailArgs {
    /// The group to follow.
    pub group_id: String,
    /// How often to ask for new messages.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_interval)]
    pub interval: Duration,
    /// Print each message as one line of JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RecallArgs {
    /// The group the message was sent to.
    pub group_id: String,
    /// The message's MsgTid.
    pub msg_tid: String,
    /// Who recalls it (default: the configured moderator_id).
    #[arg(long, value_name = "UID")]
    pub operator: Option<String>,
    /// Why, shown to clients as DeleterInfo (at most 512 bytes).
    #[arg(long, value_name = "S")]
    pub reason: Option<String>,
    /// Print the service's reply as JSON.
    #[arg(long)]
    pub json: bool,
}

/// UNIX seconds, an RFC 3339 time, or a duration before now.
pub(crate) fn parse_time(s: &str) -> Result<i64, ValueError> {
    let s = s.trim();
    if let Ok(n) = s.parse::<i64>() {
        return Ok(n);
    }
    if let Ok(t) = humantime::parse_rfc3339_weak(s) {
        return t
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .map_err(|_| ValueError::Before1970(s.to_string()));
    }
    match humantime::parse_duration(s) {
        Ok(ago) => Ok(chrono::Utc::now().timestamp() - ago.as_secs() as i64),
        Err(_) => Err(ValueError::NotATime(s.to_string())),
    }
}

const MIN_INTERVAL: Duration = Duration::from_millis(100);

fn parse_interval(s: &str) -> Result<Duration, ValueError> {
    match humantime::parse_duration(s) {
        Ok(d) if d >= MIN_INTERVAL => Ok(d),
        Ok(_) => Err(ValueError::TooShort(MIN_INTERVAL)),
        Err(e) => Err(ValueError::not_a_duration(s, e, "1s or 500ms")),
    }
}

pub(crate) async fn run(global: &GlobalArgs, cmd: MessagesCommand) -> Result<(), Failure> {
    let session = super::connect(global).await?;
    match cmd {
        MessagesCommand::List(args) => list(&session, args).await,
        MessagesCommand::Tail(args) => tail(&session, args).await,
        MessagesCommand::Recall(args) => recall(&session, args).await,
    }
}

async fn list(session: &Session, args: ListArgs) -> Result<(), Failure> {
    let request = ListGroupMessagesRequest {
        app_id: session.app_id.clone(),
        group_id: args.group_id,
        page_size: args.page_size,
        sort_type: if args.asc {
            SortType::Asc
        } else {
            SortType::Desc
        },
        msg_type: args.msg_type,
        begin_time: args.since,
        end_time: args.until,
        next_page_token: None,
        data_center: session.data_center,
    };
    let reply = if args.all {
        let replies: Vec<ListGroupMessagesResponse> =
            pages(&session.client, request).try_collect().await?;
        combine(replies)
    } else {
        session.client.call(&request).await?
    };
    if args.json {
        return print_json(&reply);
    }
    print_messages(&reply.message_list);
    let total = reply.message_list.first().map_or(0, |m| m.total_messages);
    if reply.has_more {
        note(&format!(
            "{} of {total} messages shown; --all lists every page",
            reply.message_list.len()
        ));
    } else {
        note(&format!("{} messages", reply.message_list.len()));
    }
    Ok(())
}

/// Every page in one reply: all messages, the last RequestId, no next page.
fn combine(replies: Vec<ListGroupMessagesResponse>) -> ListGroupMessagesResponse {
    let mut all = ListGroupMessagesResponse::default();
    for reply in replies {
        all.request_id = reply.request_id;
        all.group_id = reply.group_id;
        all.message_list.extend(reply.message_list);
    }
    all
}

fn print_messages(messages: &[GroupMessage]) {
    print_table(
        &["SEQ", "TIME", "SENDER", "TYPE", "MSGTID", "BODY"],
        messages.iter().map(|m| {
            vec![
                m.seq_number.to_string(),
                local_time(m.timestamp),
                m.sender.user_id.clone(),
                m.msg_type.to_string(),
                m.msg_tid.clone(),
                preview(&m.body, 60),
            ]
        }),
    );
}

/// The first `max` characters of a body, on one line (the table makes it terminal-safe).
fn preview(body: &str, max: usize) -> String {
    let one_line: String = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let mut cut: String = one_line.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Polls for messages stored after the newest one at start. Only sequence
/// numbers the service gave are compared: no clock is trusted, and tokens stay opaque.
async fn tail(session: &Session, args: TailArgs) -> Result<(), Failure> {
    let newest = ListGroupMessagesRequest {
        app_id: session.app_id.clone(),
        group_id: args.group_id.clone(),
        page_size: 10,
        sort_type: SortType::Desc,
        msg_type: None,
        begin_time: None,
        end_time: None,
        next_page_token: None,
        data_center: session.data_center,
    };
    let start = session.client.call(&newest).await?;
    let (mut last_seq, mut since) = start
        .message_list
        .first()
        .map_or((0, None), |m| (m.seq_number, Some(m.timestamp)));
    if !args.json {
        note(&format!(
            "following {} (Ctrl-C stops)…",
            terminal_safe(&args.group_id)
        ));
    }
    loop {
        let request = ListGroupMessagesRequest {
            sort_type: SortType::Asc,
            page_size: 50,
            begin_time: since,
            ..newest.clone()
        };
        let mut stream = std::pin::pin!(pages(&session.client, request));
        let polled = async {
            while let Some(page) = stream.try_next().await? {
                for m in page.message_list {
                    if m.seq_number <= last_seq {
                        continue;
                    }
                    last_seq = m.seq_number;
                    since = Some(m.timestamp);
                    show_live(&m, args.json)?;
                }
            }
            Ok::<(), Failure>(())
        };
        tokio::select! {
            result = polled => result?,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
        tokio::select! {
            () = tokio::time::sleep(args.interval) => {}
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

fn show_live(m: &GroupMessage, json: bool) -> Result<(), Failure> {
    if json {
        return print_json_line(m);
    }
    super::output::emit(&format!(
        "{}  {}  [{}] {}",
        local_time(m.timestamp),
        terminal_safe(&m.sender.user_id),
        m.msg_type,
        terminal_safe(&m.body)
    ));
    Ok(())
}

async fn recall(session: &Session, args: RecallArgs) -> Result<(), Failure> {
    let request = DeleteGroupMessageRequest {
        app_id: session.app_id.clone(),
        group_id: args.group_id,
        message_id: args.msg_tid,
        deleter_id: Some(
            args.operator
                .unwrap_or_else(|| session.moderator_id.clone()),
        ),
        deleter_info: args.reason,
        data_center: session.data_center,
    };
    call_and_show(session, &request, args.json, |reply| {
        print_fields(&[
            ("GroupId", reply.group_id),
            ("MsgTid", reply.message_id),
            (
                "Outcome",
                "recalled (the service answers the same for a MsgTid it never stored)".into(),
            ),
            ("RequestId", reply.request_id),
        ]);
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_in_three_forms() {
        assert_eq!(parse_time("1700000000"), Ok(1_700_000_000));
        assert_eq!(parse_time("2023-11-14T22:13:20Z"), Ok(1_700_000_000));
        let ago = parse_time("1h").unwrap();
        let now = chrono::Utc::now().timestamp();
        assert!((now - 3600 - ago).abs() <= 5, "{ago} vs {now}");
        assert!(parse_time("yesterday-ish").is_err());
    }

    #[test]
    fn previews_are_one_short_line() {
        assert_eq!(preview("a\n b\tc", 10), "a b c");
        assert_eq!(preview(&"x".repeat(70), 10), format!("{}…", "x".repeat(9)));
    }
}
