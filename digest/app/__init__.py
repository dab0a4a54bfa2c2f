"""The use cases: everything the CLI, the flows and the web service do, as plain
functions that take settings and a store and return result objects. Nothing here
prints; nothing else orchestrates."""

from digest.app.content import Draft, draft_digest, gather_sources, raw_article, read_source
from digest.app.issues import (
    SummaryNote,
    compose_issue,
    next_digest,
    pending_articles,
    prepare_issue,
    recipient_factory,
    render_for_list,
    seed_subscribers,
    signing_secret,
    summarize_all,
    summarize_pending,
    view_url,
)
from digest.app.readers import (
    Imported,
    Unsubscribed,
    add_subscriber,
    import_subscribers,
    remove_subscriber,
    subscribers,
    unsubscribe_by_token,
    unsubscribe_subscriber,
)
from digest.app.sending import (
    DryRun,
    SendPlan,
    SendResult,
    SmtpTarget,
    ProofSent,
    dry_run,
    finish_issue,
    plan_send,
    send_list,
    send_range,
    smtp_target,
    send_proof,
)
from digest.app.status import IssueState, ListState, status

__all__ = [
    "Draft", "DryRun", "Imported", "IssueState", "ListState", "SendPlan", "SendResult", "SmtpTarget", "ProofSent",
    "SummaryNote", "Unsubscribed", "add_subscriber", "compose_issue", "finish_issue", "send_range", "summarize_pending", "draft_digest", "dry_run", "gather_sources", "import_subscribers",
    "next_digest", "pending_articles", "plan_send", "prepare_issue", "raw_article", "read_source",
    "recipient_factory", "remove_subscriber", "render_for_list", "seed_subscribers", "send_list", "signing_secret",
    "smtp_target", "status", "subscribers", "summarize_all", "send_proof", "unsubscribe_by_token",
    "unsubscribe_subscriber", "view_url",
]
