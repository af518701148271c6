//! `/moderation` and `/moderation/log`: the moderators' review queue and audit log.
//! The server refuses everyone else (see `permissions::may_moderate`).

use crate::api::moderation::{moderation_log, moderation_queue, Moderate, ReportView};
use crate::components::time::Time;
use crate::domain::moderation::ModAction;
use crate::pages::error_view;
use leptos::either::Either;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn ModerationPage() -> impl IntoView {
    let act = ServerAction::<Moderate>::new();
    let queue = Resource::new(move || act.version().get(), |_| moderation_queue());
    let status = move || {
        act.value().get().map(|result| match result {
            Ok(()) => "Done.".to_string(),
            Err(error) => error.to_string(),
        })
    };
    view! {
        <Title text="Moderation"/>
        <Transition fallback=|| view! { <p>"Loading reports…"</p> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Err(error) => Either::Left(error_view(error)),
                    Ok(reports) => Either::Right(view! {
                        <div class="page-head">
                            <h1>"Reports to review"</h1>
                            <a class="button button-quiet" href="/moderation/log">"Audit log"</a>
                        </div>
                        <p role="status" class="meta">{status}</p>
                        {if reports.is_empty() {
                            Either::Left(view! { <p class="empty">"No reports to review."</p> })
                        } else {
                            Either::Right(view! {
                                <p class="hint">"Oldest first, 50 at a time. Each report shows the reported message with at most two messages before and after it: moderators see no more of a private conversation than that."</p>
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
    let id = report.id;
    let suspend_question = format!(
        "Suspend {}? They can no longer sign in or send, and every session of theirs ends.",
        report.author.name
    );
    let suspend_label = format!("Yes, suspend {}", report.author.name);
    view! {
        <article class="report panel" aria-label=format!("Report about a message by {}", report.author.name)>
            <p>
                "Reported by " <strong>{report.reporter.clone()}</strong> ": " {report.reason.label()} " · "
                <span class="meta"><Time at=report.reported_at/></span>
                {(report.other_reports > 0).then(|| format!(" · {} more reports about this message", report.other_reports))}
            </p>
            {(!report.note.is_empty()).then(|| view! { <blockquote class="report-note">{report.note.clone()}</blockquote> })}
            <ol class="report-context" aria-label="The reported message in context">
                {report.context.into_iter().map(|m| view! {
                    <li class:reported=m.reported aria-current=m.reported.then_some("true")>
                        <strong>{m.author}</strong> " · " <span class="meta"><Time at=m.created_at/></span>
                        {m.since.map(|since| view! { <p class="meta">{format!("({since})")}</p> })}
                        <p>{if m.removed { format!("(removed) {}", m.body) } else { m.body }}</p>
                    </li>
                }).collect_view()}
            </ol>
            {(!report.files.is_empty()).then(|| view! {
                <p class="meta">"Files of the reported message:"</p>
                <crate::components::attachments::AttachmentList attachments=report.files.clone()/>
            })}
            <p class="meta">"Author: " <a href=report.author.link()>{report.author.name.clone()}</a></p>
            <div class="report-actions">
                {ModAction::ALL.iter().filter(|a| **a != ModAction::Suspend).map(|action| view! {
                    <ActionForm action=act attr:class="inline-form">
                        <input type="hidden" name="report" value=id.to_string()/>
                        <input type="hidden" name="action" value=action.as_str()/>
                        <button type="submit" class="button button-quiet" disabled=move || act.pending().get()>{action.label()}</button>
                    </ActionForm>
                }).collect_view()}
                // Suspending cannot be taken back from here: it asks first (a
                // disclosure, so it asks without JavaScript too).
                <details class="confirm">
                    <summary class="button button-danger">{format!("{}…", ModAction::Suspend.label())}</summary>
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
    let log = Resource::new(|| (), |_| moderation_log(None));
    view! {
        <Title text="Moderation audit log"/>
        <Suspense fallback=|| view! { <p>"Loading the log…"</p> }>
            {move || Suspend::new(async move {
                match log.await {
                    Err(error) => Either::Left(error_view(error)),
                    Ok(entries) => Either::Right(view! {
                        <div class="page-head">
                            <h1>"Moderation audit log"</h1>
                            <a class="button button-quiet" href="/moderation">"Reports to review"</a>
                        </div>
                        <div class="table-scroll">
                            <table class="audit-log">
                                <thead><tr><th>"When"</th><th>"Moderator"</th><th>"Action"</th><th>"Member or group"</th><th>"Reason"</th><th>"Note"</th></tr></thead>
                                <tbody>
                                    {entries.into_iter().map(|e| view! {
                                        <tr>
                                            <td><Time at=e.at/></td>
                                            <td>{e.moderator}</td>
                                            <td>{crate::domain::moderation::logged_action(&e.action)}</td>
                                            <td>{e.member.or(e.group).unwrap_or_default()}</td>
                                            <td>{e.report_reason.map(|r| r.label()).unwrap_or("")}</td>
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
