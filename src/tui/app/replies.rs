//! Worker replies: each is matched against the one map of requests in flight
//! and handed, as its operation's own response type, to whoever asked.

use super::*;

impl App {
    pub(super) fn create_form(&mut self) -> Option<&mut CreateForm> {
        match &mut self.overlay {
            Some(Overlay::Create(f)) => Some(f),
            _ => None,
        }
    }

    /// Every worker reply lands here and is matched against the one map of
    /// requests in flight.
    pub(super) fn on_worker(&mut self, ev: Event) {
        match ev {
            Event::Reply { id, result } => match self.pending.take_current(id) {
                Some(Ok(pending)) => self.on_reply(pending, result),
                Some(Err(old)) => self.after_switch(&old, result.is_ok()),
                None => tracing::debug!(id, "dropping a reply nobody waits for (superseded)"),
            },
            Event::Outbox { id, result } => {
                let purpose = match self.pending.take(id) {
                    Some(Pending::Outbox(p)) => p,
                    _ => OutboxPurpose::Refresh,
                };
                match result {
                    Ok(reply) => {
                        self.apply_outbox(reply.snapshot);
                        self.outbox_done(purpose, reply.entry);
                    }
                    Err(e) => {
                        self.status.error = Some(ErrorLine::local("Outbox", e.to_string()));
                    }
                }
            }
            Event::OutboxDelivered { report, snapshot } => match snapshot {
                Ok(snap) => {
                    self.apply_outbox(snap);
                    if !report.delivered.is_empty() {
                        self.status.flash(
                            ToastKind::Success,
                            format!(
                                "Outbox: delivered {} message(s) in the background",
                                report.delivered.len()
                            ),
                        );
                    }
                    if !report.outcome_unknown.is_empty() {
                        self.status.flash(
                            ToastKind::Warning,
                            format!(
                                "Outbox: {} message(s) ended with an unknown outcome; check them in the outbox",
                                report.outcome_unknown.len()
                            ),
                        );
                    }
                }
                Err(e) => self.status.error = Some(ErrorLine::local("Outbox", e.to_string())),
            },
            Event::BulkProgress { id, progress } => {
                if let Some((bulk_id, b)) = self.pending.bulk_mut()
                    && bulk_id == id
                {
                    b.progress = progress;
                }
            }
            Event::BulkDone {
                id,
                job,
                results,
                cancelled,
            } => {
                self.pending.take(id);
                self.bulk_done(job, results, cancelled);
            }
            Event::Failed { id, message } => {
                if let Some(Ok(pending)) = self.pending.take_current(id) {
                    self.on_crash(pending);
                }
                self.status.error = Some(ErrorLine::local(
                    "InternalError",
                    format!(
                        "a request crashed in the API worker ({message}); the console keeps running"
                    ),
                ));
            }
            Event::Restarted { message } => {
                self.status.error = Some(ErrorLine::local(
                    "InternalError",
                    format!("the API worker crashed and was restarted ({message})"),
                ));
            }
        }
    }

    /// A reply to a call made in the app switched away from: not applied to
    /// the app shown; an action on a room still says how it ended (the audit
    /// log has it in full).
    fn after_switch(&mut self, old: &Pending, ok: bool) {
        if !old.is_room_action() {
            return;
        }
        let text = if ok {
            "An action on a room of the previous app went through (see the audit log)"
        } else {
            "An action on a room of the previous app failed (see the audit log)"
        };
        self.status.flash(ToastKind::Info, text);
    }

    /// The reply to a call, given to whoever asked for it, as the response
    /// type of the operation it asked for.
    pub(super) fn on_reply(&mut self, pending: Pending, result: Result<Reply, ApiError>) {
        match pending {
            Pending::Page(request) => self.on_page(request, result.map(downcast_reply)),
            Pending::Create { group_id } => self.on_created(&group_id, result.map(downcast_reply)),
            Pending::Delete { group_id } => self.on_deleted(&group_id, result.map(downcast_reply)),
            Pending::Recover { group_id } => {
                self.on_recovered(&group_id, result.map(downcast_reply));
            }
            Pending::IndexPage(request) => self.on_index_page(request, result.map(downcast_reply)),
            Pending::Send(request) => self.on_sent(request, result.map(downcast_reply)),
            Pending::Room { group_id, request } => {
                self.on_room_reply(&group_id, request, result);
                self.after_room_reply();
            }
            Pending::Watch(request) => self.on_watch_reply(request, result),
            Pending::SentRecall { msg_tid } => {
                self.on_sent_recall(&msg_tid, result.map(downcast_reply));
            }
            Pending::Apps(request) => self.on_apps_reply(request, result),
            Pending::Outbox(_) | Pending::Bulk(_) => {
                tracing::warn!("an API reply for a request that made no call");
            }
        }
    }

    /// A request crashed in the worker: undo what waiting for it had changed.
    /// (Whatever was derived from it being in flight, such as the bulk run or
    /// "sending…", ended when it left the map.)
    pub(super) fn on_crash(&mut self, pending: Pending) {
        match pending {
            Pending::Page(_) => self.browser.page_failed(),
            Pending::Send(_) => {
                self.compose.last = Some((false, "✗ internal error; the message is kept".into()));
            }
            Pending::Create { .. } => {
                if let Some(form) = self.create_form() {
                    form.message = Some((false, "✗ internal error; nothing was created".into()));
                }
            }
            Pending::Bulk(b) => {
                self.overlay = Some(Overlay::BulkSummary(Box::new(BulkSummary {
                    title: "Bulk run stopped".into(),
                    lines: vec![format!(
                        "✗ The bulk run crashed after {} of {} calls; see the sent log and the groups for what was done.",
                        b.progress.done + b.progress.failed,
                        b.progress.total
                    )],
                    failed_sends: Vec::new(),
                    unknown_sends: Vec::new(),
                })));
            }
            Pending::Room { group_id, request } => self.on_room_crash(&group_id, &request),
            Pending::IndexPage(_) => self.browser.sync = Default::default(),
            Pending::Watch(request) => self.on_watch_crash(request),
            Pending::Apps(request) => self.on_apps_crash(&request),
            Pending::SentRecall { msg_tid } => self
                .sent_log
                .recalled(&msg_tid, Err("internal error; see the status line".into())),
            Pending::Delete { .. } | Pending::Recover { .. } | Pending::Outbox(_) => {}
        }
    }

    pub(super) fn on_page(
        &mut self,
        request: ListGroupsRequest,
        result: Result<ListGroupsResponse, ApiError>,
    ) {
        match result {
            Ok(reply) => {
                let outcome = self.browser.page_loaded(request, reply);
                self.browser_outcome(outcome);
            }
            Err(e) => {
                self.browser.page_failed();
                self.status.error = Some(ErrorLine::from_api(
                    &format!("loading page {}", request.page_number),
                    &e,
                ));
            }
        }
    }

    pub(super) fn on_created(&mut self, gid: &str, result: Result<CreateGroupResponse, ApiError>) {
        match result {
            Ok(r) if r.already_exists => match self.create_form() {
                Some(form) => form.already_exists(gid, r.already_delete),
                None => {
                    let mut form = CreateForm::new(&self.ctx.moderator_id);
                    form.already_exists(gid, r.already_delete);
                    let text = form.message.map(|(_, t)| t).unwrap_or_default();
                    self.status.flash(ToastKind::Warning, text);
                }
            },
            Ok(r) => {
                if self.create_form().is_some() {
                    self.overlay = None;
                }
                self.status.flash(
                    ToastKind::Success,
                    format!("Created group {gid} · RequestId {}", r.request_id),
                );
                self.browser.show_created(gid);
                self.request_page();
            }
            Err(e) => {
                if let Some(form) = self.create_form() {
                    form.message = Some((false, format!("✗ {e}")));
                }
                self.status.error = Some(ErrorLine::from_api(&format!("creating {gid}"), &e));
            }
        }
    }

    pub(super) fn on_deleted(&mut self, gid: &str, result: Result<DeleteGroupResponse, ApiError>) {
        match result {
            Ok(r) => {
                // The index says so too (the page reload may not list it).
                self.browser.set_deleted(gid, true);
                self.status.flash(
                    ToastKind::Success,
                    format!("Deleted group {gid} · RequestId {}", r.request_id),
                );
                self.request_page();
            }
            Err(e) => {
                self.status.error = Some(ErrorLine::from_api(&format!("deleting {gid}"), &e));
            }
        }
    }

    pub(super) fn on_sent(
        &mut self,
        request: SendMessageRequest,
        result: Result<SendMessageResponse, ApiError>,
    ) {
        match result {
            Ok(r) => {
                let text =
                    self.compose
                        .send_done(&request, &r, self.clock.now(), &self.ctx.catalogue);
                let key = DraftKey::new(&request.app_id, request.data_center, &request.group_id);
                self.forget_draft(Some(key));
                self.status.flash(ToastKind::Success, text);
            }
            Err(e) => {
                let queue_key = self
                    .keymap
                    .first(Action::Queue)
                    .filter(|_| self.ctx.data_dir.is_some());
                self.compose.send_failed(&request, &e, queue_key.as_deref());
                self.status.error = Some(ErrorLine::from_api(
                    &format!("sending to {}", request.group_id),
                    &e,
                ));
            }
        }
    }
}
