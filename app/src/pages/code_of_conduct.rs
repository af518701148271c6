use leptos::prelude::*;
use leptos_meta::Title;

/// The portal's code of conduct. Conversations, reports and moderation all refer to it.
#[component]
pub fn CodeOfConduct() -> impl IntoView {
    view! {
        <Title text="Code of conduct"/>
        <article class="panel prose">
            <h1>"Code of conduct"</h1>
            <p>
                "This portal is where members of the Mautic community meet, and where they talk privately "
                "one to one, with up to nine others, and with groups. Everything that happens here, "
                "including private conversations, follows this code of conduct."
            </p>
            <h2>"What we expect"</h2>
            <ul>
                <li>"Be welcoming and patient, especially with newcomers and with people writing in a second language."</li>
                <li>"Be respectful when you disagree: criticise ideas, not people."</li>
                <li>"Respect privacy: do not share what someone told you in a conversation without their consent."</li>
                <li>"Message people because you have something to say to them. One clear message is better than many."</li>
            </ul>
            <h2>"What is not accepted"</h2>
            <ul>
                <li>"Harassment, insults, threats, or unwelcome sexual attention, in any language."</li>
                <li>"Discrimination based on gender, identity, orientation, disability, appearance, ethnicity, age, religion or nationality."</li>
                <li>"Unsolicited advertising, mass messages and repeated messages to people who did not reply (spam)."</li>
                <li>"Impersonating other members, groups or the Mautic project."</li>
            </ul>
            <h2 id="reporting">"Private messages"</h2>
            <p>
                "Only the people in a conversation can read it. A group's managers read and answer the "
                "conversations sent to their group. If a message breaks this code, report it from the "
                "message's menu: the moderators then see that message with at most two messages before "
                "and after it, never the rest of the conversation. You can also block a member so that "
                "they cannot message you, or accept first messages only from members you share a group with."
            </p>
            <h2>"What moderators may do"</h2>
            <p>
                "Moderators review reports. They may remove a message that breaks this code (everyone in "
                "the conversation then sees that a moderator removed it), warn its author, or suspend the "
                "account. Every action is recorded. Sending limits apply to everyone to keep spam out."
            </p>
            <h2>"Contact"</h2>
            <p>
                "If you are unsure whether something is acceptable, or need help, write to the portal's "
                "moderators. Reports are handled in confidence."
            </p>
        </article>
    }
}
