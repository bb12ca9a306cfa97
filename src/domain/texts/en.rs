//! English: every customer-facing word in English.

use chrono::DateTime;
use chrono_tz::Tz;

use super::{
    AutomaticUpdateWords, BannerWords, ComponentStatusWords, KindWords, NoticeStatusWords, Texts,
    WidgetBannerWords, WidgetOptionWords, WidgetTexts,
};

pub static EN: Texts = Texts {
    lang: "en",
    other_lang: "ko",
    other_lang_name: "한국어",

    page_title: "Payment status",
    skip_to_content: "Skip to content",
    current_incidents: "Current problems",
    expected_recovery: "Expected recovery",
    eta_passed: "The expected time has passed. We will update you shortly",
    next_update: "Next update",
    next_update_overdue: "Our update is running late",
    use_instead: "You can pay this way instead",
    affected: "Affected payment methods",
    maintenance_now: "Maintenance in progress",
    maintenance_upcoming: "Scheduled maintenance",
    maintenance_window: "Window",
    channels: "Status by payment method",
    history: "Past incidents and maintenance",
    history_intro: "Resolved incidents and completed maintenance, newest first.",
    no_history: "Nothing to show.",
    newer: "Newer",
    older: "Older",
    page_of: "Page",
    back_to_status: "Back to current status",
    timeline: "Timeline",
    timeline_update: "Update",
    eta_revisions: "Changes to the expected recovery time",
    postmortem: "Postmortem",
    started: "Started",
    resolved: "Resolved",
    duration: "Duration",
    updated: "Last updated",
    subscribe_rss: "Subscribe via RSS",
    subscribe_atom: "Atom feed",
    feed_title: "Status - Incident History",
    not_found_title: "Page not found",
    not_found_body: "Please check the address. The current status of payments is on the front page.",
    embed_details: "Details",
    embed_close: "Close",

    banners: BannerWords {
        none: "All payment services are operational",
        minor: "Some payments are slow",
        major: "Some payment methods are unavailable",
        critical: "Payments are unavailable",
        maintenance: "Maintenance in progress",
    },
    component_statuses: ComponentStatusWords {
        operational: "Operational",
        degraded_performance: "Slow",
        partial_outage: "Partial outage",
        major_outage: "Outage",
        under_maintenance: "Maintenance",
    },
    notice_statuses: NoticeStatusWords {
        investigating: "Investigating",
        identified: "Identified",
        monitoring: "Monitoring",
        resolved: "Resolved",
        postmortem: "Postmortem",
        scheduled: "Scheduled",
        in_progress: "In progress",
        verifying: "Verifying",
        completed: "Completed",
    },
    kinds: KindWords {
        incident: "Incident",
        maintenance: "Maintenance",
    },
    automatic_updates: AutomaticUpdateWords {
        in_progress: "Scheduled maintenance has started.",
        verifying: "We are verifying the maintenance.",
        completed: "Maintenance is complete. Everything is available again.",
        resolved: "This incident has been resolved.",
        postmortem: "We have published a postmortem: the cause and what we are changing.",
        continuing: "We are continuing to work on this.",
    },
    widget: WidgetTexts {
        title: "Checkout banner",
        intro: "One line in a merchant's checkout warns shoppers when a payment method is down or under maintenance, and tells them what to use instead. When all is well it shows nothing and shifts nothing.",
        snippet_heading: "The snippet",
        preview_heading: "Live preview",
        preview_intro: "This is the real banner for this status page. It is empty when nothing is wrong and no maintenance starts within 24 hours.",
        options_heading: "Options (data-* attributes)",
        attribute: "Attribute",
        values: "Values",
        meaning: "What it does",
        event_heading: "React in your checkout code",
        event_intro: "Each time the banner reads the status it dispatches paystatus:change on document, so your code can grey out a broken payment button.",
        embed_heading: "Iframe pop-up (Statuspage compatible)",
        embed_intro: "Sites using the Statuspage embed only change the host. A small window appears in a corner only while something is wrong.",
    },
    widget_options: WidgetOptionWords {
        components: "Component ids to watch (default: all)",
        lang: "Language (default: the page's lang, then the status page's default)",
        upcoming: "Also announce maintenance starting within this time",
        interval: "Seconds between status reads (at least 15)",
        position: "Where the banner sits (inline: where the script is)",
        theme: "Colour theme (default: follows the system)",
        accent: "Accent colour",
        background: "Background colour",
        text: "Text colour",
        z_index: "Stacking order (top/bottom)",
    },
    widget_banner: WidgetBannerWords {
        scheduled: "Scheduled maintenance",
        in_progress: "Maintenance in progress",
    },

    next_update_by,
    eta_revision,
    default_instructions,
    date_time,
    until,
    lasted,

    eta_unknown: "not known yet",
    channels_unnamed: "payments",
    no_alternative: "another payment method",
    list,
};

fn next_update_by(time: &str) -> String {
    format!("by {time}")
}

fn eta_revision(previous: Option<&str>, eta: Option<&str>) -> String {
    match (previous, eta) {
        (None, Some(new)) => format!("Expected recovery set to {new}."),
        (Some(old), Some(new)) => format!("Expected recovery changed from {old} to {new}."),
        (Some(old), None) => format!("Expected recovery ({old}) is being reassessed."),
        (None, None) => "Expected recovery is being assessed.".to_string(),
    }
}

fn default_instructions(channel: &str) -> String {
    format!("Choose “{channel}” on the payment screen.")
}

fn date_time(local: &DateTime<Tz>, with_year: bool) -> String {
    let pattern = if with_year {
        "%b %-d, %Y, %H:%M"
    } else {
        "%b %-d, %H:%M"
    };
    local.format(pattern).to_string()
}

fn until(hours: i64, minutes: i64) -> String {
    match (hours, minutes) {
        (0, 0) => "any moment now".to_string(),
        (0, m) => format!("in about {m} min"),
        (h, 0) => format!("in about {h} h"),
        (h, m) => format!("in about {h} h {m} min"),
    }
}

fn lasted(hours: i64, minutes: i64) -> String {
    match hours {
        0 => format!("{minutes} min"),
        h => format!("{h} h {minutes} min"),
    }
}

/// "a", "a and b", "a, b and c", each name as it reads inside a sentence.
fn list(names: &[&str]) -> String {
    let names: Vec<String> = names.iter().map(|n| in_sentence(n)).collect();
    match names.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

/// A channel's name inside a sentence: "Bank transfer" reads "bank transfer", but a
/// brand keeps its capitals ("Naver Pay", "KakaoPay", "PAYCO"). Only a name of several
/// words, capitalised like a sentence (no capital after the first letter), is lowered.
fn in_sentence(name: &str) -> String {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let like_a_sentence = name.contains(' ') && !chars.clone().any(char::is_uppercase);
    if like_a_sentence {
        first.to_lowercase().chain(chars).collect()
    } else {
        name.to_string()
    }
}
