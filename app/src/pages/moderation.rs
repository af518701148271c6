//! `/moderation` and `/moderation/log`: the moderators' review queue and audit log.
//! The server refuses everyone else (see `permissions::may_moderate`).

use crate::api::moderation::{moderation_log, moderation_queue, Moderate, ReportView};
use crate::components::time::Time;
use crate::domain::moderation::ModAction;
use crate::i18n::{k, use_words, Words};
use crate::model::moderation::AuthorChange;
use crate::pages::error_view;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

/// The button of a moderator's action on a report (suspending asks first).
fn action_label(words: Words, action: ModAction) -> &'static str {
    words.t(match action {
        ModAction::Dismiss => k::moderation_action_dismiss,
        ModAction::Remove => k::moderation_action_remove,
        ModAction::Warn => k::moderation_action_warn,
        ModAction::Suspend => k::moderation_action_suspend,
    })
}

/// The audit log's wording for a logged action (`moderation_log.action`), the
/// moderators' and the administrators'.
fn logged_action(words: Words, action: &str) -> &'static str {
    words.t(match ModAction::parse(action) {
        Ok(ModAction::Dismiss) => k::moderation_logged_dismiss,
        Ok(ModAction::Remove) => k::moderation_logged_remove,
        Ok(ModAction::Warn) => k::moderation_logged_warn,
        Ok(ModAction::Suspend) => k::moderation_logged_suspend,
        Err(_) => match action {
            "lift_suspension" => k::moderation_logged_lift_suspension,
            "set_role" => k::moderation_logged_set_role,
            "close_group" => k::moderation_logged_close_group,
            "appoint_manager" => k::moderation_logged_appoint_manager,
            "change_settings" => k::moderation_logged_change_settings,
            "invite" => k::moderation_logged_invite,
            _ => k::moderation_logged_other,
        },
    })
}

/// What a context message's author did to it since (`QueueMessage::since`),
/// in the reader's words.
fn since_label(words: Words, since: AuthorChange) -> &'static str {
    words.t(match since {
        AuthorChange::DeletedSince => k::moderation_since_deleted_since,
        AuthorChange::EditedSince => k::moderation_since_edited,
        AuthorChange::Deleted => k::moderation_since_deleted,
    })
}

#[component]
pub fn ModerationPage() -> impl IntoView {
    let words = use_words();
    let act = ServerAction::<Moderate>::new();
    let queue = Resource::new(move || act.version().get(), |_| moderation_queue());
    let status = move || {
        act.value().get().map(|result| match result {
            Ok(()) => words.t(k::moderation_done).to_string(),
            Err(error) => error.to_string(),
        })
    };
    view! {
        <Title text=words.t(k::moderation_title)/>
        <Transition fallback=move || view! { <p>{words.t(k::moderation_loading)}</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Err(error) => Either::Left(error_view(error)),
                    Ok(reports) => Either::Right(view! {
                        <div class="page-head">
                            <h1>{words.t(k::moderation_heading)}</h1>
                            <a class="button button-quiet" href="/moderation/log">{words.t(k::moderation_log_link)}</a>
                        </div>
                        <p role="status" class="meta">{status}</p>
                        {if reports.is_empty() {
                            Either::Left(view! { <p class="empty">{words.t(k::moderation_none)}</p> })
                        } else {
                            Either::Right(view! {
                                <p class="hint">{words.t(k::moderation_hint)}</p>
                                {reports.into_iter().map(|report| view! { <Report report act/> }).collect_view()}
                            })
                        }}
                    }),
                }
            })}
        </Transition>
    }
}

#[component]
fn Report(report: ReportView, act: ServerAction<Moderate>) -> impl IntoView {
    let words = use_words();
    let id = report.id;
    // A report keeps who wrote the message after they deleted their account.
    let author = &match &report.author_deleted {
        Some(gone) => words.f(
            k::moderation_author_deleted_account,
            &[("name", &gone.name), ("handle", &gone.handle)],
        ),
        None => report.author.name.clone(),
    };
    let suspend_question = words.f(k::moderation_suspend_question, &[("name", author)]);
    let suspend_label = words.f(k::moderation_suspend_confirm, &[("name", author)]);
    let report_label = words.f(k::moderation_report_label, &[("name", author)]);
    let reason = words.f(
        k::moderation_reported_reason,
        &[("reason", &report.reason.label(words))],
    );
    view! {
        <article class="report panel" aria-label=report_label>
            <p>
                {words.t(k::moderation_reported_by)} <strong>{report.reporter.clone()}</strong> {reason} " · "
                <span class="meta"><Time at=report.reported_at/></span>
                {(report.other_reports > 0).then(|| words.p(k::moderation_more_reports, report.other_reports, &[]))}
            </p>
            {(!report.note.is_empty()).then(|| view! { <blockquote class="report-note">{report.note.clone()}</blockquote> })}
            <ol class="report-context" aria-label=words.t(k::moderation_context)>
                {report.context.into_iter().map(|m| view! {
                    <li class:reported=m.reported aria-current=m.reported.then_some("true")>
                        <strong>{m.author}</strong> " · " <span class="meta"><Time at=m.created_at/></span>
                        {m.since.map(|since| view! { <p class="meta">{format!("({})", since_label(words, since))}</p> })}
                        <p>{if m.removed { words.f(k::moderation_removed_body, &[("body", &m.body)]) } else { m.body }}</p>
                    </li>
                }).collect_view()}
            </ol>
            {(!report.files.is_empty()).then(|| view! {
                <p class="meta">{words.t(k::moderation_files)}</p>
                <crate::components::attachments::AttachmentList attachments=report.files.clone()/>
            })}
            <p class="meta">{words.t(k::moderation_author)} <a href=report.author.link()>{author.clone()}</a></p>
            <div class="report-actions">
                {ModAction::ALL.iter().filter(|a| **a != ModAction::Suspend).map(|action| view! {
                    <ActionForm action=act attr:class="inline-form">
                        <input type="hidden" name="report" value=id.to_string()/>
                        <input type="hidden" name="action" value=action.as_str()/>
                        <button type="submit" class="button button-quiet" disabled=move || act.pending().get()>{action_label(words, *action)}</button>
                    </ActionForm>
                }).collect_view()}
                // Suspending cannot be taken back from here: it asks first (a
                // disclosure, so it asks without JavaScript too).
                <details class="confirm">
                    <summary class="button button-danger">{action_label(words, ModAction::Suspend)}</summary>
                    <div class="confirm-body">
                        <p>{suspend_question}</p>
                        <ActionForm action=act attr:class="inline-form">
                            <input type="hidden" name="report" value=id.to_string()/>
                            <input type="hidden" name="action" value=ModAction::Suspend.as_str()/>
                            <button type="submit" class="button button-danger" disabled=move || act.pending().get()>
                                {suspend_label}
                            </button>
                        </ActionForm>
                    </div>
                </details>
            </div>
        </article>
    }
}

#[component]
pub fn ModerationLogPage() -> impl IntoView {
    let words = use_words();
    let log = Resource::new(|| (), |_| moderation_log(None));
    view! {
        <Title text=words.t(k::moderation_log_title)/>
        <Suspense fallback=move || view! { <p>{words.t(k::moderation_log_loading)}</p> }>
            {move || Suspend::new(async move {
                match log.await {
                    Err(error) => Either::Left(error_view(error)),
                    Ok(entries) => Either::Right(view! {
                        <div class="page-head">
                            <h1>{words.t(k::moderation_log_title)}</h1>
                            <a class="button button-quiet" href="/moderation">{words.t(k::moderation_heading)}</a>
                        </div>
                        <div class="table-scroll">
                            <table class="audit-log">
                                <thead><tr>
                                    <th>{words.t(k::moderation_log_when)}</th>
                                    <th>{words.t(k::moderation_log_moderator)}</th>
                                    <th>{words.t(k::moderation_log_action)}</th>
                                    <th>{words.t(k::moderation_log_target)}</th>
                                    <th>{words.t(k::moderation_log_reason)}</th>
                                    <th>{words.t(k::moderation_log_note)}</th>
                                </tr></thead>
                                <tbody>
                                    {entries.into_iter().map(|e| view! {
                                        <tr>
                                            <td><Time at=e.at/></td>
                                            <td>{e.moderator}</td>
                                            <td>{logged_action(words, &e.action)}</td>
                                            <td>{e.member.or(e.group).unwrap_or_default()}</td>
                                            <td>{e.report_reason.map(|r| r.label(words)).unwrap_or("")}</td>
                                            <td>{e.note}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }),
                }
            })}
        </Suspense>
    }
}
